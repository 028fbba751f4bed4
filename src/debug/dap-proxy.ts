/**
 * debugpy behind Lamina's proxy (docs/debugging.md): the Debug Adapter Protocol over TCP, each
 * message a JSON body after a `Content-Length` header. The proxy relays the bytes as they are and
 * reads the adapter's side: a `stopped` event stops the environment's timer; `continued`, or the
 * answer to a `continue` or a step, restarts it.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { DebugClient, DebugProtocol, DebugSession, ListenTarget, Upstream } from './debug-session.js';

/** How long a runtime's debugpy may take to listen (seconds at a small MemorySize's CPU share). */
const PROBE_LIMIT_MS = 60_000;
/** How long a waiting client's set-up (up to `configurationDone`) may delay the first invocation. */
const SETTLE_LIMIT_MS = 10_000;
/** Requests after which the debuggee runs again. */
const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto']);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function open(upstream: Upstream): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = 'socketPath' in upstream ? connect(upstream.socketPath) : connect(upstream.port, upstream.host);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Splits a byte stream into DAP messages (`Content-Length: N\r\n\r\n` then N bytes of JSON).
 *
 * @example
 * const reader = new DapReader((message) => console.log(message.type));
 * reader.push(chunk);
 */
export class DapReader {
  #buffer: Buffer = Buffer.alloc(0);
  readonly #onMessage: (message: Record<string, unknown>) => void;

  constructor(onMessage: (message: Record<string, unknown>) => void) {
    this.#onMessage = onMessage;
  }

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /content-length:\s*(\d+)/i.exec(this.#buffer.subarray(0, end).toString('latin1'))?.[1];
      if (length === undefined) {
        // Not DAP: stop reading (the bytes are still relayed as they are).
        this.#buffer = Buffer.alloc(0);
        return;
      }
      const start = end + 4;
      if (this.#buffer.length < start + Number(length)) return;
      const body = this.#buffer.subarray(start, start + Number(length));
      this.#buffer = this.#buffer.subarray(start + Number(length));
      try {
        const message: unknown = JSON.parse(body.toString('utf8'));
        if (typeof message === 'object' && message !== null) this.#onMessage(message as Record<string, unknown>);
      } catch {
        // not JSON: nothing to learn from it
      }
    }
  }
}

/** `python -m debugpy --listen 127.0.0.1:PORT [--wait-for-client]`. */
export const debugpyAdapter: DebugProtocol = {
  // Frozen modules (3.11+) can make debugpy miss breakpoints, and it says so in every log; older Pythons ignore -X.
  interpreterArgs: (port, brk) => ['-Xfrozen_modules=off', '-m', 'debugpy', '--listen', `127.0.0.1:${port}`, ...(brk ? ['--wait-for-client'] : [])],
  async probe(_upstream, target) {
    // Watched in the kernel's table, not by connecting: debugpy's adapter serves one client at a
    // time, and a namespace relay accepts a connection even when nothing listens behind it.
    const deadline = Date.now() + PROBE_LIMIT_MS;
    while (!listensOnLoopback(target)) {
      if (Date.now() > deadline) throw new Error('debugpy did not start listening');
      await sleep(50);
    }
  },
};

/**
 * Is a socket listening on 127.0.0.1:port in this table (`/proc/PID/net/tcp`: local address as
 * hex `0100007F:PORT`, state `0A` = LISTEN)?
 *
 * @example listensOnLoopback({ port: 9229, tcpTable: '/proc/self/net/tcp' })
 */
export function listensOnLoopback(target: ListenTarget): boolean {
  let table: string;
  try {
    table = readFileSync(target.tcpTable, 'latin1');
  } catch {
    return false;
  }
  const local = `0100007F:${target.port.toString(16).toUpperCase().padStart(4, '0')}`;
  return table.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1] === local && fields[3] === '0A';
  });
}

/** One DAP client's connection, relayed to the environment's debugpy. */
class DapClient implements DebugClient {
  paused = false;
  readonly #client: Socket;
  readonly #session: DebugSession;
  #upstream: Socket | undefined;
  readonly #queue: Buffer[] = [];
  #configured = false;

  constructor(client: Socket, session: DebugSession) {
    this.#client = client;
    this.#session = session;
    client.on('data', (chunk: Buffer) => {
      if (this.#upstream !== undefined) this.#upstream.write(chunk);
      else this.#queue.push(chunk);
    });
    client.on('close', () => this.close());
    client.on('error', () => client.destroy());
  }

  #fromAdapter(message: Record<string, unknown>): void {
    const resumed = (message.type === 'event' && message.event === 'continued') || (message.type === 'response' && message.success === true && RESUMING.has(String(message.command)));
    if (message.type === 'event' && message.event === 'stopped') {
      this.paused = true;
      this.#session.update();
    } else if (resumed) {
      this.paused = false;
      this.#session.update();
    }
    if (message.type === 'response' && message.command === 'configurationDone') {
      this.#configured = true;
      this.#session.releaseHold();
    }
  }

  async attach(upstream: Upstream): Promise<void> {
    const adapter = await open(upstream);
    this.#upstream = adapter;
    const reader = new DapReader((message) => this.#fromAdapter(message));
    adapter.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      this.#client.write(chunk);
    });
    adapter.on('close', () => this.close());
    adapter.on('error', () => adapter.destroy());
    for (const chunk of this.#queue.splice(0)) adapter.write(chunk);
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    while (!this.#configured && !this.#client.destroyed && Date.now() < deadline) await sleep(20);
  }

  close(): void {
    this.paused = false;
    this.#upstream?.destroy();
    this.#client.destroy();
    this.#session.removeClient(this);
  }
}

export interface DapProxy {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listen on 127.0.0.1:`port` (0: a free one) for the function's DAP clients. Rejects when the port is taken.
 *
 * @example
 * const proxy = await startDapProxy(session, 5678); // VS Code: "type": "debugpy", "request": "attach"
 */
export async function startDapProxy(session: DebugSession, port: number): Promise<DapProxy> {
  const connections = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    session.addClient(new DapClient(socket, session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    // Port 0 picks a free one.
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
