/**
 * How a function's environments get their sandbox: the process sandbox, with the runtime's
 * Lambda environment and, when the platform enforces them, per-environment limits.
 */
import type { FunctionConfig } from '../config/function-config.js';
import { detectCgroups, type CgroupSupport } from '../sandbox/cgroups.js';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { ProcessSandbox, RUNTIME_ROOT, SPAWNER_USED, STANDBY_SUPPORTED, TASK_ROOT, type Sandbox, type SandboxIsolation, type SandboxSpec } from '../sandbox/process-sandbox.js';
import { detectIsolation, interpreterBinds, LAMBDA_GID, LAMBDA_UID, tmpCopiesDir, tmpImage, type IsolationSupport } from '../sandbox/isolation.js';
import type { SandboxFactory } from './environment.js';
import { runtimeEnvironment, type FunctionCredentials } from './environment-variables.js';
import { newLogStreamName } from './ids.js';
import { PYTHON_RIC_DIR, RIC_DIR, RIC_ENTRY } from './paths.js';
import { sdkModules } from '../runtimes/aws-sdk-store.js';
import { boto3Site } from '../runtimes/boto3-store.js';
import { basename, dirname } from 'node:path';
import { containerSandboxFactory, type ContainerSettings } from '../containers/container-sandbox-factory.js';
import { ConfigError } from '../errors.js';
import { detectOutbound, nextLink, type OutboundSupport } from '../sandbox/outbound-network.js';
import { nodeMajorOf } from '../runtimes/node-majors.js';
import { findExternalExtensions, newExtensionTag, withExtensions } from './external-extensions.js';
import { withExecWrapper } from './exec-wrapper.js';

/** docs/limits.md: 1,024 file descriptors per environment. */
export const OPEN_FILES_PER_ENVIRONMENT = 1024;

/** Which of the kernel's limits the platform applies to each environment. */
export interface SandboxLimits {
  /** Memory, CPU and pids limits; undefined when no cgroup hierarchy can be used. */
  readonly cgroups: CgroupSupport | undefined;
  /** RLIMIT_NOFILE per runtime, or undefined to leave the platform's own. */
  readonly maxOpenFiles: number | undefined;
  /** Private mount namespace with /var/task (read-only) and a private tmpfs /tmp (root only). */
  readonly filesystem?: boolean;
  /**
   * Full isolation (root, native launcher): own namespaces (network with the Runtime API inside),
   * Lambda's user, no capabilities, seccomp, disk-backed /tmp. docs/isolation.md.
   */
  readonly isolation?: IsolationSupport | undefined;
  /**
   * Without isolation: each Runtime API accepts connections only from its environment's own
   * process tree (src/runtime-api/peer-check.ts).
   */
  readonly peerCheck?: boolean;
  /** Outbound links for isolated functions without VpcConfig (root, ip, nsenter). */
  readonly outbound?: OutboundSupport | undefined;
  /**
   * Containers (issue 6): the engine found at start. `PackageType: Image` functions always run in
   * containers; with `all` (`--sandbox container`) zip functions do too, in the base image.
   */
  readonly containers?: (ContainerSettings & { readonly all: boolean }) | undefined;
}

/** Lambda's default ephemeral storage (/tmp), in MB. */
export const DEFAULT_TMP_MB = 512;

/** Can this process give each runtime its own mount namespace (root, unshare, /var/task)? */
export function detectFilesystemIsolation(): { readonly available: boolean; readonly summary: string } {
  if (process.getuid?.() !== 0) return { available: false, summary: 'not root: code stays at its own path, /tmp is shared' };
  try {
    mkdirSync(TASK_ROOT, { recursive: true });
    mkdirSync(RUNTIME_ROOT, { recursive: true });
  } catch (error) {
    return { available: false, summary: `cannot create ${TASK_ROOT} and ${RUNTIME_ROOT}: ${(error as Error).message}` };
  }
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore', timeout: 5000 });
  if (probe.status !== 0) return { available: false, summary: 'mount namespaces are not available (unshare --mount failed)' };
  return { available: true, summary: `private mount namespace per environment: code read-only at ${TASK_ROOT}, layers read-only at /opt, private tmpfs /tmp (EphemeralStorage)` };
}

/**
 * What this machine lets the platform enforce, detected once at start.
 *
 * @example
 * const limits = detectSandboxLimits(); console.log(describeLimits(limits));
 */
export function detectSandboxLimits(): SandboxLimits {
  const filesystem = detectFilesystemIsolation().available;
  const isolation = detectIsolation();
  const isolated = filesystem && isolation.available;
  return {
    cgroups: detectCgroups(),
    maxOpenFiles: OPEN_FILES_PER_ENVIRONMENT,
    filesystem,
    isolation: isolated ? isolation : undefined,
    outbound: isolated ? detectOutbound() : undefined,
    peerCheck: true,
  };
}

