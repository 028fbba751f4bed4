/**
 * Functions reach Lamina's embedded services with the AWS SDK as they reach AWS's on Lambda, with
 * no endpoint in their code (docs/service-endpoints.md): each function is given
 * `AWS_ENDPOINT_URL_<SERVICE>` for every service `lamina serve` embeds (SQS, S3, Kinesis,
 * EventBridge, and Lambda itself for the Invoke API), below its own `Environment` (its own value
 * wins). An isolated environment cannot reach the host's loopback: the platform listens on the
 * same ports of the environment's own loopback (src/sandbox/namespace-listeners.ts) and carries
 * each connection to the service.
 */
import { readFileSync, statSync } from 'node:fs';
import { connect, type Server, type Socket } from 'node:net';
import type { FunctionConfig } from '../config/function-config.js';
import type { SandboxStarted } from '../platform/version-pools.js';
import { mentionsBoto3 } from '../runtimes/boto3-imports.js';
import { mentionsJsSdk } from '../runtimes/sdk-imports.js';
import { openNamespaceListeners } from '../sandbox/namespace-listeners.js';

/** The services, by the name the SDKs read after `AWS_ENDPOINT_URL_`. */
export type EmbeddedService = 'SQS' | 'S3' | 'KINESIS' | 'EVENTBRIDGE' | 'LAMBDA';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '0.0.0.0', '[::]']);

/** The host address to connect to for a loopback endpoint, or undefined for one on another address. */
function loopbackHost(url: URL): string | undefined {
  if (!LOOPBACK.has(url.hostname)) return undefined;
  return url.hostname === 'localhost' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, '');
}

/** Per function configuration: whether its code may call an AWS SDK (read once per configuration). */
const SDK_USERS = new WeakMap<FunctionConfig, boolean>();

/** What an AWS SDK compiled into a program carries: its endpoint suffix, or the variables' name. */
const SDK_MARKS = [Buffer.from('amazonaws.com'), Buffer.from('AWS_ENDPOINT_URL')];

/** A custom runtime's `bootstrap` (a Go or Rust binary, a script) mentions an SDK; unreadable: assume so. */
function bootstrapMentionsSdk(command: string): boolean {
  try {
    if (statSync(command).size > 256 * 1024 * 1024) return true;
    const bytes = readFileSync(command);
    return SDK_MARKS.some((mark) => bytes.includes(mark));
  } catch {
    return true;
  }
}

/**
 * Whether an isolated environment of `fn` gets the listeners (they cost a process start per
 * environment): a Node.js or Python function when its code mentions an AWS SDK; a custom runtime
 * when its `bootstrap` carries an SDK's marks (`amazonaws.com`, `AWS_ENDPOINT_URL`) or its scripts
 * mention one; a container image always, since its code cannot be read.
 */
export function mayCallServices(fn: FunctionConfig): boolean {
  let known = SDK_USERS.get(fn);
  if (known === undefined) {
    if (fn.image !== undefined) known = true;
    else if (fn.launch.kind === 'node-ric') known = mentionsJsSdk(fn);
    else if (fn.launch.kind === 'python-ric') known = mentionsBoto3(fn.codeDir);
    else known = bootstrapMentionsSdk(fn.launch.command) || mentionsJsSdk(fn) || mentionsBoto3(fn.codeDir);
    SDK_USERS.set(fn, known);
  }
  return known;
}

/** Both ends of a connection: each end's FIN is passed on after its data (pipe), an error resets both. */
function splice(inside: Socket, port: number, host: string): void {
  const service = connect(port, host);
  inside.pipe(service).pipe(inside);
  inside.on('error', () => service.destroy());
  service.on('error', () => inside.destroy());
}

/**
 * @example
 * const endpoints = new FunctionEndpoints();
 * endpoints.add('SQS', sqs.endpoint); // 'http://127.0.0.1:9324'
 * new Platform({ serviceEnvironment: () => endpoints.environment(), sandboxStarted: endpoints.sandboxStarted });
 */
