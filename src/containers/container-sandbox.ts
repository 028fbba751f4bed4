/**
 * The container sandbox: one execution environment is one container (`podman run` / `docker run`),
 * with the same {@link Sandbox} contract as a runtime process, so the environment's lifecycle,
 * errors and logs do not change (docs/environment.md and docs/log-format.md).
 *
 * Limits (docs/limits.md) are the engine's own: `--memory` = MemorySize (no swap), `--cpus` in
 * proportion (1,769 MB = 1 vCPU), `--pids-limit 1024`, 1,024 open files, a read-only root
 * filesystem and a tmpfs /tmp of EphemeralStorage. Not an environment cgroup of Lamina's as
 * `--cgroup-parent`: the engine would put its monitor (conmon) in it, sharing the function's CPU
 * share (cold starts 3-8x slower at 128 MB) and memory (the OOM killer may pick the monitor).
 * The container's own cgroup (found from its id) gives the peak memory and OOM evidence
 * (./container-cgroup.ts). Network: as root with the native launcher, a namespace of its own whose
 * loopback holds the Runtime API at 127.0.0.1:9001 (./network-holder.ts); otherwise the host's,
 * the Runtime API then on the host's loopback.
 * `--init`: the runtime is not pid 1 (pid 1 ignores an unhandled SIGTERM), zombies are reaped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import type { EnvironmentCgroup } from '../sandbox/cgroups.js';
import { splitOutputLines } from '../sandbox/output-lines.js';
import type { Sandbox, SandboxExit } from '../sandbox/process-sandbox.js';
import { cgroupCandidates, ContainerCgroupWatch } from './container-cgroup.js';
import type { ContainerEngine } from './engine.js';
import type { NetworkHolder } from './network-holder.js';
import { signalName } from '../sandbox/signal-names.js';

/**
 * How one container is started and signalled: the engine's `run` (any engine) or runc directly
 * (./runc-direct.ts). The command runs the container in the foreground: its stdio is the
 * container's, its exit status the container's (128 + n for signal n).
 */
export interface ContainerLauncher {
  readonly command: string;
  readonly args: readonly string[];
  /** Working directory of the command (conmon drops files such as `oom` into it). */
  readonly cwd: string;
  /** The command line that sends `signal` (e.g. `KILL`) to the container. */
  killCommand(signal: string): [string, string[]];
  /** Where the container's memory cgroup is, once it exists. */
  locateCgroup(): string | undefined;
  /** Run once the container is gone. */
  cleanup?(): void;
}

/** Label on every container Lamina starts; its value is the platform's pid (stale ones are removed). */
export const OWNER_LABEL = 'lamina.owner-pid';

/** Lambda's name for the environment's own address (the Runtime API is at 127.0.0.1:9001). */
export const SANDBOX_HOST = 'sandbox.localdomain';

/** What every container of an environment gets, whoever starts it (docs/limits.md). */
export interface ContainerLimits {
  /** Read-only bind mounts (the code at /var/task and a layer at /opt in base-image mode). */
  readonly mounts: readonly { readonly source: string; readonly target: string }[];
  readonly memoryMb: number;
  readonly vcpus: number;
  readonly tmpMb: number;
  readonly maxProcesses: number;
  readonly maxOpenFiles: number;
}

export interface ContainerSpec extends ContainerLimits {
  readonly engine: ContainerEngine;
  readonly image: string;
  /** Unique container name (`lamina-<pid>-<n>-<function>`). */
  readonly name: string;
  /** ENTRYPOINT override (ImageConfig.EntryPoint, or the runtime in base-image mode). */
  readonly entrypoint?: readonly string[] | undefined;
  /** Arguments after the image (CMD override). */
  readonly command: readonly string[];
  readonly workdir?: string | undefined;
  /** The runtime's environment (docs/environment.md); handed over in an env file, never on argv. */
  readonly env: Readonly<Record<string, string>>;
  /** Where the env file is written (a private directory). */
  readonly envFile: string;
  /** Where the engine writes the container's id (a private directory). */
  readonly cidFile: string;
  /**
   * The container's private network (`/proc/PID/ns/net` of ./network-holder.ts; podman only), or
   * undefined for the host's network.
   */
  readonly networkNamespace?: string | undefined;
}

/**
 * The engine's `run` as a launcher.
 * @example const launcher = engineLauncher(spec); // { command: 'podman', args: ['--runtime', 'runc', 'run', ...] }
 */
