/**
 * Per-environment cgroups (docs/limits.md): memory limit = MemorySize (OOM kills the
 * environment), CPU quota in proportion to memory (1,769 MB = 1 vCPU, capped at the host's
 * cores), and 1,024 processes. cgroup v2 (unified, with the controllers enabled) or v1 (one
 * hierarchy per controller) is detected at run time; without a writable hierarchy the platform
 * runs without these limits and says so once.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** Lambda's CPU scale: this much memory buys one vCPU. */
export const MB_PER_VCPU = 1769;
export const PIDS_PER_ENVIRONMENT = 1024;
const CFS_PERIOD_US = 100_000;
const GROUP = 'lamina';

export interface CgroupLimits {
  readonly memoryMb: number;
}

/**
 * What making a group takes: its directories, then its limit files. Done by the platform at
 * `create`, or (`deferred`) by the native launcher before it joins them, off the platform's event
 * loop: a cgroup mkdir and its writes hold a thread for 1-7 ms on 2 busy cores (bench/RESULTS.md).
 */
export interface CgroupSetup {
  readonly dirs: readonly string[];
  readonly writes: readonly (readonly [file: string, value: string])[];
}

/** The cgroup(s) of one environment. */
export interface EnvironmentCgroup {
  /** `cgroup.procs` files the runtime's pid is written to before it execs. */
  readonly procsFiles: readonly string[];
  /** Made with `deferred`: still to be made by whoever joins it (the native launcher). */
  readonly setup?: CgroupSetup | undefined;
  /** Peak memory charged to the environment, in bytes, when the kernel reports it. */
  peakMemoryBytes(): number | undefined;
  /** How many processes the OOM killer has killed in this environment. */
  oomKills(): number;
  /** Remove the cgroup (after its processes are gone). */
  remove(): void;
  /**
   * Lift the CPU quota: processes being killed still run their exit under it, and at 128 MB a few
   * hundred of them take hundreds of ms to go (test/sandbox/hostile-resources.e2e.test.ts).
   */
  unthrottle?(): void;
}

export interface CgroupSupport {
  readonly version: 1 | 2 | undefined;
  /** What is enforced, in plain words, or why nothing is. */
  readonly summary: string;
  /** With `deferred`, nothing is made yet: the group's {@link EnvironmentCgroup.setup} says what to make. */
  create(name: string, limits: CgroupLimits, options?: { readonly deferred?: boolean }): EnvironmentCgroup | undefined;
}

/**
 * Make a group as its setup says (the platform's way, and the sh launcher's).
 * @example applyCgroupSetup({ dirs: ['/sys/fs/cgroup/pids/lamina/p1-1'], writes: [['/sys/fs/cgroup/pids/lamina/p1-1/pids.max', '1024']] });
 */
export function applyCgroupSetup(setup: CgroupSetup): void {
  for (const dir of setup.dirs) mkdirSync(dir);
  for (const [file, value] of setup.writes) writeFileSync(file, value);
}

