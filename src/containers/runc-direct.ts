/**
 * The fast way to start a container: runc itself, on the image's root filesystem as podman stores
 * it (`podman image mount`, read-only, shared by every environment of the function), with an OCI
 * config written per environment. `podman run` spends ~200 ms of Go start-up, database locking,
 * storage setup and conmon before the runtime's first instruction; runc alone ~40 ms
 * (bench/RESULTS.md, container cold start). Used when podman and runc are both there and Lamina
 * is root; otherwise the engine's own `run` (./container-sandbox.ts).
 *
 * The container is the same as the engine would make: read-only root, tmpfs /tmp, the limits of
 * docs/limits.md as the container's cgroup, pid/ipc/uts/mount namespaces, a private network when
 * the platform made one (./network-holder.ts; else the host's),
 * runc's default capabilities (three) and masked /proc paths, catatonit as pid 1 when installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import type { EnvironmentCgroup } from '../sandbox/cgroups.js';
import { join } from 'node:path';
import { SANDBOX_HOST, type ContainerLauncher, type ContainerLimits } from './container-sandbox.js';
import type { ContainerEngine } from './engine.js';

/** runc's state directory for Lamina's containers (kept apart from the engines'). */
export const RUNC_ROOT = '/run/lamina/runc';
/** Parent of every container's cgroup (`cgroupsPath`), under each hierarchy's root. */
export const RUNC_CGROUP_PARENT = 'lamina-containers';
const CFS_PERIOD_US = 100_000;
/** A static init that forwards signals and reaps zombies (podman's `--init`). */
const INIT_CANDIDATES = ['/usr/libexec/podman/catatonit', '/usr/bin/catatonit'];

/** What an image says about how it runs (its OCI config). */
export interface ImageRootfs {
  readonly rootfs: string;
  readonly env: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly workingDir: string;
}

const mounted = new Map<string, ImageRootfs>();

/**
 * Mount an image's root filesystem (once per image and process; unmounted at exit) and read its
 * configuration.
 * @throws Error with the engine's words when the image cannot be mounted or read.
 * @example const image = imageRootfs(engine, 'hello:latest'); // { rootfs: '/var/lib/containers/storage/overlay/.../merged', ... }
 */
