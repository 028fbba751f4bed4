/**
 * CPU time of a process (user + system), read from `/proc/<pid>/stat`, so a benchmark can report
 * the CPU each invocation costs the platform or the relay. On 2 saturated cores throughput follows
 * the total CPU per invocation, whatever else runs on the machine: CPU per invoke survives a busy
 * machine far better than invokes/s.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ): 100 on every Linux Lambda runs on. */
const TICKS_PER_SECOND = 100;

/**
 * Milliseconds of CPU (utime + stime) a process has used, or undefined when it is gone or this is
 * not Linux. Fields are counted after the command name's closing parenthesis: the name may hold
 * spaces and parentheses of its own.
 *
 * @example
 * const before = processCpuMs(pid) ?? 0; // ...load...; const used = (processCpuMs(pid) ?? 0) - before;
 */
export function processCpuMs(pid: number): number | undefined {
  const split = processCpuSplitMs(pid);
  return split === undefined ? undefined : split.user + split.system;
}

/**
 * User and system milliseconds apart: the kernel's share (socket writes that wake the reader,
 * cgroup accounting) is where a platform and a relay that make the same system calls can differ.
 *
 * @example const { user, system } = processCpuSplitMs(pid) ?? { user: 0, system: 0 };
 */
export function processCpuSplitMs(pid: number): { user: number; system: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  return cpuSplitOfStat(stat);
}

/**
 * utime + stime of one `/proc/<pid>/stat` line, in milliseconds.
 *
 * @example cpuMsOfStat('1 (node) S 0 0 0 0 0 0 0 0 0 0 250 50 0 0') // 3000
 */
export function cpuMsOfStat(stat: string): number | undefined {
  const split = cpuSplitOfStat(stat);
  return split === undefined ? undefined : split.user + split.system;
}

function cpuSplitOfStat(stat: string): { user: number; system: number } | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") ": state(3) ppid(4) ... utime(14) stime(15): indexes 11 and 12 of the rest.
  const fields = stat.slice(close + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { user: (utime * 1000) / TICKS_PER_SECOND, system: (stime * 1000) / TICKS_PER_SECOND };
}

/** Microseconds of a process's CPU per completed invocation between two readings. */
export function cpuPerInvokeUs(beforeMs: number | undefined, afterMs: number | undefined, invokes: number): number {
  if (beforeMs === undefined || afterMs === undefined || invokes <= 0) return NaN;
  return ((afterMs - beforeMs) * 1000) / invokes;
}
