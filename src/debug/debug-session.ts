/**
 * One debugged function (docs/debugging.md): its environment of the moment (one at a time), the
 * debugger clients attached through Lamina's proxy, and the environment's timer, stopped while
 * a client holds the runtime at a breakpoint.
 *
 * The runtime's own debugger (node's inspector, debugpy) listens on a loopback port the caller
 * never sees: the environment's own 127.0.0.1:9229 when it has a network namespace (reached
 * through a relay into it, as telemetry is), else a private port of the host's loopback. The proxy
 * on the user's port is stable across environments: a client that connects before the first
 * invoke waits, and is attached (its breakpoints set) before that environment's first invocation.
 */
import { createServer } from 'node:net';
import { openNamespaceRelay, type NamespaceRelay } from '../observability/namespace-relay.js';
import type { ExecutionEnvironment } from '../platform/environment.js';
import type { FunctionDebugger } from '../platform/version-pools.js';
import type { DebugTarget } from './debug-options.js';

/** The runtime's debugger inside an isolated environment's own network namespace. */
export const INNER_DEBUG_PORT = 9229;

/** Where the current environment's debugger is reached from the platform. */
export type Upstream = { readonly socketPath: string } | { readonly host: string; readonly port: number };

/** A client of the proxy (a CDP WebSocket, a DAP connection). */
export interface DebugClient {
  /** Connect to the environment's debugger and send what the client said so far; settles once its set-up is answered. */
  attach(upstream: Upstream): Promise<void>;
  /** The runtime is stopped for this client (at a breakpoint, a step). */
  readonly paused: boolean;
  close(): void;
}

/** Where a runtime's debugger will listen: its port, and the kernel's TCP table of that network. */
export interface ListenTarget {
  readonly port: number;
  /** `/proc/PID/net/tcp` of a process in the environment's network (the host's: `/proc/self/net/tcp`). */
  readonly tcpTable: string;
}

/** What differs between node's inspector and debugpy. */
export interface DebugProtocol {
  interpreterArgs(port: number, brk: boolean): string[];
  /** Settles once the runtime's debugger answers at `upstream` (it starts with the runtime). */
  probe(upstream: Upstream, target: ListenTarget): Promise<void>;
}

interface Live {
  readonly env: ExecutionEnvironment;
  readonly upstream: Promise<Upstream>;
  readonly relay: Promise<NamespaceRelay> | undefined;
  /** `--debug-break`: held from the start until a client lets the runtime run. */
  held: boolean;
  /** The runtime's debugger is not listening yet: its start-up is not counted against the init limit. */
  starting: boolean;
  /** Settles once the runtime's debugger is listening (rejects if it never does). */
  readonly listening: Promise<void>;
  /** Clients attaching now (before the first invoke, `prepared` waits for them). */
  attaching: Promise<void>;
}

/** A port free on the host's loopback now (the runtime's debugger binds it a moment later). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/**
 * @example
 * const session = await DebugSession.create(target, nodeInspector, { privateNetwork: true });
 * const platform = new Platform({ ..., debug: (fn) => (fn.name === target.fn.name ? session.forPool() : undefined) });
 */
export class DebugSession {
  readonly target: DebugTarget;
  readonly #protocol: DebugProtocol;
  readonly #privateNetwork: boolean;
  #live: Live | undefined;
  /** Clients by the environment they are attached to (undefined: waiting for one). */
  readonly #clients = new Map<DebugClient, ExecutionEnvironment | undefined>();
  /** Without a network namespace each pool's runtimes get a host port of their own, found ahead. */
  #sparePort: number | undefined;
  #closed = false;

  private constructor(target: DebugTarget, protocol: DebugProtocol, privateNetwork: boolean) {
    this.target = target;
    this.#protocol = protocol;
    this.#privateNetwork = privateNetwork;
  }

  static async create(target: DebugTarget, protocol: DebugProtocol, options: { readonly privateNetwork: boolean }): Promise<DebugSession> {
    const session = new DebugSession(target, protocol, options.privateNetwork);
    if (!options.privateNetwork) session.#sparePort = await freeLoopbackPort();
    return session;
  }