export function engineLauncher(spec: ContainerSpec): ContainerLauncher {
  const engine = spec.engine;
  return {
    command: engine.name,
    args: [...engine.globalArgs, ...containerRunArgs(spec)],
    cwd: dirname(spec.cidFile),
    killCommand: (signal) => [engine.name, [...engine.globalArgs, 'kill', '--signal', signal, spec.name]],
    locateCgroup: () => {
      let id = '';
      try {
        id = readFileSync(spec.cidFile, 'utf8').trim();
      } catch {
        return undefined;
      }
      return id === '' ? undefined : cgroupCandidates(id).find((dir) => existsSync(dir));
    },
  };
}

/**
 * The engine command line that starts the container (without the engine's global flags).
 * @example containerRunArgs(spec) // ['run', '--rm', '--name', 'lamina-1-1-hello', ..., 'lamina/hello:latest']
 */
export function containerRunArgs(spec: ContainerSpec): string[] {
  const args = ['run', '--rm', '--pull', 'never', '--init', '--name', spec.name, '--label', `${OWNER_LABEL}=${process.pid}`];
  // A private network holds only the container's own Runtime API on its loopback (docs/isolation.md).
  if (spec.networkNamespace === undefined) args.push('--network', 'host');
  else args.push('--network', `ns:${spec.networkNamespace}`, '--add-host', `${SANDBOX_HOST}:127.0.0.1`);
  args.push('--read-only', '--tmpfs', `/tmp:rw,size=${spec.tmpMb}m,mode=1777`);
  // Podman otherwise adds writable tmpfs at /run and /var/tmp; Lambda's only writable place is /tmp.
  if (spec.engine.name === 'podman') args.push('--read-only-tmpfs=false', '--log-driver', 'none');
  // nproc is per user and root is exempt: --pids-limit / the pids cgroup is what holds 1,024.
  args.push('--ulimit', `nofile=${spec.maxOpenFiles}:${spec.maxOpenFiles}`, '--ulimit', `nproc=${spec.maxProcesses}:${spec.maxProcesses}`);
  args.push('--memory', `${spec.memoryMb}m`, '--memory-swap', `${spec.memoryMb}m`, '--cpus', spec.vcpus.toFixed(3), '--pids-limit', String(spec.maxProcesses));
  args.push('--env-file', spec.envFile, '--cidfile', spec.cidFile);
  for (const mount of spec.mounts) args.push('--volume', `${mount.source}:${mount.target}:ro`);
  if (spec.workdir !== undefined) args.push('--workdir', spec.workdir);
  if (spec.entrypoint !== undefined) args.push('--entrypoint', JSON.stringify(spec.entrypoint));
  args.push(spec.image, ...spec.command);
  return args;
}

