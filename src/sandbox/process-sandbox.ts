/**
 * The process sandbox: one runtime process (and whatever it forks) in its own process group,
 * so that a timeout or retirement can kill the whole tree. Output is split into lines and handed
 * to the environment's log; the exit is reported once, after the output pipes have drained.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { SANDBOX_LAUNCHER } from '../platform/paths.js';
import { applyCgroupSetup, type EnvironmentCgroup } from './cgroups.js';
import { splitOutputLines as splitLines, type LineSink } from './output-lines.js';
import { ProcessTreeMemory } from './process-memory.js';
import { exitSignalWords, signalName } from './signal-names.js';
import { sharedSpawner, SpawnedChild, type StdioName } from './spawner.js';
import type { Readable, Writable } from 'node:stream';

export interface SandboxSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The environment's cgroup, joined before the runtime starts (limits memory, CPU, pids). */
  readonly cgroup?: EnvironmentCgroup | undefined;
  /** RLIMIT_NOFILE for the runtime (docs/limits.md: 1,024); lowered only, never raised. */
  readonly maxOpenFiles?: number | undefined;
  /**
   * Lambda's filesystem, in a private mount namespace (root only): the code read-only at
   * /var/task (also the working directory) and a private tmpfs /tmp of `tmpMb`.
   */
  readonly filesystem?: {
    readonly codeDir: string;
    readonly tmpMb: number;
    /** Layer directories, first to last, shown read-only at /opt (later layers win). */
    readonly layers?: readonly string[] | undefined;
    /** The runtime's own files (Lamina's RIC), shown read-only at /var/runtime as on Lambda. */
    readonly runtimeDir?: string | undefined;
  } | undefined;
  /**
   * Full isolation (root, native launcher; docs/isolation.md): own PID, IPC, UTS, cgroup and
   * mount namespaces, a root of its own, an unprivileged user, no capabilities, seccomp.
   */
  readonly isolation?: SandboxIsolation | undefined;
}

export interface SandboxIsolation {
  readonly uid: number;
  readonly gid: number;
  /**
   * A network namespace of its own whose loopback serves the Runtime API at 127.0.0.1:9001; the
   * listening socket comes back to the platform ({@link ProcessSandbox.runtimeApiListener}).
   */
  readonly privateNetwork: boolean;
  /** The environment's link to the host (`nextLink()`), or undefined for loopback only (VpcConfig). */
  readonly link?: string | undefined;
  /** An empty ext4 image of /tmp's size: /tmp on disk (a copy per environment), else a tmpfs. */
  readonly tmpImage?: string | undefined;
  /** A directory on disk for the unnamed copies of {@link tmpImage}. */
  readonly tmpDir?: string | undefined;
  /** Host paths shown read-only at the same place (an interpreter outside /usr). */
  readonly binds: readonly string[];
  /**
   * The environment has external extensions: the namespace outlives a runtime that ends on its
   * own (their shutdown budget), and the launcher reports that end at once ({@link Sandbox.runtimeExited}).
   */
  readonly outliveRuntime?: boolean | undefined;
}

/** Where the Runtime API is inside an environment with its own network, as on Lambda. */
export const PRIVATE_RUNTIME_API = '127.0.0.1:9001';

/** Asks the isolated launcher to SIGTERM the runtime alone and outlive it (lamina-sandbox.c). */
const TERMINATE_RUNTIME_SIGNAL = 'SIGUSR1';

/** The fd of Node's IPC channel in the launcher (stdio index 3). */
const CHANNEL_FD = 3;

function isolationOptions(isolation: SandboxIsolation | undefined): string[] {
  if (isolation === undefined) return [];
  const options = ['--isolate', `${isolation.uid}:${isolation.gid}`];
  if (isolation.outliveRuntime === true) options.push('--outlive');
  if (isolation.privateNetwork) options.push('--api-fd', String(CHANNEL_FD));
  if (isolation.privateNetwork && isolation.link !== undefined) options.push('--link', isolation.link);
  if (isolation.tmpImage !== undefined && isolation.tmpDir !== undefined) options.push('--tmp-image', isolation.tmpImage, '--tmp-dir', isolation.tmpDir);
  for (const path of isolation.binds) options.push('--bind', path);
  return options;
}

