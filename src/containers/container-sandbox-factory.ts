/**
 * How a function's environments become containers: `PackageType: Image` functions run their own
 * image (ImageConfig overrides applied); zip functions under `--sandbox container` run in their
 * runtime's base image (`lamina/base:nodejs22.x`, `lamina/base:python3.12`: ./runtime-images.ts;
 * `lamina/base:local` for a `provided*` bootstrap) with their code mounted read-only at /var/task
 * (and one layer at /opt). Under
 * full isolation each container gets a network of its own (./network-holder.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { ConfigError } from '../errors.js';
import type { SandboxFactory } from '../platform/environment-types.js';
import { runtimeEnvironment, type FunctionCredentials } from '../platform/environment-variables.js';
import { newLogStreamName } from '../platform/ids.js';
import { vcpusFor, type CgroupSupport, type EnvironmentCgroup } from '../sandbox/cgroups.js';
import { ContainerSandbox, engineLauncher, envFileText, type ContainerLauncher } from './container-sandbox.js';
import { cgroupPathOf, imageRootfs, runcLauncher } from './runc-direct.js';
import type { ContainerEngine } from './engine.js';
import { removeStaleContainers } from './stale-containers.js';
import { zipFunctionImage } from './runtime-images.js';
import { holdNetwork, privateNetworkAvailable, type NetworkHolder } from './network-holder.js';
import type { LineSink } from '../sandbox/output-lines.js';
import { nextLink } from '../sandbox/outbound-network.js';
import { containerExtensions, imageCommand, withContainerExtensions } from './image-extensions.js';
import { newExtensionTag } from '../platform/external-extensions.js';

/** docs/limits.md: processes and open files per environment. */
const PER_ENVIRONMENT = 1024;
const DEFAULT_TMP_MB = 512;
/** Lambda's task root and runtime directory inside the container. */
const TASK_ROOT = '/var/task';

/** How the platform runs containers, decided once at start. */
export interface ContainerSettings {
  readonly engine: ContainerEngine;
  /** Image for every zip function in container mode (default: its runtime's, ./runtime-images.ts). */
  readonly baseImage?: string;
  /** Start containers with runc directly on podman's image storage (./runc-direct.ts). */
  readonly direct?: boolean;
}

/**
 * A private network per container (docs/isolation.md), given under full isolation: `outbound`
 * says whether functions without VpcConfig get a link to the host (`nextLink()`).
 */
export interface ContainerNetwork {
  readonly outbound: boolean;
}

/** Variables the image's own ENV provides (AWS's base images set them; the platform does not override). */
const IMAGE_PROVIDED = ['PATH', 'LANG', 'TZ', 'LD_LIBRARY_PATH'];

let sequence = 0;
let stateDir: string | undefined;
let staleRemoval: Promise<number> | undefined;