/** The CPU share Lambda gives a memory size, in vCPUs, capped at the host's cores. */
export function vcpusFor(memoryMb: number, hostCores = availableParallelism()): number {
  return Math.min(memoryMb / MB_PER_VCPU, hostCores);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const PEAK_SCRATCH = Buffer.allocUnsafe(64);

/**
 * The peak-usage file of a group, opened on first use and re-read with one pread per REPORT line
 * (hot path: open-read-close of a cgroup file costs ~20 µs per invoke, a pread a few).
 */
function peakReader(path: string): { read(): number | undefined; close(): void } {
  let fd: number | undefined;
  return {
    read: () => {
      try {
        fd ??= openSync(path, 'r');
        return Number(PEAK_SCRATCH.toString('latin1', 0, readSync(fd, PEAK_SCRATCH, 0, PEAK_SCRATCH.length, 0))) || undefined;
      } catch {
        return undefined;
      }
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

function counter(text: string, key: string): number {
  const match = new RegExp(`(?:^|\\n)${key} (\\d+)`).exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

function writable(dir: string): boolean {
  const probe = join(dir, GROUP, `probe-${process.pid}`);
  try {
    mkdirSync(join(dir, GROUP), { recursive: true });
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

/** Remove environment cgroups left by a platform that did not stop cleanly. */
function removeStale(dir: string): void {
  const parent = join(dir, GROUP);
  let entries: string[] = [];
  try {
    entries = readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return;
  }
  for (const name of entries) {
    const [, pid] = /^p(\d+)-/.exec(name) ?? [];
    if (pid !== undefined && existsSync(`/proc/${pid}`)) continue; // a live platform's
    try {
      rmdirSync(join(parent, name));
    } catch {
      // still has processes, or not ours to remove
    }
  }
}

/** Write a control file, ignoring a group that is already gone. */
function writeQuietly(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch {
    // removed meanwhile
  }
}

/** Where a group's limits go and how, decided once per hierarchy (swap accounting is on or off for all). */
interface Hierarchy {
  readonly root: string;
  readonly hostCores: number;
  /** memory.memsw.limit_in_bytes (v1) or memory.swap.max (v2) exists. */
  readonly swap: boolean;
}

function cpuQuota(memoryMb: number, hostCores: number): number {
  return Math.max(1000, Math.round(CFS_PERIOD_US * vcpusFor(memoryMb, hostCores)));
}

/**
 * CPU weight under contention, proportional to memory as the quota is (docs/limits.md): v1
 * `cpu.shares` (1024 for one vCPU, 2 at least), v2 `cpu.weight` (100 for one vCPU, 1-10000).
 * Without it every environment weighed 1024 whatever its MemorySize, a 128 MB function as much as
 * a 3008 MB one whenever the cores are busy.
 *
 * @example cpuWeight(1769, 1) // 1024
 */
export function cpuWeight(memoryMb: number, version: 1 | 2): number {
  const vcpus = memoryMb / MB_PER_VCPU;
  return version === 1 ? Math.min(262_144, Math.max(2, Math.round(1024 * vcpus))) : Math.min(10_000, Math.max(1, Math.round(100 * vcpus)));
}

/**
 * The weight of the `lamina` group that holds every environment: as much as one busy process per
 * core. At the default 1024 all environments together weighed as much as one process, so under
 * contention 64 busy environments shared a third of a 2-core machine with the platform and the
 * caller each taking another third (docs/performance.md); far above it a crowd of CPU-bound
 * functions could starve the platform, whose own weight is one process.
 */
function parentWeight(version: 1 | 2, hostCores: number): string {
  return String(version === 1 ? Math.min(262_144, 1024 * Math.max(1, hostCores)) : Math.min(10_000, 100 * Math.max(1, hostCores)));
}

function v1Group({ root, hostCores, swap }: Hierarchy, name: string, limits: CgroupLimits, deferred: boolean): EnvironmentCgroup {
  const dirs = { memory: join(root, 'memory', GROUP, name), cpu: join(root, 'cpu', GROUP, name), pids: join(root, 'pids', GROUP, name) };
  const bytes = String(limits.memoryMb * 1024 * 1024);
  const setup: CgroupSetup = {
    dirs: Object.values(dirs),
    writes: [
      [join(dirs.memory, 'memory.limit_in_bytes'), bytes],
      // No swap beyond the limit, so the limit is a hard one (memsw exists only with swap accounting).
      ...(swap ? [[join(dirs.memory, 'memory.memsw.limit_in_bytes'), bytes] as const] : []),
      [join(dirs.cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US)],
      [join(dirs.cpu, 'cpu.cfs_quota_us'), String(cpuQuota(limits.memoryMb, hostCores))],
      [join(dirs.cpu, 'cpu.shares'), String(cpuWeight(limits.memoryMb, 1))],
      [join(dirs.pids, 'pids.max'), String(PIDS_PER_ENVIRONMENT)],
    ],
  };
  if (!deferred) applyCgroupSetup(setup);
  const peak = peakReader(join(dirs.memory, 'memory.max_usage_in_bytes'));
  return {
    procsFiles: Object.values(dirs).map((dir) => join(dir, 'cgroup.procs')),
    setup: deferred ? setup : undefined,
    peakMemoryBytes: () => peak.read(),
    oomKills: () => counter(read(join(dirs.memory, 'memory.oom_control')), 'oom_kill'),
    unthrottle: () => writeQuietly(join(dirs.cpu, 'cpu.cfs_quota_us'), '-1'),
    remove: () => {
      peak.close();
      for (const dir of Object.values(dirs)) {
        try {
          rmdirSync(dir);
        } catch {
          // processes may linger for a moment after a kill; stale groups are removed at next start
        }
      }
    },
  };
}

function v2Group({ root, hostCores, swap }: Hierarchy, name: string, limits: CgroupLimits, deferred: boolean): EnvironmentCgroup {
  const dir = join(root, GROUP, name);
  const setup: CgroupSetup = {
    dirs: [dir],
    writes: [
      [join(dir, 'memory.max'), String(limits.memoryMb * 1024 * 1024)],
      ...(swap ? [[join(dir, 'memory.swap.max'), '0'] as const] : []),
      [join(dir, 'cpu.max'), `${cpuQuota(limits.memoryMb, hostCores)} ${CFS_PERIOD_US}`],
      [join(dir, 'cpu.weight'), String(cpuWeight(limits.memoryMb, 2))],
      [join(dir, 'pids.max'), String(PIDS_PER_ENVIRONMENT)],
    ],
  };
  if (!deferred) applyCgroupSetup(setup);
  const peak = peakReader(join(dir, 'memory.peak'));
  return {
    procsFiles: [join(dir, 'cgroup.procs')],
    setup: deferred ? setup : undefined,
    peakMemoryBytes: () => peak.read(),
    oomKills: () => counter(read(join(dir, 'memory.events')), 'oom_kill'),
    unthrottle: () => writeQuietly(join(dir, 'cpu.max'), `max ${CFS_PERIOD_US}`),
    remove: () => {
      peak.close();
      try {
        rmdirSync(dir);
      } catch {
        // removed at next start if still busy
      }
    },
  };
}

function unsupported(summary: string): CgroupSupport {
  return { version: undefined, summary, create: () => undefined };
}

/**
 * Find a cgroup hierarchy this process can manage.
 *
 * @example
 * const cgroups = detectCgroups();
 * const group = cgroups.create(`p${process.pid}-env1`, { memoryMb: 128 });
 */
export function detectCgroups(root = '/sys/fs/cgroup', hostCores = availableParallelism()): CgroupSupport {
  const unifiedControllers = read(join(root, 'cgroup.controllers')).split(/\s+/);
  if (['memory', 'cpu', 'pids'].every((c) => unifiedControllers.includes(c))) {
    try {
      writeFileSync(join(root, 'cgroup.subtree_control'), '+memory +cpu +pids');
      mkdirSync(join(root, GROUP), { recursive: true });
      writeFileSync(join(root, GROUP, 'cgroup.subtree_control'), '+memory +cpu +pids');
    } catch {
      return unsupported(`cgroup v2 at ${root} is not writable by this user: memory, CPU and process limits are not enforced`);
    }
    removeStale(root);
    writeQuietly(join(root, GROUP, 'cpu.weight'), parentWeight(2, hostCores));
    const hierarchy = { root, hostCores, swap: existsSync(join(root, GROUP, 'memory.swap.max')) };
    return {
      version: 2,
      summary: `cgroup v2 (${root}): memory = MemorySize (OOM kill), CPU = MemorySize/${MB_PER_VCPU} vCPU, ${PIDS_PER_ENVIRONMENT} processes`,
      create: (name, limits, options) => v2Group(hierarchy, name, limits, options?.deferred === true),
    };
  }
  const v1 = ['memory', 'cpu', 'pids'];
  const missing = v1.filter((c) => !existsSync(join(root, c)) || !writable(join(root, c)));
  if (missing.length === 0) {
    for (const c of v1) removeStale(join(root, c));
    writeQuietly(join(root, 'cpu', GROUP, 'cpu.shares'), parentWeight(1, hostCores));
    const hierarchy = { root, hostCores, swap: existsSync(join(root, 'memory', GROUP, 'memory.memsw.limit_in_bytes')) };
    return {
      version: 1,
      summary: `cgroup v1 (${root}/{memory,cpu,pids}): memory = MemorySize (OOM kill), CPU = MemorySize/${MB_PER_VCPU} vCPU, ${PIDS_PER_ENVIRONMENT} processes`,
      create: (name, limits, options) => v1Group(hierarchy, name, limits, options?.deferred === true),
    };
  }
  return unsupported(`no writable cgroup hierarchy (v1 controllers not writable: ${missing.join(', ')}): memory, CPU and process limits are not enforced`);
}
