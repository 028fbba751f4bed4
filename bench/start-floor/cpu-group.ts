/**
 * CPU of a whole process tree, from a cgroup v1 `cpuacct` group of its own (root only): every
 * process forked after the move is counted there whatever other groups it joins (the launchers
 * join memory, cpu and pids groups, not cpuacct), exited ones included. What the environment
 * start-rate benchmark reads per start, for `lamina serve` and for the kernel floor alike
 * (bench/start-floor/start-floor.c keeps its own group the same way).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CPUACCT = '/sys/fs/cgroup/cpuacct';

export interface CpuGroup {
  /** Nanoseconds of CPU (user and system) used by the group's processes so far. */
  usageNs(): number;
  /** Move in the processes below the root that started elsewhere meanwhile (a spawner started late). */
  adopt(): void;
  /** Move the processes back to the root group and remove the group. */
  close(): void;
}

/** `pid` and every process below it now (a spawner, a standby's launchers). */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

/**
 * A cpuacct group holding `pid` and its descendants, or undefined where there is no cgroup v1
 * cpuacct hierarchy (or no root).
 *
 * @example
 * const group = cpuGroup(lamina.pid); const before = group?.usageNs(); ...; group?.close();
 */
export function cpuGroup(pid: number, name = `lamina-bench-${process.pid}-${pid}`): CpuGroup | undefined {
  if (!existsSync(join(CPUACCT, 'cpuacct.usage')) || process.getuid?.() !== 0) return undefined;
  const dir = join(CPUACCT, name);
  mkdirSync(dir, { recursive: true });
  const adopt = (): void => {
    for (const member of descendants(pid)) {
      try {
        writeFileSync(join(dir, 'cgroup.procs'), String(member));
      } catch {
        // exited meanwhile
      }
    }
  };
  adopt();
  return {
    adopt,
    usageNs: () => Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8')),
    close: () => {
      for (const member of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          writeFileSync(join(CPUACCT, 'cgroup.procs'), member);
        } catch {
          // exited meanwhile
        }
      }
      try {
        rmdirSync(dir);
      } catch {
        // a process still dying in it: the group goes when a later run cleans up
      }
    },
  };
}