/** A private directory for env files, removed when the platform process exits. */
function privateDir(): string {
  if (stateDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-containers-'));
    stateDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return stateDir;
}

/** Container names: lowercase letters, digits, dashes. */
function containerName(fn: FunctionConfig): string {
  sequence += 1;
  return `lamina-${process.pid}-${sequence}-${fn.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 120);
}

/** Host path of a zip function's program as seen in the container (code at /var/task, layer at /opt). */
function inContainer(path: string, fn: FunctionConfig): string {
  if (path.startsWith(`${fn.codeDir}/`)) return `${TASK_ROOT}/${path.slice(fn.codeDir.length + 1)}`;
  const layer = fn.layers?.[0];
  if (layer !== undefined && path.startsWith(`${layer}/`)) return `/opt/${path.slice(layer.length + 1)}`;
  return path;
}

/**
 * @example
 * const makeSandbox = containerSandboxFactory(fn, '$LATEST', undefined, { engine, direct: true }, detectCgroups(), { outbound: true });
 * const sandbox = makeSandbox('127.0.0.1:9001', (line) => log(line), 'on-demand'); // makeSandbox.privateRuntimeApi: true
 */
export function containerSandboxFactory(
  fn: FunctionConfig,
  version: string,
  credentials: FunctionCredentials | undefined,
  settings: ContainerSettings,
  cgroups?: CgroupSupport | undefined,
  network?: ContainerNetwork | undefined,
): SandboxFactory {
  const image = fn.image;
  if (image === undefined && (fn.layers?.length ?? 0) > 1) {
    throw new ConfigError(`Function ${fn.name}: the container sandbox mounts one layer at /opt; ${fn.layers?.length} layers need the process sandbox (or an image)`);
  }
  const launch = fn.launch;
  staleRemoval ??= removeStaleContainers(settings.engine);
  const dir = privateDir();
  const imageName = image?.uri ?? settings.baseImage ?? zipFunctionImage(fn).tag;
  const layer = fn.layers?.[0];
  // What runs: the image's own entrypoint (ImageConfig overrides applied), or the zip function's
  // runtime in its base image with its code mounted at /var/task (and its layer at /opt): the
  // image's /var/runtime/bootstrap starts the runtime's own interpreter (Node NN, Python 3.X).
  const shape = image !== undefined
    ? { entrypoint: image.entryPoint, command: image.command, workdir: image.workingDirectory, mounts: [] }
    : {
        entrypoint: launch.kind === 'bootstrap' ? [inContainer(launch.command, fn), ...launch.args] : ['/var/runtime/bootstrap'],
        command: [],
        workdir: TASK_ROOT,
        mounts: [{ source: fn.codeDir, target: TASK_ROOT }, ...(layer === undefined ? [] : [{ source: layer, target: '/opt' }])],
      };
  // runc directly needs the image's root filesystem and config, read once per function at start.
  const rootfs = settings.direct === true ? imageRootfs(settings.engine, imageName) : undefined;
  // docs/extensions.md: the executables of the container's /opt/extensions start before the runtime.
  const extensions = containerExtensions({
    engine: settings.engine,
    image: imageName,
    rootfs: rootfs?.rootfs,
    layer,
    ownBaseImage: image === undefined && settings.baseImage === undefined,
  });
  // The secret that marks the extensions' own lines and exits (src/platform/external-extensions.ts).
  const extensionTag = newExtensionTag();
  // The engine's `run` takes the wrapper as the entrypoint: it names the image's command itself.
  const engineShape = (() => {
    if (rootfs !== undefined || extensions.length === 0) return shape;
    const own = shape.entrypoint === undefined ? imageCommand(settings.engine, imageName) : undefined;
    const argv = [...(shape.entrypoint ?? own?.entrypoint ?? []), ...(shape.command ?? (shape.entrypoint === undefined ? (own?.cmd ?? []) : []))];
    const [entrypoint, ...command] = withContainerExtensions(argv, extensions, extensionTag);
    return { ...shape, entrypoint: entrypoint === undefined ? undefined : [entrypoint], command };
  })();
  // Docker cannot join a namespace by path (`--network ns:` is podman's): its containers keep the host's.
  const privateNetwork = network !== undefined && (rootfs !== undefined || settings.engine.name === 'podman') && privateNetworkAvailable();
  const link = privateNetwork && network.outbound && fn.vpc !== true;
  const spares = spareHolders(() => (link ? nextLink() : undefined));
  const factory: SandboxFactory = (runtimeApi, log, initializationType, logStreamName) => {
    const name = containerName(fn);
    const env = runtimeEnvironment(fn, { runtimeApi, version, logStreamName: logStreamName ?? newLogStreamName(new Date(), version), initializationType }, credentials);
    for (const variable of IMAGE_PROVIDED) delete env[variable];
    env.LAMBDA_TASK_ROOT = TASK_ROOT;
    if (image !== undefined) {
      // The image's CMD names the handler (lambda-entrypoint.sh exports it); its ENV says which runtime.
      if (fn.handler === '') delete env._HANDLER;
      delete env.AWS_EXECUTION_ENV;
      delete env.NODE_PATH;
    }
    const limits = {
      memoryMb: fn.memorySize,
      vcpus: vcpusFor(fn.memorySize),
      tmpMb: fn.ephemeralStorageMb ?? DEFAULT_TMP_MB,
      maxProcesses: PER_ENVIRONMENT,
      maxOpenFiles: PER_ENVIRONMENT,
    };
    const files = join(dir, name);
    const onDone = (): void => rmSync(files, { recursive: true, force: true });
    mkdirSync(files, { recursive: true, mode: 0o700 });
    let launcher: ContainerLauncher;
    let group: EnvironmentCgroup | undefined;
    const holder = privateNetwork ? spares.take(log) : undefined;
    const networkNamespace = holder?.namespace;
    if (rootfs !== undefined) {
      const args = withContainerExtensions([...(shape.entrypoint ?? rootfs.entrypoint), ...(shape.command ?? (shape.entrypoint === undefined ? rootfs.cmd : []))], extensions, extensionTag);
      // Named after the platform's pid, like the process sandbox's groups (stale ones go at next start).
      group = cgroups?.create(`p${process.pid}-${name.slice(`lamina-${process.pid}-`.length)}`, { memoryMb: fn.memorySize });
      const parentCgroup = group === undefined ? undefined : cgroupPathOf(group);
      launcher = runcLauncher({ ...limits, name, image: rootfs, args, workdir: shape.workdir ?? rootfs.workingDir, env, mounts: shape.mounts, parentCgroup, networkNamespace }, files);
    } else {
      const envFile = join(files, 'env');
      writeFileSync(envFile, envFileText(env), { mode: 0o600 });
      launcher = engineLauncher({ ...limits, ...engineShape, command: engineShape.command ?? [], engine: settings.engine, name, image: imageName, env, envFile, cidFile: join(files, 'cid'), networkNamespace });
    }
    return new ContainerSandbox(name, launcher, fn.memorySize, log, { onDone, environmentCgroup: group, network: holder });
  };
  // Called with 127.0.0.1:9001 then: the environment adopts the listener the holder hands over.
  factory.privateRuntimeApi = privateNetwork;
  factory.externalExtensions = extensions;
  factory.extensionTag = extensionTag;
  if (privateNetwork) {
    // One namespace held ahead of the next cold start (10-15 ms of spawn, namespace, link and
    // listener off its path), made again after the first REPORT of the environment that took it.
    setImmediate(spares.prepare);
    factory.replenish = () => setImmediate(spares.prepare);
    factory.dispose = async () => spares.dispose();
  }
  return factory;
}

interface Spare {
  readonly holder: NetworkHolder;
  /** Lines the holder printed before an environment took it, and that environment's log after. */
  readonly lines: { readonly early: string[]; sink: LineSink | undefined };
  gone: boolean;
}

/** A one-slot standby of network holders: `take` hands out the spare when alive, else a new one. */
function spareHolders(nextLinkFor: () => string | undefined): { prepare: () => void; take: (log: LineSink) => NetworkHolder; dispose: () => void } {
  let spare: Spare | undefined;
  let disposed = false;
  const make = (): Spare => {
    const lines: Spare['lines'] = { early: [], sink: undefined };
    const holder = holdNetwork(nextLinkFor(), (line) => (lines.sink === undefined ? lines.early.push(line) : lines.sink(line)));
    const entry: Spare = { holder, lines, gone: false };
    void holder.exited.then(() => {
      entry.gone = true;
    });
    return entry;
  };
  return {
    prepare: () => {
      if (!disposed && spare === undefined) spare = make();
    },
    take: (log) => {
      const ready = spare;
      spare = undefined;
      const entry = ready !== undefined && !ready.gone ? ready : make();
      entry.lines.sink = log;
      for (const line of entry.lines.early.splice(0)) log(line);
      return entry.holder;
    },
    dispose: () => {
      disposed = true;
      const held = spare;
      spare = undefined;
      if (held === undefined) return;
      held.holder.release();
      // The listener it handed over is the platform's socket: closed, or it keeps the process up.
      void held.holder.listener.then((server) => server?.close());
    },
  };
}

/** Settles once the containers of platforms that died have been removed (tests, `lamina serve`). */
export function staleContainersRemoved(): Promise<number> {
  return staleRemoval ?? Promise.resolve(0);
}