export class FunctionEndpoints {
  readonly #urls = new Map<EmbeddedService, URL>();
  /** Loopback ports carried without a variable ({@link carry}), with their host. */
  readonly #carried = new Map<number, string>();
  /** Who takes a connection made inside an environment, by port (default: a pipe to the service). */
  readonly #accept = new Map<number, (socket: Socket) => void>();
  readonly #disabled: boolean;
  /** Isolated environments whose listeners could not all be made, and the last reason. */
  #failures = 0;
  #lastProblem: string | undefined;

  constructor(options: { disabled?: boolean } = {}) {
    this.#disabled = options.disabled === true;
  }

  /**
   * A service that now listens at `endpoint` (undefined: not embedded in this run). `accept`, when
   * given, takes the connections made inside isolated environments instead of a pipe to the port
   * (the front door's, which lets them invoke and nothing else).
   */
  add(service: EmbeddedService, endpoint: string | undefined, accept?: (socket: Socket) => void): void {
    if (endpoint === undefined || this.#disabled) return;
    const url = new URL(endpoint);
    // A service on every address is reached on the loopback, from the host and (carried) from inside.
    if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
    this.#urls.set(service, url);
    if (accept !== undefined) this.#accept.set(Number(url.port), accept);
  }

  /**
   * A loopback endpoint to reach from isolated environments with no variable for every function
   * (the CodeDeploy endpoint: only hook functions are given it, docs/deployments.md).
   */
  carry(endpoint: string | undefined): void {
    if (endpoint === undefined || this.#disabled) return;
    const url = new URL(endpoint);
    const host = loopbackHost(url);
    if (host !== undefined) this.#carried.set(Number(url.port), host);
  }

  /** `AWS_ENDPOINT_URL_SQS=http://127.0.0.1:9324`, ... */
  environment(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [service, url] of this.#urls) env[`AWS_ENDPOINT_URL_${service}`] = url.origin;
    return env;
  }

  get failures(): { count: number; last: string | undefined } {
    return { count: this.#failures, last: this.#lastProblem };
  }

  /** The loopback ports to listen on inside isolated environments (a service on another address is reached through the link). */
  #loopbackPorts(): Map<number, string> {
    const ports = new Map<number, string>(this.#carried);
    for (const url of this.#urls.values()) {
      const host = loopbackHost(url);
      if (host !== undefined) ports.set(Number(url.port), host);
    }
    return ports;
  }

  /** For PlatformOptions.sandboxStarted: the listeners of an environment with a network of its own. */
  readonly sandboxStarted: SandboxStarted = (fn, sandbox, privateNetwork) => {
    const ports = this.#loopbackPorts();
    if (!privateNetwork || ports.size === 0 || !mayCallServices(fn)) return;
    void (sandbox.runtimeApiListener ?? Promise.resolve(undefined))
      .then(async () => {
        const pid = sandbox.networkPid ?? sandbox.rootPid;
        if (pid === undefined) return;
        const { servers, problem } = await openNamespaceListeners(pid, [...ports.keys()]);
        const close = (): void => {
          for (const server of servers.values()) server.close();
        };
        for (const [port, server] of servers) {
          const accept = this.#accept.get(port);
          (server as Server).on('connection', (socket: Socket) => (accept === undefined ? splice(socket, port, ports.get(port) ?? '127.0.0.1') : accept(socket)));
          server.on('error', () => server.close());
        }
        // Gone with the sandbox (at once if it is gone already): nothing of it may outlive it.
        void sandbox.exited.then(close, close);
        if (problem !== undefined) {
          this.#failures += 1;
          this.#lastProblem = problem;
        }
      })
      .catch((error: unknown) => {
        this.#failures += 1;
        this.#lastProblem = error instanceof Error ? error.message : String(error);
      });
  };
}

/**
 * Several observers of started sandboxes as one.
 *
 * @example sandboxStarted: allStarted(xray.sandboxStarted, endpoints.sandboxStarted)
 */
export function allStarted(...observers: readonly SandboxStarted[]): SandboxStarted {
  return (fn, sandbox, privateNetwork) => {
    for (const observer of observers) observer(fn, sandbox, privateNetwork);
  };
}
