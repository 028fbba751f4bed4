/**
 * Node's inspector behind Lamina's proxy (docs/debugging.md). The proxy listens on the user's
 * port of the host's loopback and serves what debuggers ask an inspector for: `/json`,
 * `/json/list` and `/json/version` (the environment's own answers, their WebSocket URLs pointing
 * at the proxy), and the WebSocket itself, relayed frame by frame to the environment's inspector.
 * Going by, `Debugger.paused` and `Debugger.resumed` stop and restart the environment's timer.
 */
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { DebugClient, DebugProtocol, DebugSession, Upstream } from './debug-session.js';

/** How long a runtime's inspector may take to listen after its environment starts. */
const PROBE_LIMIT_MS = 60_000;
/** How long a waiting client's set-up may delay the first invocation. */
const SETTLE_LIMIT_MS = 5_000;
/** A client is set up once it has had no request unanswered for this long. */
const QUIET_MS = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** GET an inspector's JSON endpoint (through a namespace relay's socket, or on the host's loopback). */
function inspectorGet(upstream: Upstream, path: string): Promise<unknown> {
  const where = 'socketPath' in upstream ? { socketPath: upstream.socketPath } : { host: upstream.host, port: upstream.port };
  return new Promise((resolve, reject) => {
    // The inspector accepts only IP addresses and `localhost` as Host (DNS rebinding).
    const request = get({ ...where, path, headers: { host: 'localhost' }, timeout: 2000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error as Error);
        }
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('the inspector did not answer')));
    request.on('error', reject);
  });
}

/** The inspector's targets (node has one: its main thread). */
async function targetsOf(upstream: Upstream): Promise<Record<string, unknown>[]> {
  const list = await inspectorGet(upstream, '/json/list');
  return Array.isArray(list) ? list.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];
}