/**
 * The launcher: joins the cgroups, lowers the open-files limit, mounts Lambda's filesystem when
 * asked, then execs the runtime (same pid), so the runtime is limited from its first instruction.
 * With the code directory, /etc/hosts names the loopback `sandbox.localdomain` and `sandbox` too.
 * Arguments: nofile|-, codeDir|-, tmpMb, layer dirs for /opt (top first, `:`-joined)|-, count,
 * cgroup.procs files..., then the runtime's
 * command line. Nothing is added to the runtime's environment.
 */
const LAUNCHER =
  'nofile=$1 task=$2 tmp=$3 opt=$4 runtime=$5 n=$6; shift 6; ' +
  'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; ' +
  'if [ "$nofile" != - ]; then ulimit -n "$nofile" 2>/dev/null || true; fi; ' +
  // /var/task and /opt first: their sources may live under the host's /tmp, which is hidden next.
  'if [ "$task" != - ]; then mount --bind "$task" /var/task && mount -o remount,bind,ro /var/task || exit 125; fi; ' +
  // One layer: a read-only bind. Several: a read-only overlay (its lowerdir lists the top first).
  'case "$opt" in -) ;; *:*) mount -t overlay overlay -o "lowerdir=$opt" /opt || exit 125 ;; ' +
  '*) mount --bind "$opt" /opt && mount -o remount,bind,ro /opt || exit 125 ;; esac; ' +
  'if [ "$runtime" != - ]; then mount --bind "$runtime" /var/runtime && mount -o remount,bind,ro /var/runtime || exit 125; fi; ' +
  // /etc/hosts: the host's with sandbox.localdomain and sandbox on 127.0.0.1 first (as the native
  // launcher does), written in a throwaway tmpfs over /tmp that the bind outlives.
  'if [ "$task" != - ] && [ -e /etc/hosts ]; then mount -t tmpfs -o size=1m tmpfs /tmp && ' +
  '{ printf \'127.0.0.1\\tsandbox.localdomain sandbox\\n\'; while IFS= read -r l || [ -n "$l" ]; do printf \'%s\\n\' "$l"; done < /etc/hosts; } > /tmp/hosts && ' +
  'mount --bind /tmp/hosts /etc/hosts && umount -l /tmp || exit 125; fi; ' +
  'if [ "$task" != - ]; then mount -t tmpfs -o "size=${tmp}m,mode=1777" tmpfs /tmp && cd /var/task || exit 125; fi; ' +
  'exec "$@"';

/** Where Lambda keeps the runtime (LAMBDA_RUNTIME_DIR); the mount point must exist on the host. */
export const RUNTIME_ROOT = '/var/runtime';

/** Where Lambda puts a function's code; the mount point must exist on the host. */
export const TASK_ROOT = '/var/task';

/** The native launcher when `npm run build` compiled it (decided once, at load). */
const NATIVE_LAUNCHER = existsSync(SANDBOX_LAUNCHER) ? SANDBOX_LAUNCHER : undefined;

/** Standbys need the native launcher (it reads the runtime's environment from stdin). */
export const STANDBY_SUPPORTED = NATIVE_LAUNCHER !== undefined;

/**
 * Launchers are forked by the spawner (src/sandbox/spawner.ts) rather than by Node's spawn, which
 * forks the whole platform, and make their cgroups themselves; LAMINA_SPAWNER=0 goes back to
 * Node's spawn and cgroups made by the platform (A/B measurements; docs/isolation.md).
 */
export const SPAWNER_USED = NATIVE_LAUNCHER !== undefined && process.env.LAMINA_SPAWNER !== '0';

/**
 * The command line that starts a runtime inside its limits: the runtime itself when there are
 * none, else the native launcher (one exec) or, when `native` is undefined, the sh launcher
 * (unshare, sh, mount: five execs, three more for /etc/hosts).
 * @example
 * const [command, args] = launcherCommand(spec, SANDBOX_LAUNCHER); // ['/.../lamina-sandbox', ['1024', '/code', ...]]
 */