export function imageRootfs(engine: ContainerEngine, image: string): ImageRootfs {
  const known = mounted.get(image);
  if (known !== undefined) return known;
  const run = (args: string[]): string => {
    const result = spawnSync(engine.name, [...engine.globalArgs, ...args], { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${engine.name} ${args.slice(0, 2).join(' ')} ${image} failed: ${(result.stderr || result.error?.message || '').trim()}`);
    return result.stdout.trim();
  };
  const config = JSON.parse(run(['image', 'inspect', '--format', '{{json .Config}}', image])) as {
    Env?: string[] | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
  };
  const rootfs = run(['image', 'mount', image]);
  const result: ImageRootfs = { rootfs, env: config.Env ?? [], entrypoint: config.Entrypoint ?? [], cmd: config.Cmd ?? [], workingDir: config.WorkingDir || '/' };
  if (mounted.size === 0) process.once('exit', () => unmountImages(engine));
  mounted.set(image, result);
  return result;
}

/**
 * Unmount the images this process mounted (at exit; a process killed outright leaves them mounted,
 * which only keeps their overlay around until `podman image unmount --all`).
 * @example unmountImages(engine);
 */
export function unmountImages(engine: ContainerEngine): void {
  for (const image of mounted.keys()) spawnSync(engine.name, [...engine.globalArgs, 'image', 'unmount', image], { stdio: 'ignore' });
  mounted.clear();
}

export interface DirectSpec extends ContainerLimits {
  readonly name: string;
  readonly image: ImageRootfs;
  /** The process's command line (entrypoint + command, overrides applied). */
  readonly args: readonly string[];
  readonly workdir: string;
  /** Lambda's variables, over the image's ENV. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * The environment's cgroup made by the platform (path from the hierarchy's root), holding the
   * limits: the container's own group goes inside it, and it outlives the container, so its peak
   * and OOM figures can be read after the exit. Undefined: the limits go on the container's group.
   */
  readonly parentCgroup?: string | undefined;
  /**
   * The container's private network (`/proc/PID/ns/net` of ./network-holder.ts), or undefined for
   * the host's network.
   */
  readonly networkNamespace?: string | undefined;
}

/** The /etc/hosts of a container with a private network: its loopback, under Lambda's name too. */
export const PRIVATE_HOSTS = `127.0.0.1\tlocalhost ${SANDBOX_HOST}\n::1\tlocalhost\n`;

/** The image's ENV with Lambda's variables over it (`NAME=value` lines, later names win). */
function mergedEnv(image: readonly string[], lambda: Readonly<Record<string, string>>): string[] {
  const env = new Map<string, string>();
  for (const line of image) {
    const eq = line.indexOf('=');
    if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  for (const [name, value] of Object.entries(lambda)) env.set(name, value);
  return [...env].map(([name, value]) => `${name}=${value}`);
}

const bind = (source: string, destination: string, readonly = true): Record<string, unknown> => ({
  destination,
  type: 'bind',
  source,
  options: ['rbind', 'nosuid', 'nodev', readonly ? 'ro' : 'rw'],
});

/**
 * The OCI runtime config of one environment's container.
 * @example ociConfig(spec).linux.resources.memory // { limit: 268435456, swap: 268435456 }
 */
export function ociConfig(spec: DirectSpec, init: string | undefined = INIT_CANDIDATES.find((path) => existsSync(path)), hostsFile?: string) {
  const bytes = spec.memoryMb * 1024 * 1024;
  const mounts: Record<string, unknown>[] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    // docs/limits.md: /tmp is the only writable place, EphemeralStorage in size.
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', `size=${spec.tmpMb}m`] },
    ...spec.mounts.map((mount) => bind(mount.source, mount.target)),
  ];
  // Name resolution as on the host, only where the image has the files (the image's root is
  // shared, no mount point may be made in it); with a private network its own /etc/hosts.
  const hosts = spec.networkNamespace !== undefined && hostsFile !== undefined ? hostsFile : '/etc/hosts';
  for (const [source, file] of [['/etc/resolv.conf', '/etc/resolv.conf'], [hosts, '/etc/hosts']] as const) {
    if (existsSync(join(spec.image.rootfs, file))) mounts.push(bind(source, file));
  }
  // The init goes into /dev (a tmpfs, so the mount point can be made on a read-only root).
  if (init !== undefined) mounts.push(bind(init, '/dev/init'));
  const capabilities = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: init === undefined ? [...spec.args] : ['/dev/init', '--', ...spec.args],
      env: mergedEnv(spec.image.env, spec.env),
      cwd: spec.workdir,
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: spec.maxOpenFiles, soft: spec.maxOpenFiles }],
      noNewPrivileges: true,
    },
    root: { path: spec.image.rootfs, readonly: true },
    hostname: 'lamina',
    mounts,
    linux: {
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
        ...(spec.parentCgroup !== undefined
          ? {}
          : {
              memory: { limit: bytes, swap: bytes },
              cpu: { quota: Math.max(1000, Math.round(CFS_PERIOD_US * spec.vcpus)), period: CFS_PERIOD_US },
              pids: { limit: spec.maxProcesses },
            }),
      },
      cgroupsPath: spec.parentCgroup !== undefined ? `${spec.parentCgroup}/ctr` : `/${RUNC_CGROUP_PARENT}/${spec.name}`,
      namespaces: [
        { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' },
        // Joined, not made: the holder made it and handed its Runtime API listener over.
        ...(spec.networkNamespace === undefined ? [] : [{ type: 'network', path: spec.networkNamespace }]),
      ],
      maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/**
 * The cgroup directories runc makes for a container (v1 memory controller, then v2).
 * @example runcCgroupDirs('lamina-1-2-fn')[0] // '/sys/fs/cgroup/memory/lamina-containers/lamina-1-2-fn'
 */
export function runcCgroupDirs(name: string, root = '/sys/fs/cgroup'): string[] {
  return [join(root, 'memory', RUNC_CGROUP_PARENT, name), join(root, RUNC_CGROUP_PARENT, name)];
}

/**
 * Can this process drive runc directly (root, podman's storage, runc installed)?
 * @example const direct = directRuncAvailable(detectEngine()); // true as root with podman and runc
 */
export function directRuncAvailable(engine: ContainerEngine): boolean {
  return engine.name === 'podman' && process.getuid?.() === 0 && spawnSync('runc', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * runc as a launcher: the OCI bundle (config.json) is written to `bundleDir`.
 * @example const launcher = runcLauncher(spec, '/tmp/lamina-containers-x/lamina-1-1-fn');
 */
export function runcLauncher(spec: DirectSpec, bundleDir: string): ContainerLauncher {
  mkdirSync(bundleDir, { recursive: true });
  const hostsFile = join(bundleDir, 'hosts');
  if (spec.networkNamespace !== undefined) writeFileSync(hostsFile, PRIVATE_HOSTS, { mode: 0o644 });
  writeFileSync(join(bundleDir, 'config.json'), JSON.stringify(ociConfig(spec, undefined, hostsFile)));
  return {
    command: 'runc',
    args: ['--root', RUNC_ROOT, 'run', '--bundle', bundleDir, spec.name],
    cwd: bundleDir,
    killCommand: (signal) => ['runc', ['--root', RUNC_ROOT, 'kill', spec.name, signal]],
    locateCgroup: () => runcCgroupDirs(spec.name).find((dir) => existsSync(dir)),
    cleanup: () => {
      // runc removes the container's group; the environment's, in controllers runc added it to
      // (blkio, devices, ...), goes here (memory, cpu and pids are the platform's to remove).
      if (spec.parentCgroup === undefined) return;
      let controllers: string[] = [];
      try {
        controllers = readdirSync('/sys/fs/cgroup');
      } catch {
        return;
      }
      for (const controller of controllers) {
        try {
          rmdirSync(join('/sys/fs/cgroup', controller, spec.parentCgroup));
        } catch {
          // not there, or not empty yet (removed with the stale groups at the next start)
        }
      }
    },
  };
}

/**
 * The path of a platform environment cgroup from its hierarchy's root, for `cgroupsPath`.
 * @example cgroupPathOf(cgroup) // '/lamina/p123-c4'
 */
export function cgroupPathOf(cgroup: EnvironmentCgroup): string | undefined {
  const procs = cgroup.procsFiles[0];
  if (procs === undefined) return undefined;
  return /^\/sys\/fs\/cgroup(?:\/(?:memory|cpu|pids))?(\/.+)\/cgroup\.procs$/.exec(procs)?.[1];
}

/**
 * Environment cgroups of platforms that are gone, in every controller (runc adds the environment's
 * group to blkio, devices, freezer... too; the platform's own clean-up knows memory, cpu and pids),
 * with the container group inside them.
 * @example removeStaleEnvironmentCgroups((pid) => existsSync(`/proc/${pid}`));
 */
export function removeStaleEnvironmentCgroups(isAlive: (pid: number) => boolean, root = '/sys/fs/cgroup'): void {
  let controllers: string[] = [];
  try {
    controllers = readdirSync(root);
  } catch {
    return;
  }
  for (const controller of controllers) {
    for (const parent of [join(root, controller, 'lamina'), join(root, controller, RUNC_CGROUP_PARENT)]) {
      let groups: string[] = [];
      try {
        groups = readdirSync(parent, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
      } catch {
        continue;
      }
      for (const group of groups) {
        const pid = /^(?:p|lamina-)(\d+)-/.exec(group)?.[1];
        if (pid === undefined || isAlive(Number(pid))) continue;
        for (const dir of [join(parent, group, 'ctr'), join(parent, group)]) {
          try {
            rmdirSync(dir);
          } catch {
            // absent, or still holding processes
          }
        }
      }
    }
  }
}

/**
 * Lamina's runc containers whose platform is gone (the pid in `lamina-<pid>-<n>-<name>`), deleted.
 * @example removeStaleRuncContainers((pid) => existsSync(`/proc/${pid}`)); // 1 after a crash
 */
export function removeStaleRuncContainers(isAlive: (pid: number) => boolean): number {
  const list = spawnSync('runc', ['--root', RUNC_ROOT, 'list', '--quiet'], { encoding: 'utf8' });
  if (list.status !== 0) return 0;
  let removed = 0;
  for (const id of list.stdout.split('\n')) {
    const pid = /^lamina-(\d+)-/.exec(id)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    if (spawnSync('runc', ['--root', RUNC_ROOT, 'delete', '--force', id], { stdio: 'ignore' }).status === 0) removed += 1;
  }
  removeStaleEnvironmentCgroups(isAlive);
  return removed;
}