/** node's inspector: `--inspect` (or `--inspect-brk`) on the given loopback port. */
export const nodeInspector: DebugProtocol = {
  interpreterArgs: (port, brk) => [`--inspect${brk ? '-brk' : ''}=127.0.0.1:${port}`],
  async probe(upstream) {
    const deadline = Date.now() + PROBE_LIMIT_MS;
    for (;;) {
      try {
        if ((await targetsOf(upstream)).length > 0) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('the runtime\'s inspector did not start');
      await sleep(20);
    }
  },
};

const text = (data: RawData): string => (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8');

/** One debugger's WebSocket, relayed to the environment's inspector. */
class CdpClient implements DebugClient {
  paused = false;
  readonly #client: WebSocket;
  readonly #session: DebugSession;
  #upstream: WebSocket | undefined;
  /** What the client said before its inspector was there. */
  readonly #queue: { readonly data: RawData; readonly binary: boolean }[] = [];
  /** Requests sent and not answered yet, and when the client last said something. */
  readonly #outstanding = new Set<number>();
  #lastRequestAt = Date.now();
  #runRequested = false;

  constructor(client: WebSocket, session: DebugSession) {
    this.#client = client;
    this.#session = session;
    client.on('message', (data, binary) => this.#fromClient(data, binary));
    client.on('close', () => {
      this.#upstream?.close();
      session.removeClient(this);
    });
    client.on('error', () => client.terminate());
  }

  #fromClient(data: RawData, binary: boolean): void {
    this.#lastRequestAt = Date.now();
    try {
      const message = JSON.parse(text(data)) as { id?: unknown; method?: unknown };
      if (typeof message.id === 'number') this.#outstanding.add(message.id);
      if (message.method === 'Runtime.runIfWaitingForDebugger') {
        this.#runRequested = true;
        this.#session.releaseHold();
      }
    } catch {
      // not JSON: relayed as it is, the inspector answers
    }
    const upstream = this.#upstream;
    if (upstream?.readyState === WebSocket.OPEN) upstream.send(data, { binary });
    else this.#queue.push({ data, binary });
  }

  #fromInspector(data: RawData, binary: boolean): void {
    const message = text(data);
    const id = /^\{"id":(\d+),/.exec(message)?.[1];
    if (id !== undefined) this.#outstanding.delete(Number(id));
    else if (message.includes('"Debugger.paused"') || message.includes('"Debugger.resumed"')) {
      const method = (JSON.parse(message) as { method?: unknown }).method;
      if (method === 'Debugger.paused' || method === 'Debugger.resumed') {
        this.paused = method === 'Debugger.paused';
        this.#session.update();
      }
    }
    if (this.#client.readyState === WebSocket.OPEN) this.#client.send(data, { binary });
  }

  async attach(upstream: Upstream): Promise<void> {
    const [target] = await targetsOf(upstream);
    const id = typeof target?.id === 'string' ? target.id : '';
    const url = 'socketPath' in upstream ? `ws+unix://${upstream.socketPath}:/${id}` : `ws://${upstream.host}:${upstream.port}/${id}`;
    const inspector = new WebSocket(url, { perMessageDeflate: false, headers: { host: 'localhost' } });
    this.#upstream = inspector;
    await new Promise<void>((resolve, reject) => {
      inspector.once('open', resolve);
      inspector.once('error', reject);
    });
    inspector.on('error', () => inspector.terminate());
    inspector.on('message', (data, binary) => this.#fromInspector(data, binary));
    inspector.on('close', () => this.close());
    if (this.#client.readyState !== WebSocket.OPEN) return this.close();
    for (const { data, binary } of this.#queue.splice(0)) inspector.send(data, { binary });
    // Set up once its requests are answered and it has been quiet a moment (or let the runtime run).
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    while (Date.now() < deadline && this.#client.readyState === WebSocket.OPEN) {
      const quiet = this.#outstanding.size === 0 && Date.now() - this.#lastRequestAt >= QUIET_MS;
      if (quiet || (this.#runRequested && this.#outstanding.size === 0)) return;
      await sleep(20);
    }
  }

  close(): void {
    this.paused = false;
    this.#upstream?.close();
    if (this.#client.readyState === WebSocket.OPEN || this.#client.readyState === WebSocket.CONNECTING) this.#client.close(1001, 'the environment has ended');
    this.#session.removeClient(this);
  }
}

/**
 * The Host header node's inspector accepts, and so the proxy: an IP address or `localhost`, so
 * that a web page cannot reach the debugger through a DNS name rebound to 127.0.0.1.
 *
 * @example allowedHost('localhost:9229') // true; allowedHost('evil.example:9229') // false
 */
export function allowedHost(host: string | undefined): boolean {
  if (host === undefined) return true; // HTTP/1.0 clients; no name to rebind
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  if (name.toLowerCase() === 'localhost') return true;
  if (/^\[[0-9a-fA-F:.]+\]$/.test(name)) return true;
  const parts = name.split('.');
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

/** The proxy's own URL for a target id. */
function rewrite(target: Record<string, unknown>, port: number): Record<string, unknown> {
  const id = typeof target.id === 'string' ? target.id : 'lamina';
  const ws = `127.0.0.1:${port}/${id}`;
  return {
    ...target,
    webSocketDebuggerUrl: `ws://${ws}`,
    devtoolsFrontendUrl: `devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=${ws}`,
    devtoolsFrontendUrlCompat: `devtools://devtools/bundled/inspector.html?experiments=true&v8only=true&ws=${ws}`,
  };
}

/** What `/json/list` says while no environment runs: a target a debugger can attach to and wait. */
function waitingTarget(session: DebugSession, port: number): Record<string, unknown> {
  return rewrite({ id: `lamina-${session.target.fn.name}`, type: 'node', title: `${session.target.fn.name} (lamina: no environment yet, waiting for an invoke)`, url: 'file:///var/task', description: 'lamina serve --debug', faviconUrl: 'https://nodejs.org/static/images/favicons/favicon.ico' }, port);
}

async function answerJson(session: DebugSession, port: number, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  const upstream = session.upstream;
  const reply = (status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body, null, 2));
  };
  if (path === '/json' || path === '/json/list') {
    const live = upstream === undefined ? [] : await upstream.then(targetsOf).catch(() => []);
    return reply(200, live.length > 0 ? live.map((target) => rewrite(target, port)) : [waitingTarget(session, port)]);
  }
  if (path === '/json/version') {
    const live = upstream === undefined ? undefined : await upstream.then((at) => inspectorGet(at, '/json/version')).catch(() => undefined);
    return reply(200, live ?? { Browser: 'node.js (lamina: no environment yet)', 'Protocol-Version': '1.1' });
  }
  reply(404, { message: `unknown path ${path}: try /json/list` });
}

export interface InspectorProxy {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listen on 127.0.0.1:`port` (0: a free one) for the function's debuggers. Rejects when the port is taken.
 *
 * @example
 * const proxy = await startInspectorProxy(session, 9229); // chrome://inspect, VS Code attach
 */
export async function startInspectorProxy(session: DebugSession, port: number): Promise<InspectorProxy> {
  let bound = port;
  const server: Server = createServer((request, response) => {
    if (!allowedHost(request.headers.host)) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end('Host header is not an IP address or localhost\n');
      return;
    }
    answerJson(session, bound, request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Port 0 picks a free one: the URLs handed out name the one bound.
  bound = (server.address() as AddressInfo).port;
  // After the listen: the WebSocket server re-emits its HTTP server's errors (a port in use).
  const sockets = new WebSocketServer({ server, perMessageDeflate: false, verifyClient: (info: { req: IncomingMessage }) => allowedHost(info.req.headers.host) });
  sockets.on('connection', (client) => session.addClient(new CdpClient(client, session)));
  sockets.on('error', () => undefined);
  return {
    port: bound,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