export function launcherCommand(spec: SandboxSpec, native: string | undefined, held = false): [string, string[]] {
  const procs = spec.cgroup?.procsFiles ?? [];
  if (procs.length === 0 && spec.maxOpenFiles === undefined && spec.filesystem === undefined) {
    return [spec.command, [...spec.args]];
  }
  const fs = spec.filesystem;
  const launcherArgs = [
    spec.maxOpenFiles === undefined ? '-' : String(spec.maxOpenFiles),
    fs === undefined ? '-' : fs.codeDir,
    String(fs?.tmpMb ?? 0),
    fs?.layers === undefined || fs.layers.length === 0 ? '-' : [...fs.layers].reverse().join(':'),
    fs?.runtimeDir ?? '-',
    String(procs.length), ...procs,
    spec.command, ...spec.args,
  ];
  const options = [...(held ? ['--env-from-stdin'] : []), ...isolationOptions(spec.isolation)];
  const setup = spec.cgroup?.setup;
  // The native launcher makes its cgroups itself (off the platform's event loop); the sh one cannot.
  const cgroupOptions = setup === undefined ? [] : [...setup.dirs.flatMap((dir) => ['--cgroup-dir', dir]), ...setup.writes.flatMap(([file, value]) => ['--cgroup-write', `${file}=${value}`])];
  if (native !== undefined) return [native, [...options, ...cgroupOptions, ...launcherArgs]];
  if (setup !== undefined) applyCgroupSetup(setup);
  if (held) throw new Error('a held (standby) sandbox needs the native launcher');
  if (spec.isolation !== undefined) throw new Error('an isolated sandbox needs the native launcher');
  const launcher = ['-c', LAUNCHER, 'lamina-sandbox', ...launcherArgs];
  // A private mount namespace, so the mounts are the runtime's alone and vanish with it.
  if (fs !== undefined) return ['unshare', ['--mount', '--propagation', 'private', '/bin/sh', ...launcher]];
  return ['/bin/sh', launcher];
}

export interface SandboxExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The kernel's OOM killer killed a process of the sandbox. */
  readonly outOfMemory?: boolean;
}

/** What a sandbox can do, whatever isolates it (process today, container next). */
export interface Sandbox {
  readonly exited: Promise<SandboxExit>;
  /**
   * The listening socket of the environment's own Runtime API (a private network); undefined
   * when the sandbox uses the platform's listener, resolves undefined when it died first.
   */
  readonly runtimeApiListener?: Promise<Server | undefined>;
  /** The root of the sandbox's process tree on the host, when it has one (Runtime API peer checks). */
  readonly rootPid?: number;
  /**
   * A process in the sandbox's network namespace when that is not {@link rootPid}'s (a container's
   * network holder): where telemetry relays enter (src/observability/namespace-relay.ts).
   */
  readonly networkPid?: number | undefined;
  /** Send a signal to every process of the sandbox. */
  signal(signal: NodeJS.Signals): void;
  /** Peak memory of the sandbox so far, in MB. */
  peakMemoryMb(): number;
  /**
   * The runtime itself ended; its extensions may still run (after {@link outliveRuntime}), and
   * {@link exited} comes once they are gone too. Without it, {@link exited} says both.
   */
  readonly runtimeExited?: Promise<SandboxExit>;
  /**
   * From now on the runtime's crash does not end the rest of the sandbox at once: its external
   * extensions get their shutdown budget (docs/extensions.md), and the caller SIGKILLs them.
   */
  outliveRuntime?(): void;
  /** Shutdown: SIGTERM to the runtime alone, whose end the rest of the sandbox outlives. */
  terminateRuntime?(): void;
}

/**
 * How Lambda words a runtime's exit: `exit status 1`, `signal: killed`, `signal: signal 37`
 * (src/sandbox/signal-names.ts).
 *
 * @example describeExit({ code: 1, signal: null }) // 'exit status 1'
 */
export function describeExit(exit: SandboxExit): string {
  if (exit.signal !== null) return `signal: ${exitSignalWords(exit.signal)}`;
  return `exit status ${exit.code ?? 0}`;
}