  /** The debugger of a new pool of the function (a version, or `$LATEST` after a reload). */
  forPool(): FunctionDebugger {
    let port = INNER_DEBUG_PORT;
    if (!this.#privateNetwork) {
      port = this.#sparePort ?? INNER_DEBUG_PORT;
      // The next pool gets another port: this one's environment may outlive its pool's retirement.
      void freeLoopbackPort().then((next) => (this.#sparePort = next), () => undefined);
    }
    return {
      interpreterArgs: this.#protocol.interpreterArgs(port, this.target.brk),
      started: (env) => this.#started(env, port),
      prepared: (env) => (this.#live?.env === env ? this.#live.attaching : Promise.resolve()),
      ended: (env) => this.#ended(env),
    };
  }

  /** A client connected to the proxy: attached now, or when the next environment starts. */
  addClient(client: DebugClient): void {
    if (this.#closed) return client.close();
    this.#clients.set(client, undefined);
    const live = this.#live;
    if (live !== undefined) live.attaching = Promise.all([live.attaching, this.#attach(live, client)]).then(() => undefined);
  }

  removeClient(client: DebugClient): void {
    this.#clients.delete(client);
    this.update();
  }

  /** A client let a runtime started with `--debug-break` run (`Runtime.runIfWaitingForDebugger`, `configurationDone`). */
  releaseHold(): void {
    if (this.#live === undefined || !this.#live.held) return;
    this.#live.held = false;
    this.update();
  }

  /** A client paused or resumed: the environment's timer runs only when nobody holds the runtime. */
  update(): void {
    const live = this.#live;
    if (live === undefined) return;
    let paused = live.held || live.starting;
    for (const [client, env] of this.#clients) if (env === live.env && client.paused) paused = true;
    if (paused) live.env.pauseTimer();
    else live.env.resumeTimer();
  }

  /** Whether an environment is live now, and where its debugger is (the proxy's `/json` answers). */
  get upstream(): Promise<Upstream> | undefined {
    return this.#live?.upstream;
  }

  close(): void {
    this.#closed = true;
    for (const client of this.#clients.keys()) client.close();
    this.#clients.clear();
    void this.#live?.relay?.then((relay) => relay.close(), () => undefined);
    this.#live = undefined;
  }

  #started(env: ExecutionEnvironment, port: number): void {
    const previous = this.#live;
    if (previous !== undefined) this.#ended(previous.env);
    const pid = env.networkPid;
    const relay = this.#privateNetwork && pid !== undefined ? openNamespaceRelay(pid, port) : undefined;
    const upstream: Promise<Upstream> = relay === undefined ? Promise.resolve({ host: '127.0.0.1', port }) : relay.then((made) => ({ socketPath: made.socketPath }));
    upstream.catch(() => undefined);
    const tcpTable = this.#privateNetwork && pid !== undefined ? `/proc/${pid}/net/tcp` : '/proc/self/net/tcp';
    const listening = upstream.then((at) => this.#protocol.probe(at, { port, tcpTable }));
    // A debugger's start-up (debugpy's takes seconds on a small function's CPU share) is not the function's init.
    const live: Live = { env, upstream, relay, held: this.target.brk, starting: true, listening, attaching: Promise.resolve() };
    this.#live = live;
    env.pauseTimer();
    const started = (): void => {
      live.starting = false;
      this.update();
    };
    listening.then(started, started);
    const waiting = [...this.#clients].filter(([, attachedTo]) => attachedTo === undefined).map(([client]) => client);
    live.attaching = Promise.all(waiting.map((client) => this.#attach(live, client))).then(() => undefined);
  }

  /** Attach one client to the live environment; never rejects (a client that fails is closed). */
  async #attach(live: Live, client: DebugClient): Promise<void> {
    this.#clients.set(client, live.env);
    try {
      const upstream = await live.upstream;
      await live.listening;
      if (this.#live !== live || !this.#clients.has(client)) return;
      await client.attach(upstream);
    } catch {
      client.close();
      this.#clients.delete(client);
    }
  }

  #ended(env: ExecutionEnvironment): void {
    const live = this.#live;
    if (live?.env !== env) return;
    this.#live = undefined;
    void live.relay?.then((relay) => relay.close(), () => undefined);
    // Its clients go (a debugger with `restart` reconnects and waits for the next environment).
    for (const [client, attachedTo] of this.#clients) {
      if (attachedTo !== env) continue;
      this.#clients.delete(client);
      client.close();
    }
  }
}