/** An env file: NAME=value lines. A value with a line break cannot be written and is refused. */
export function envFileText(env: Readonly<Record<string, string>>): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (/[\r\n]/.test(value)) throw new Error(`environment variable ${name}: a value with a line break cannot be passed to a container`);
    lines.push(`${name}=${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** 128 + n from the engine means the container's process died of signal n. */
function exitFromCode(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null } {
  if (signal !== null || code === null || code <= 128 || code > 128 + 64) return { code, signal };
  return { code: null, signal: signalName(code - 128) };
}

export interface ContainerSandboxOptions {
  /** Run once the container is gone (its private files removed). */
  readonly onDone?: (() => void) | undefined;
  readonly environmentCgroup?: EnvironmentCgroup | undefined;
  readonly network?: NetworkHolder | undefined;
}

/**
 * A container as an execution environment's sandbox.
 *
 * @example
 * const box = new ContainerSandbox('lamina-1-1-hello', engineLauncher(spec), 256, (line) => log(line), { network: holdNetwork(undefined, log) });
 * box.signal('SIGTERM');
 * const exit = await box.exited; // { code: null, signal: 'SIGTERM' }
 */
export class ContainerSandbox implements Sandbox {
  readonly exited: Promise<SandboxExit>;
  readonly runtimeApiListener?: Promise<Server | undefined>;
  readonly name: string;
  #launcher: ContainerLauncher;
  #memoryMb: number;
  #onLine: (line: string) => void;
  #client: ChildProcess | undefined;
  #resolveExit!: (exit: SandboxExit) => void;
  #network: NetworkHolder | undefined;
  #done = false;
  #killRequested = false;
  #cgroup: ContainerCgroupWatch;
  #environmentCgroup: EnvironmentCgroup | undefined;
  #peakMb = 0;
  #onDone: (() => void) | undefined;

  /**
   * `environmentCgroup`: the platform's group the container runs inside (runc directly), which
   * holds the limits and outlives the container: peak and OOM are read from it, after the exit too.
   * `network`: the container's private network (./network-holder.ts); the container starts once
   * its Runtime API listener has come back ({@link runtimeApiListener}) and releases it at exit.
   */
  constructor(name: string, launcher: ContainerLauncher, memoryMb: number, onLine: (line: string) => void, options: ContainerSandboxOptions = {}) {
    this.name = name;
    this.#launcher = launcher;
    this.#memoryMb = memoryMb;
    this.#onLine = onLine;
    this.#onDone = options.onDone;
    this.#environmentCgroup = options.environmentCgroup;
    this.#network = options.network;
    this.#cgroup = new ContainerCgroupWatch(() => launcher.locateCgroup());
    this.exited = new Promise((resolve) => {
      this.#resolveExit = resolve;
    });
    const network = options.network;
    if (network === undefined) {
      this.#start();
      return;
    }
    this.runtimeApiListener = network.listener.then(async (server) => {
      if (server !== undefined && !this.#done) {
        this.#start();
        return server;
      }
      server?.close();
      // The holder failed (its words are in the log) or the environment was killed first.
      const code = await network.exited;
      this.#end({ code: code ?? 125, signal: null });
      return undefined;
    });
  }

  /** Run the container's client (the engine's `run` or runc) in the foreground. */
  #start(): void {
    const launcher = this.#launcher;
    const onLine = this.#onLine;
    // The client in its own process group: a platform's Ctrl-C must not reach it first.
    const client = spawn(launcher.command, launcher.args, { cwd: launcher.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#client = client;
    for (const stream of [client.stdout, client.stderr]) {
      if (stream !== null) splitOutputLines(stream, onLine);
    }
    client.once('error', (error: NodeJS.ErrnoException) => {
      if (this.#done) return;
      onLine(`Error: spawn ${launcher.command}: ${error.code ?? error.message}`);
      this.#end({ code: error.code === 'ENOENT' ? 127 : 126, signal: null });
    });
    client.once('close', (code, signal) => {
      if (this.#done) return;
      const exit = exitFromCode(code, signal);
      this.#end({ ...exit, outOfMemory: this.#outOfMemory(exit.signal) });
    });
  }

  /** Report the exit once (the out-of-memory verdict is taken before the groups go). */
  #end(exit: SandboxExit): void {
    if (this.#done) return;
    this.#finish();
    this.#resolveExit(exit);
  }

  /** The network holder: the container's network namespace is its (telemetry relays enter there). */
  get networkPid(): number | undefined {
    return this.#done ? undefined : this.#network?.pid;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#done) return;
    if (signal === 'SIGKILL') this.#killRequested = true;
    if (this.#client === undefined) {
      // Not started yet (its network is being made): nothing to signal, a kill ends it here.
      if (signal === 'SIGKILL') this.#end({ code: null, signal: 'SIGKILL' });
      return;
    }
    this.#kill(signal, 0);
  }

  peakMemoryMb(): number {
    const bytes = this.#environmentCgroup?.peakMemoryBytes() ?? this.#cgroup.sample().peakBytes;
    this.#peakMb = Math.max(this.#peakMb, Math.ceil(bytes / (1024 * 1024)));
    return this.#peakMb;
  }

  /**
   * The container may not exist yet while it is being created, so a refused kill is retried
   * while the client runs; a SIGKILL that never lands ends with the client killed.
   */
  #kill(signal: NodeJS.Signals, attempt: number): void {
    const [command, args] = this.#launcher.killCommand(signal.replace(/^SIG/, ''));
    const kill = spawn(command, args, { stdio: 'ignore', detached: true });
    kill.once('error', () => undefined);
    kill.once('close', (code) => {
      if (code === 0 || this.#done) return;
      if (attempt < 100) setTimeout(() => this.#kill(signal, attempt + 1), 50).unref();
      else if (signal === 'SIGKILL') this.#killClient();
    });
    kill.unref();
  }

  #killClient(): void {
    try {
      if (this.#client?.pid !== undefined) process.kill(-this.#client.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /**
   * Killed by the kernel for memory: a SIGKILL nobody here sent, from a container whose cgroup
   * counted an OOM kill or hit its limit (cgroup v1 counts the kill in the container's own group,
   * which is removed as soon as the container exits: the watch's last sample decides).
   */
  #outOfMemory(signal: NodeJS.Signals | null): boolean {
    if (signal !== 'SIGKILL' || this.#killRequested) return false;
    const group = this.#environmentCgroup;
    if (group !== undefined) return group.oomKills() > 0 || (group.peakMemoryBytes() ?? 0) >= this.#memoryMb * 1024 * 1024;
    const last = this.#cgroup.sample();
    return last.oomKills > 0 || last.limitHits > 0 || last.peakBytes >= this.#memoryMb * 1024 * 1024;
  }

  #finish(): void {
    this.#done = true;
    this.peakMemoryMb();
    this.#cgroup.close();
    this.#environmentCgroup?.remove();
    this.#launcher.cleanup?.();
    this.#network?.release();
    this.#onDone?.();
  }
}