/**
 * The runtime's exit as the isolated launcher reports it over Node's IPC channel
 * (`report_runtime_exit` in src/sandbox/native/network.c), or undefined for any other message.
 * @example runtimeExitMessage({ lamina: 'runtime-exit', signal: 9 }) // { code: null, signal: 'SIGKILL' }
 */
export function runtimeExitMessage(message: unknown): SandboxExit | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { lamina, code, signal } = message as Record<string, unknown>;
  if (lamina !== 'runtime-exit') return undefined;
  if (typeof code === 'number' && Number.isInteger(code)) return { code, signal: null };
  if (typeof signal !== 'number') return undefined;
  return { code: null, signal: signalName(signal) };
}

/**
 * The launcher hands the listening socket over Node's IPC channel (and keeps the channel to report
 * the runtime's exit, {@link runtimeExitMessage}).
 * @example const server = await receiveListener(spawn(launcher, ['--hold-network', '--api-fd', '3'], { stdio: ['pipe', 'ignore', 'pipe', 'ipc'] }));
 */
export function receiveListener(child: ChildProcess | SpawnedChild): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const done = (server: Server | undefined): void => {
      child.off('message', onMessage);
      child.off('exit', onGone);
      child.off('error', onGone);
      resolve(server);
    };
    const onMessage = (_message: unknown, handle: unknown): void => {
      if (handle !== undefined && handle !== null && typeof (handle as Server).listen === 'function') done(handle as Server);
    };
    const onGone = (): void => done(undefined);
    child.on('message', onMessage);
    child.once('exit', onGone);
    child.once('error', onGone);
    // The channel must not keep the platform alive, nor its closing raise an error.
    child.on('error', () => undefined);
    if (!(child instanceof SpawnedChild)) child.channel?.unref();
  });
}

/**
 * A runtime process in its own process group.
 *
 * @example
 * const box = new ProcessSandbox({ command: './bootstrap', args: [], cwd, env }, (line) => log(line));
 * box.signal('SIGTERM');
 * const exit = await box.exited;
 */
export class ProcessSandbox implements Sandbox {
  readonly exited: Promise<SandboxExit>;
  readonly runtimeApiListener?: Promise<Server | undefined>;
  #child: ChildProcess | SpawnedChild;
  /** Signals asked for before the spawner said the pid: sent when it does. */
  #pendingSignals: NodeJS.Signals[] = [];
  #exitSeen = false;
  #peakMb = 0;
  #memory: ProcessTreeMemory | undefined;
  #cgroup: EnvironmentCgroup | undefined;
  #memoryFromCgroup: boolean;

  /** Lines the standby printed before it was released (launcher errors), and the sink after. */
  #early: string[] | undefined;
  #sink: LineSink;
  /** The launcher or runtime process has exited (a standby that died cannot be released). */
  #processGone = false;
  readonly runtimeExited: Promise<SandboxExit>;
  /** The runtime's exit leaves its process group alone: the environment ends it (shutdown budget). */
  #outlive = false;
  /** Under full isolation the child is the launcher outside the namespace, not the runtime. */
  readonly #isolated: boolean;