/** The limits in plain words, said once at start. */
export function describeLimits(limits: SandboxLimits): string {
  const files = limits.maxOpenFiles === undefined ? 'open files not limited' : `${limits.maxOpenFiles} open files per environment`;
  const fs = limits.filesystem === true ? `code read-only at ${TASK_ROOT}, private /tmp` : 'no private /var/task or /tmp';
  const isolation =
    limits.isolation !== undefined
      ? `${limits.isolation.summary}; ${limits.outbound?.summary ?? 'no outbound link'}`
      : limits.peerCheck === true
        ? 'no isolation (docs/isolation.md): runtimes share the host\'s network and user; each Runtime API accepts only its own environment\'s processes'
        : 'no isolation (docs/isolation.md)';
  return `${limits.cgroups?.summary ?? 'no cgroups: memory, CPU and process limits are not enforced'}; ${files}; ${fs}; ${isolation}`;
}

/** Where a host path of the function's code or layers is seen inside its mount namespace. */
function insideNamespace(path: string, fn: FunctionConfig): string {
  if (path.startsWith(`${fn.codeDir}/`)) return `${TASK_ROOT}/${path.slice(fn.codeDir.length + 1)}`;
  for (const layer of fn.layers ?? []) if (path.startsWith(`${layer}/`)) return `/opt/${path.slice(layer.length + 1)}`;
  return path;
}

/**
 * What starts the runtime. Inside a private namespace Lamina's runtime interface client (the
 * bundled Node one, or the Python one) is shown at /var/runtime, as Lambda's runtime is: its host
 * path may be under /tmp, which the namespace hides (Lamina installed or cloned there).
 */
function runtimeCommand(fn: FunctionConfig, isolated: boolean, interpreterArgs: readonly string[]): { command: string; args: readonly string[]; runtimeDir: string | undefined } {
  const launch = fn.launch;
  if (launch.kind === 'python-ric') {
    const dir = isolated ? RUNTIME_ROOT : PYTHON_RIC_DIR;
    // -u: what `print` writes reaches the log at once, before the invocation's answer, as on Lambda.
    return { command: launch.python, args: ['-u', ...interpreterArgs, `${dir}/bootstrap.py`], runtimeDir: isolated ? PYTHON_RIC_DIR : undefined };
  }
  if (launch.kind === 'node-ric') {
    if (launch.node === '') {
      // Template loading found no interpreter at hand and nothing installed it (lamina serve does).
      const major = nodeMajorOf(launch.runtime);
      throw new ConfigError(`Function ${fn.name}: Node.js ${major ?? '?'} for ${launch.runtime} is not installed; run 'lamina runtimes install ${launch.runtime}'`);
    }
    const atRuntimeDir = isolated && dirname(RIC_ENTRY) === RIC_DIR;
    return { command: launch.node, args: [...interpreterArgs, atRuntimeDir ? `${RUNTIME_ROOT}/${basename(RIC_ENTRY)}` : RIC_ENTRY], runtimeDir: atRuntimeDir ? RIC_DIR : undefined };
  }
  return { command: launch.command, args: launch.args, runtimeDir: undefined };
}

/**
 * The AWS SDK store (docs/runtimes.md, "The AWS SDK") of a Node.js or Python function under full
 * isolation: /var/runtime/node_modules (or /var/runtime/lamina-sdk) links to it, so its folder is
 * shown at its own path.
 */
function sdkBinds(fn: FunctionConfig): string[] {
  const folder = fn.launch.kind === 'node-ric' ? sdkModules() : fn.launch.kind === 'python-ric' ? boto3Site() : undefined;
  return folder === undefined ? [] : [dirname(folder)];
}

/** Without mount namespaces there is no /var/runtime: the store's folder ends NODE_PATH instead. */
function sdkNodePath(fn: FunctionConfig): string | undefined {
  return fn.launch.kind === 'node-ric' ? sdkModules() : undefined;
}

/** The interpreter a Lamina runtime interface client runs on (node or python), if any. */
function launchInterpreter(fn: FunctionConfig): string | undefined {
  if (fn.launch.kind === 'node-ric') return fn.launch.node === '' ? undefined : fn.launch.node;
  return fn.launch.kind === 'python-ric' ? fn.launch.python : undefined;
}

let sequence = 0;

/**
 * Standbys kept per function version: 1, or LAMINA_STANDBYS (an experiment: environments prepared
 * while idle take the kernel's isolation work off a burst's starts; docs/isolation.md).
 */
