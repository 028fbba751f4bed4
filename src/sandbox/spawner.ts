/**
 * The spawner (docs/isolation.md, "Starting environments"): one small native process
 * (`lamina-sandbox --spawner`, src/sandbox/native/spawner.c) that forks every environment's
 * launcher for the platform. Node's `spawn` forks the platform process itself: copying the page
 * tables of 60-100 MB and tearing the copy down at exec cost ~4 ms of CPU per environment, with
 * the event loop held until the exec. A request to the spawner is one write to a pipe.
 *
 * {@link SpawnedChild} is the part of Node's ChildProcess the process sandbox uses: pid (known
 * once the spawner answers: `spawn` event), stdout/stderr/stdin (net.Sockets over socket pairs,
 * as libuv makes them; `stdio` event), `message` (the child's IPC channel, relayed), `exit`,
 * `close` (after exit and both output streams), `error` (the exec failed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';
import { constants } from 'node:os';
import { signalName } from './signal-names.js';

export type StdioName = 'stdin' | 'stdout' | 'stderr';

/** A child the spawner forked, with the events of Node's ChildProcess the sandbox listens to. */
export class SpawnedChild extends EventEmitter {
  pid: number | undefined;
  stdin: Socket | null = null;
  stdout: Socket | null = null;
  stderr: Socket | null = null;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  #open = 0;
  #exited = false;
  #closed = false;

  /** @internal the spawner's answer about this child */
  deliver(message: SpawnerMessage, handle: unknown): void {
    if (message.pid !== undefined) {
      this.pid = message.pid;
      this.emit('spawn');
    } else if (message.error !== undefined) {
      const name = Object.entries(constants.errno).find(([, number]) => number === message.error)?.[0] ?? 'EUNKNOWN';
      this.#exited = true;
      this.#closed = true;
      this.emit('error', Object.assign(new Error(`spawn ${name}`), { code: name, errno: -message.error }));
    } else if (message.stream !== undefined && isSocket(handle)) {
      this[message.stream] = handle;
      if (message.stream !== 'stdin') {
        this.#open += 1;
        handle.once('close', () => {
          this.#open -= 1;
          this.#maybeClose();
        });
      }
      handle.on('error', () => undefined); // a reset pipe: its close follows
      this.emit('stdio', message.stream, handle);
    } else if (message.listener !== undefined && isServer(handle)) {
      this.emit('message', { lamina: 'runtime-api' }, handle);
    } else if (message.message !== undefined) {
      this.emit('message', message.message, undefined);
    } else if (message.exit !== undefined || message.signal !== undefined) {
      const signal = typeof message.signal === 'number' ? signalName(message.signal) : null;
      this.exitCode = message.exit ?? null;
      this.signalCode = signal;
      this.#exited = true;
      this.stdin?.destroy();
      this.emit('exit', this.exitCode, signal);
      this.#maybeClose();
    }
  }

  #maybeClose(): void {
    if (!this.#exited || this.#open > 0 || this.#closed) return;
    this.#closed = true;
    this.emit('close', this.exitCode, this.signalCode);
  }
}

function isSocket(handle: unknown): handle is Socket {
  return typeof handle === 'object' && handle !== null && typeof (handle as Socket).setNoDelay === 'function';
}

function isServer(handle: unknown): handle is Server {
  return typeof handle === 'object' && handle !== null && typeof (handle as Server).listen === 'function';
}

interface SpawnerMessage {
  readonly spawned: number;
  readonly pid?: number;
  readonly error?: number;
  readonly stream?: StdioName;
  readonly listener?: number;
  readonly message?: unknown;
  readonly exit?: number | null;
  readonly signal?: number | null;
}

function spawnerMessage(message: unknown): SpawnerMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  return typeof (message as { spawned?: unknown }).spawned === 'number' ? (message as SpawnerMessage) : undefined;
}

export interface SpawnOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** stdin a pipe (a standby reads its environment there), else /dev/null. */
  readonly stdin: boolean;
  /** An IPC channel on the child's fd 3 (the Runtime API listener comes back over it). */
  readonly channel: boolean;
}

/**
 * One spawner process, started on first use; it dies with the platform (PR_SET_PDEATHSIG).
 * @example
 * const spawner = new Spawner('/.../lamina-sandbox');
 * const child = spawner.spawn('/bin/true', [], { cwd: '/', env: {}, stdin: false, channel: false });
 * child.once('exit', (code) => console.log(code));
 */
export class Spawner {
  readonly #binary: string;
  #process: ChildProcess | undefined;
  readonly #children = new Map<number, SpawnedChild>();
  #next = 0;

  constructor(binary: string) {
    this.#binary = binary;
  }

  /** The spawner's own pid (started if needed). */
  get pid(): number | undefined {
    return this.#start().pid;
  }

  spawn(command: string, args: readonly string[], options: SpawnOptions): SpawnedChild {
    const spawner = this.#start();
    this.#next += 1;
    const id = this.#next;
    const child = new SpawnedChild();
    this.#children.set(id, child);
    // While it has children the spawner keeps the platform alive, as a ChildProcess of Node's spawn
    // does (its handle is ref'd until exit): `lamina invoke`, which has no listener, waits on it.
    if (this.#children.size === 1) spawner.channel?.ref();
    const forget = (): void => {
      if (this.#children.delete(id) && this.#children.size === 0) this.#process?.channel?.unref();
    };
    child.once('close', forget);
    child.once('error', forget);
    const env = Object.entries(options.env).map(([name, value]) => `${name}=${value}`);
    const fields = [String(id), options.cwd, `${options.stdin ? 'i' : ''}${options.channel ? 'c' : ''}-`, String(args.length + 1), command, ...args, String(env.length), ...env];
    const payload = Buffer.from(`${fields.join('\0')}\0`);
    spawner.stdin?.write(Buffer.concat([Buffer.from(`${payload.length}\0`), payload]));
    return child;
  }

  /** Stop the spawner (its children are the caller's to end first). */
  close(): void {
    this.#process?.kill('SIGKILL');
    this.#process = undefined;
  }

  #start(): ChildProcess {
    if (this.#process !== undefined && this.#process.exitCode === null && this.#process.signalCode === null) return this.#process;
    const spawner = spawn(this.#binary, ['--spawner'], { stdio: ['pipe', 'ignore', 'inherit', 'ipc'], env: {} });
    spawner.on('message', (message: unknown, handle: unknown) => {
      const answer = spawnerMessage(message);
      if (answer !== undefined) this.#children.get(answer.spawned)?.deliver(answer, handle);
    });
    spawner.stdin?.on('error', () => undefined);
    (spawner.stdin as unknown as Socket | null)?.unref();
    spawner.on('error', () => undefined);
    spawner.once('exit', () => {
      // Gone (killed): its children went with it (their death signal); report them ended.
      if (this.#process === spawner) this.#process = undefined;
      for (const [id, child] of this.#children) child.deliver({ spawned: id, exit: null, signal: constants.signals.SIGKILL }, undefined);
    });
    // Neither the spawner nor its channel keeps the platform alive while it has no children.
    spawner.unref();
    spawner.channel?.unref();
    this.#process = spawner;
    return spawner;
  }
}

let shared: Spawner | undefined;

/** The platform's one spawner for `binary` (the native launcher). */
export function sharedSpawner(binary: string): Spawner {
  shared ??= new Spawner(binary);
  return shared;
}