  /**
   * Without `onLine`, the sandbox is a standby ({@link prepareStandby}): limits set up, the
   * runtime not started until {@link release} hands it its environment.
   */
  constructor(spec: SandboxSpec, onLine?: LineSink) {
    const held = onLine === undefined;
    const [command, launcherArgs] = launcherCommand(spec, NATIVE_LAUNCHER, held);
    const viaSpawner = SPAWNER_USED && NATIVE_LAUNCHER !== undefined;
    // The isolated launcher heeds SIGUSR1 from the platform only; its parent is now the spawner.
    const args = viaSpawner && spec.isolation !== undefined && command === NATIVE_LAUNCHER ? ['--platform', String(process.pid), ...launcherArgs] : launcherArgs;
    const channel = spec.isolation?.privateNetwork === true;
    this.#cgroup = spec.cgroup;
    this.#early = held ? [] : undefined;
    this.#sink = onLine ?? ((line) => this.#early?.push(line));
    const sink: LineSink = (line) => this.#sink(line);
    this.#child = viaSpawner
      ? sharedSpawner(NATIVE_LAUNCHER).spawn(command, args, { cwd: spec.cwd, env: held ? {} : spec.env, stdin: held, channel })
      : spawn(command, args, {
          cwd: spec.cwd,
          env: held ? {} : spec.env,
          detached: true,
          stdio: [held ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(channel ? ['ipc' as const] : [])],
        });
    if (channel) this.runtimeApiListener = receiveListener(this.#child);
    const started = (): void => {
      // Isolated, /tmp may be on disk: its page cache is charged to the cgroup but is not the
      // function's memory (as on Lambda), so the peak is the processes' own (VmHWM).
      if (this.pid > 0 && (spec.cgroup === undefined || spec.isolation !== undefined)) this.#memory = new ProcessTreeMemory(this.pid, spec.isolation === undefined ? 0 : 2, spec.isolation !== undefined && command === NATIVE_LAUNCHER);
      const pending = this.#pendingSignals;
      this.#pendingSignals = [];
      for (const signal of pending) this.#signalGroup(signal);
    };
    // A spawn failure (ENOENT, EACCES) is reported as an exit, like a runtime that died at once.
    if (this.#child.pid !== undefined) started();
    else this.#child.once('spawn', started);
    this.#memoryFromCgroup = spec.isolation === undefined;
    this.#isolated = spec.isolation !== undefined;
    const child = this.#child;
    let runtimeGone!: (exit: SandboxExit) => void;
    this.runtimeExited = new Promise((resolve) => {
      runtimeGone = resolve;
    });
    child.stdin?.on('error', () => undefined); // a standby that died: its exit says why
    // Isolated, the launcher outside the namespace says when the runtime itself ended (its
    // channel is out of the function's reach); it matters when the namespace outlives it (else
    // the launcher's own exit follows at once, after the output has drained). After pending I/O:
    // the runtime's last lines, written before it exited, are read first.
    child.on('message', (message: unknown) => {
      const exit = runtimeExitMessage(message);
      if (exit !== undefined && this.#outlive) setImmediate(() => runtimeGone({ ...exit, outOfMemory: this.#cgroup !== undefined && this.#cgroup.oomKills() > 0 }));
    });
    if (child instanceof SpawnedChild) {
      child.on('stdio', (name: StdioName, stream: Readable & Writable) => {
        if (name !== 'stdin') splitLines(stream, sink);
      });
    } else {
      if (child.stdout !== null) splitLines(child.stdout, sink);
      if (child.stderr !== null) splitLines(child.stderr, sink);
    }
    this.exited = new Promise((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (this.#exitSeen) return;
        this.#exitSeen = true;
        sink(`Error: spawn ${spec.command}: ${error.code ?? error.message}`);
        const exit = { code: error.code === 'ENOENT' ? 127 : 126, signal: null };
        runtimeGone(exit);
        resolve(exit);
      });
      child.once('exit', (code, signal) => {
        this.#processGone = true;
        // Outside isolation the child is the runtime (the launchers exec it): its extensions may
        // outlive it for their shutdown budget; the environment SIGKILLs the group at its end.
        if (this.#outlive && !this.#isolated) {
          runtimeGone({ code, signal, outOfMemory: this.#cgroup !== undefined && this.#cgroup.oomKills() > 0 });
          return;
        }
        // Whatever the runtime forked dies with it, so the output pipes close and nothing leaks.
        this.#signalGroup('SIGKILL');
      });
      child.once('close', (code, signal) => {
        this.#memory?.close();
        this.#memory = undefined;
        const cgroup = this.#cgroup;
        const outOfMemory = cgroup !== undefined && cgroup.oomKills() > 0;
        if (cgroup !== undefined && this.#memoryFromCgroup) this.#peakMb = Math.max(this.#peakMb, this.#cgroupPeakMb());
        cgroup?.remove();
        this.#cgroup = undefined;
        if (this.#exitSeen) return;
        this.#exitSeen = true;
        runtimeGone({ code, signal, outOfMemory });
        resolve({ code, signal, outOfMemory });
      });
    });
  }

  /** The launcher's (or runtime's) pid; -1 until the spawner has said it, or when the spawn failed. */
  get pid(): number {
    return this.#child.pid ?? -1;
  }

  outliveRuntime(): void {
    this.#outlive = true;
  }

  /**
   * SIGTERM to the runtime alone. Outside isolation the child is the runtime. Isolated, it is the
   * launcher outside the namespace: SIGUSR1 asks it to forward SIGTERM to the runtime and to keep
   * the namespace until every process in it has ended (src/sandbox/native/lamina-sandbox.c).
   */
  terminateRuntime(): void {
    this.#outlive = true;
    if (this.pid <= 0 || this.#processGone) return;
    try {
      process.kill(this.pid, this.#isolated ? TERMINATE_RUNTIME_SIGNAL : 'SIGTERM');
    } catch {
      // Gone already.
    }
  }

  /**
   * Start the runtime of a standby with its environment; false when the standby is gone (then
   * start a new sandbox instead).
   */
  release(env: Readonly<Record<string, string>>, onLine: LineSink): boolean {
    const child = this.#child;
    const stdin = child.stdin;
    // From the spawner, stdin may still be on its way: written as it arrives.
    const arriving = stdin === null && child instanceof SpawnedChild && child.exitCode === null && child.signalCode === null;
    if (this.#early === undefined || this.#processGone || ((stdin === null || stdin.destroyed) && !arriving)) return false;
    let block = '';
    for (const [name, value] of Object.entries(env)) block += `${name}=${value}\0`;
    if (stdin !== null) stdin.end(block);
    else child.on('stdio', (name: StdioName, stream: Writable) => name === 'stdin' && stream.end(block));
    this.takeLog(onLine);
    return true;
  }


  get rootPid(): number {
    return this.pid;
  }

  /** The launcher or runtime has exited: a standby that cannot be released. */
  get gone(): boolean {
    return this.#processGone;
  }

  /** Send the lines printed so far, and all later ones, to `onLine` (without releasing). */
  takeLog(onLine: LineSink): void {
    const early = this.#early ?? [];
    this.#early = undefined;
    this.#sink = onLine;
    for (const line of early) onLine(line);
  }

  signal(signal: NodeJS.Signals): void {
    this.#signalGroup(signal);
  }

  peakMemoryMb(): number {
    // The environment's peak so far: children that came and went (curl in a shell runtime) count.
    if (this.#cgroup !== undefined && this.#memoryFromCgroup) this.#peakMb = Math.max(this.#peakMb, this.#cgroupPeakMb());
    else if (this.#memory !== undefined) this.#peakMb = Math.max(this.#peakMb, this.#memory.peakMb());
    return this.#peakMb;
  }

  /**
   * Kill every process of the environment's cgroup: a child that left the process group (setsid)
   * is still in it. Isolated environments need no help (their PID namespace dies with its init),
   * the others do. Only real cgroup files are read (tests hand plain files as procs files).
   */
  #killCgroup(): void {
    const procs = this.#cgroup?.procsFiles[0];
    if (procs === undefined || !procs.startsWith('/sys/fs/cgroup/')) return;
    let listed: string;
    try {
      listed = readFileSync(procs, 'latin1');
    } catch {
      return; // removed already
    }
    for (const line of listed.split('\n')) {
      const pid = Number(line);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }

  #cgroupPeakMb(): number {
    const bytes = this.#cgroup?.peakMemoryBytes();
    return bytes === undefined ? 0 : Math.ceil(bytes / (1024 * 1024));
  }

  #signalGroup(signal: NodeJS.Signals): void {
    if (this.pid <= 0) {
      // Not said yet by the spawner: sent once it is (a standby disposed of at once).
      if (this.#child instanceof SpawnedChild && !this.#processGone && this.#child.exitCode === null) this.#pendingSignals.push(signal);
      return;
    }
    if (signal === 'SIGKILL') {
      this.#cgroup?.unthrottle?.();
      this.#killCgroup();
    }
    try {
      process.kill(-this.pid, signal);
    } catch {
      // The group is already gone.
    }
  }
}