export function standbyTarget(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LAMINA_STANDBYS;
  if (raw === undefined || raw === '') return 1;
  const asked = Number(raw);
  if (!/^\d+$/.test(raw) || asked < 1 || asked > 1000) throw new ConfigError(`LAMINA_STANDBYS must be a whole number from 1 to 1000, got ${JSON.stringify(raw)}`);
  return asked;
}

/** An isolated sandbox whose runtime starts, with `env`, as soon as it is ready. */
function releaseWhenReady(box: ProcessSandbox, env: Record<string, string>, log: (line: string) => void): Sandbox {
  const runtimeApiListener = (box.runtimeApiListener ?? Promise.resolve(undefined)).then((server) => {
    if (server !== undefined && box.release(env, log)) return server;
    // It died on the way (its launcher says why): the environment fails its init.
    box.takeLog(log);
    server?.close();
    box.signal('SIGKILL');
    return undefined;
  });
  return {
    exited: box.exited,
    runtimeApiListener,
    // Telemetry delivery enters the environment's network namespace through this process (a
    // getter: from the spawner the pid comes a moment after the sandbox).
    get rootPid() {
      return box.rootPid;
    },
    signal: (signal) => box.signal(signal),
    peakMemoryMb: () => box.peakMemoryMb(),
    runtimeExited: box.runtimeExited,
    outliveRuntime: () => box.outliveRuntime(),
    terminateRuntime: () => box.terminateRuntime(),
  };
}

/**
 * @example
 * const makeSandbox = processSandboxFactory(fn, '$LATEST', credentials, limits);
 * const sandbox = makeSandbox('127.0.0.1:40001', (line) => log(line));
 *
 * `interpreterArgs` go to node or python before the runtime interface client: a debugger's
 * (`--inspect=127.0.0.1:9229`, `-m debugpy --listen ...`; docs/debugging.md). `serviceEnvironment`
 * adds variables below the function's own (PlatformOptions.serviceEnvironment).
 */
