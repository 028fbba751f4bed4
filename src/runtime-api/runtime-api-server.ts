/**
 * The Runtime API listener of one execution environment (docs/runtime-api.md). Each environment
 * has its own listener, so a runtime can only ever see and answer its own invocations.
 *
 * Hot path: no per-request logging, payloads stay bytes, keep-alive, `/next` long-polls; the lean
 * listener (docs/runtime-api-listener.md) serves `GET /next` and buffered answers without node:http.
 */
import type { AddressInfo, Server as NetServer } from 'node:net';
import { ConfigError } from '../errors.js';
import { ConnectionBudget, descriptorLimit } from './connection-budget.js';
import { createLeanListener, type ConnectionCheck } from './lean/lean-listener.js';
import { createRuntimeApiHttpServer } from './node-http-server.js';
import type { RuntimeApiTarget } from './runtime-api-target.js';

export { MAX_BUFFERED_RESPONSE_BYTES } from './routes.js';
export type { ConnectionCheck } from './lean/lean-listener.js';

/** Which listener serves the Runtime API (docs/runtime-api-listener.md): `LAMINA_RUNTIME_API_LISTENER`. */
export type ListenerKind = 'lean' | 'node';

/**
 * `lean` (the default): the lean listener serves `GET /next` and buffered answers itself and hands
 * anything else to node:http; `node`: node:http serves every request (the comparison side of
 * bench/floor/cpu-compare.ts, and a way back should a runtime ever disagree with the lean parser).
 */
export function listenerKind(env: NodeJS.ProcessEnv = process.env): ListenerKind {
  const value = env.LAMINA_RUNTIME_API_LISTENER;
  if (value === undefined || value === '' || value === 'lean') return 'lean';
  if (value === 'node') return 'node';
  throw new ConfigError(`LAMINA_RUNTIME_API_LISTENER must be "lean" or "node", got ${JSON.stringify(value)}`);
}

/**
 * The most connections one environment's Runtime API keeps open at once (docs/limits.md). A
 * runtime uses one or two, each of up to 10 extensions two or three more (its `/event/next`, a
 * subscription); every connection costs the platform a descriptor, so a function that opens
 * thousands (1,024 per process, 1,024 processes) would otherwise use up the platform's. A
 * connection past the cap is closed as soon as it is accepted
 * (test/sandbox/hostile-runtime-api.e2e.test.ts).
 */
export const RUNTIME_API_MAX_CONNECTIONS = 64;

/**
 * Every environment's connections in this process together: half its descriptors
 * (connection-budget.ts). The other half is for runtimes' pipes, log files and callers.
 */
let processBudget: ConnectionBudget | undefined;
/** Made at the first listener, not at import: importers that serve nothing do not read /proc/self/limits. */
function budget(): ConnectionBudget {
  processBudget ??= new ConnectionBudget(Math.max(256, Math.floor(descriptorLimit() / 2)), RUNTIME_API_MAX_CONNECTIONS);
  return processBudget;
}

/** A listener as made: what listens, and how to end its connections. */
interface Made {
  readonly listening: NetServer;
  readonly dropConnections: () => void;
}

/**
 * A Runtime API listener bound to `host:port` (port 0 picks a free port).
 *
 * @example
 * const api = await RuntimeApiServer.listen(environment, '127.0.0.1', 0);
 * spawnRuntime({ AWS_LAMBDA_RUNTIME_API: api.address });
 * await api.close();
 */
export class RuntimeApiServer {
  readonly address: string;
  /** What listens: the lean listener's TCP server, or node:http's. */
  readonly #listening: NetServer;
  /** Ends every connection of the listener. */
  readonly #dropConnections: () => void;
  #closed: Promise<void> | undefined;

  private constructor(made: Made, address: string) {
    this.#listening = made.listening;
    this.#dropConnections = made.dropConnections;
    this.address = address;
  }

  /** The listener; with the lean one, node:http only serves what it hands over. */
  static #create(target: RuntimeApiTarget, allow: ConnectionCheck | undefined, kind: ListenerKind): Made {
    const made = RuntimeApiServer.#make(target, allow, kind);
    // Node closes a connection past the cap before it becomes a socket object (net.Server's
    // `maxConnections`); a connection handed from the lean listener to node:http still counts here.
    budget().attach(made.listening);
    return made;
  }

  static #make(target: RuntimeApiTarget, allow: ConnectionCheck | undefined, kind: ListenerKind): Made {
    if (kind === 'node') {
      const http = createRuntimeApiHttpServer(target, allow);
      return { listening: http, dropConnections: () => http.closeAllConnections() };
    }
    // Connections reach node:http already checked.
    const lean = createLeanListener(target, () => createRuntimeApiHttpServer(target), allow);
    return { listening: lean.server, dropConnections: lean.destroyConnections };
  }

  /**
   * @param allow when given, each connection is checked first (its peer's port, ours) and closed
   * unread when refused: the listener shares the host's loopback (docs/isolation.md).
   */
  static listen(target: RuntimeApiTarget, host: string, port: number, allow?: ConnectionCheck, kind = listenerKind()): Promise<RuntimeApiServer> {
    const made = RuntimeApiServer.#create(target, allow, kind);
    const { listening } = made;
    return new Promise((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, host, () => {
        listening.off('error', reject);
        const bound = listening.address() as AddressInfo;
        resolve(new RuntimeApiServer(made, `${host}:${bound.port}`));
      });
    });
  }

  /**
   * Serve on a socket that is already listening: an environment's own network namespace, whose
   * launcher bound `address` there and handed the socket over (docs/isolation.md). The listener
   * takes over the socket's handle.
   */
  static adopt(target: RuntimeApiTarget, handed: NetServer, address: string, kind = listenerKind()): Promise<RuntimeApiServer> {
    const made = RuntimeApiServer.#create(target, undefined, kind);
    const { listening } = made;
    return new Promise((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(handed, () => {
        listening.off('error', reject);
        resolve(new RuntimeApiServer(made, address));
      });
    });
  }

  /** Stop listening and drop every connection (the environment is gone); closing again is a no-op. */
  close(): Promise<void> {
    this.#closed ??= new Promise((resolve) => {
      this.#listening.close(() => resolve());
      this.#dropConnections();
    });
    return this.#closed;
  }
}