export function processSandboxFactory(
  fn: FunctionConfig,
  version: string,
  credentials: FunctionCredentials | undefined,
  limits: SandboxLimits | undefined,
  interpreterArgs: readonly string[] = [],
  serviceEnvironment?: () => Readonly<Record<string, string>> | undefined,
): SandboxFactory {
  // The platform's additions, read again at each environment's start (services that start after
  // the platform, such as the Invoke API's own endpoint, are there by the first invoke).
  const withService = (): FunctionConfig => {
    const added = serviceEnvironment?.();
    return added === undefined ? fn : { ...fn, inheritedEnvironment: { ...fn.inheritedEnvironment, ...added } };
  };
  const containers = limits?.containers;
  if (containers !== undefined && (fn.image !== undefined || containers.all)) {
    // Under full isolation, containers get a private network as process environments do.
    const network = limits?.isolation === undefined ? undefined : { outbound: limits.outbound?.available === true };
    return containerSandboxFactory(withService(), version, credentials, containers, limits?.cgroups, network);
  }
  if (fn.image !== undefined) throw new ConfigError(`Function ${fn.name} is a container image (${fn.image.uri}): it needs podman or docker, and none was found`);
  const isolated = limits?.filesystem === true;
  const full = isolated ? limits?.isolation : undefined;
  // docs/extensions.md: every executable in /opt/extensions starts (before the runtime) in its sandbox.
  const extensions = findExternalExtensions(fn.layers ?? []);
  const tmpMb = fn.ephemeralStorageMb ?? DEFAULT_TMP_MB;
  const isolation: SandboxIsolation | undefined =
    full === undefined
      ? undefined
      : {
          uid: LAMBDA_UID,
          gid: LAMBDA_GID,
          privateNetwork: true,
          ...(full.diskTmp ? { tmpImage: tmpImage(tmpMb), tmpDir: tmpCopiesDir() } : {}),
          binds: [...new Set([...interpreterBinds(), ...interpreterBinds(launchInterpreter(fn) ?? process.execPath), ...sdkBinds(fn)])],
          // docs/extensions.md: a runtime that crashes leaves its extensions their shutdown budget.
          outliveRuntime: extensions.length > 0,
        };
  const interpreter = launchInterpreter(fn);
  if (isolated && interpreter?.startsWith('/tmp/') === true) {
    // The environment's private /tmp is mounted over the host's, and over whatever lives there.
    throw new ConfigError(`Function ${fn.name}: its interpreter ${interpreter} lives under /tmp, which each environment replaces with its own; install it elsewhere (LAMINA_RUNTIMES_DIR, docs/runtimes.md) or serve with --no-limits`);
  }
  const { command: runtime, args: runtimeArgs, runtimeDir } = runtimeCommand(fn, isolated, interpreterArgs);
  // Layers mount over /opt: not when the interpreter lives there (its bind would be hidden).
  const layers = [process.execPath, launchInterpreter(fn) ?? ''].some((path) => path.startsWith('/opt/')) ? undefined : fn.layers;
  const extensionPaths = extensions.map((extension) => (isolated && layers !== undefined ? `/opt/extensions/${extension.name}` : extension.hostPath));
  // Inside the namespace the code is at /var/task and the layers at /opt: run from there.
  // The extensions' wrapper execs the function's exec wrapper (if any), which execs the interpreter.
  const wrapped = withExecWrapper(fn, isolated ? insideNamespace(runtime, fn) : runtime, runtimeArgs, isolated);
  const extensionTag = newExtensionTag();
  const { command, args } = withExtensions(wrapped.command, wrapped.args, extensionPaths, extensionTag);
  const outbound = isolation !== undefined && fn.vpc !== true && limits?.outbound?.available === true;
  const sdkPath = isolated ? undefined : sdkNodePath(fn);
  const spec = (env: Record<string, string>): SandboxSpec => {
    sequence += 1;
    return {
      command,
      args,
      cwd: fn.codeDir,
      env: sdkPath === undefined || env.NODE_PATH === undefined ? env : { ...env, NODE_PATH: `${env.NODE_PATH}:${sdkPath}` },
      // Named after the platform's pid, so a later platform can tell stale groups from live ones.
      // Made by the native launcher itself when there is one (docs/isolation.md, "Starting environments").
      cgroup: limits?.cgroups?.create(`p${process.pid}-${sequence}`, { memoryMb: fn.memorySize }, { deferred: SPAWNER_USED }),
      maxOpenFiles: limits?.maxOpenFiles,
      // Each environment its own link to the host (none with VpcConfig: loopback only).
      isolation: isolation === undefined ? undefined : { ...isolation, ...(outbound ? { link: nextLink() } : {}) },
      filesystem: isolated
        ? {
            codeDir: fn.codeDir,
            tmpMb,
            layers,
            runtimeDir,
          }
        : undefined,
    };
  };
  // With cgroups, the first write to a cgroup.procs after a quiet spell waits for an RCU grace
  // period (10-20 ms here): a standby that has joined its cgroups and mounted its filesystem ahead
  // of time takes that off the next cold start (bench/RESULTS.md). One per function version, made
  // when the platform starts and replaced after each use (once the environment that took it has
  // answered its first invocation). Isolated environments always start held
  // this way: their namespaces, root, /tmp, Runtime API listener and outbound link are made first.
  const useStandby = STANDBY_SUPPORTED && (limits?.cgroups?.version !== undefined || isolation !== undefined);
  const hold = (): ProcessSandbox => new ProcessSandbox(spec({}));
  // Prepared ahead of a burst (docs/isolation.md, "Prepared environments"): LAMINA_STANDBYS of them.
  const target = standbyTarget();
  const standbys: ProcessSandbox[] = [];
  let disposed = false;
  /** One more standby, up to the target; all of them at start. */
  const prepareStandby = (fill = false): void => {
    while (!disposed && standbys.length < target) {
      standbys.push(hold());
      if (!fill) return;
    }
  };
  const factory: SandboxFactory = (runtimeApi, log, initializationType, logStreamName) => {
    const env = runtimeEnvironment(
      withService(),
      { runtimeApi, version, logStreamName: logStreamName ?? newLogStreamName(new Date(), version), initializationType },
      credentials,
    );
    if (isolated) env.LAMBDA_TASK_ROOT = TASK_ROOT;
    let ready = standbys.shift();
    while (ready?.gone === true && standbys.length > 0) ready = standbys.shift();
    if (isolation !== undefined) return releaseWhenReady(ready === undefined || ready.gone ? hold() : ready, env, log);
    if (ready?.release(env, log) === true) return ready;
    ready?.signal('SIGKILL');
    return new ProcessSandbox(spec(env), log);
  };
  if (useStandby) {
    setImmediate(() => prepareStandby(true));
    // The next standby is made once the environment that took this one has answered its first
    // invocation: made at once, its fork and setup slowed that cold start by 3-7 ms on 2 cores
    // (bench/RESULTS.md, isolation scenario).
    factory.replenish = () => setImmediate(() => prepareStandby());
  }
  factory.privateRuntimeApi = isolation?.privateNetwork === true;
  factory.externalExtensions = extensions.map((extension) => extension.name);
  factory.extensionTag = extensionTag;
  factory.checkPeers = isolation === undefined && limits?.peerCheck === true;
  factory.dispose = async () => {
    disposed = true;
    const held = standbys.splice(0);
    for (const box of held) {
      box.signal('SIGKILL');
      void box.runtimeApiListener?.then((server) => server?.close());
    }
    await Promise.all(held.map((box) => box.exited));
  };
  return factory;
}
