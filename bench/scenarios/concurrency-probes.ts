/**
 * What the concurrency ramp reads around each measured window, cheaply enough not to disturb it:
 * the CPU time of the `lamina serve` process, the CFS throttling of its environments' cgroups, and
 * how many environments it has started (its `/metrics` count of Init Durations, docs/metrics.md).
 * CPU per invocation survives a loaded machine better than a rate (docs/performance.md).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on every Linux port Node runs on). */
const USER_HZ = 100;

/**
 * User + system CPU time of a process in µs, from /proc/<pid>/stat (0 when it cannot be read).
 *
 * @example const before = processCpuUs(lamina.pid); // ... load ...; (processCpuUs(lamina.pid) - before) / calls
 */
export function processCpuUs(pid: number, proc = '/proc'): number {
  try {
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const stat = readFileSync(join(proc, String(pid), 'stat'), 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / USER_HZ || 0;
  } catch {
    return 0;
  }
}

export interface Throttling {
  /** Enforcement periods in which some environment had runnable work (summed over environments). */
  readonly periods: number;
  /** Of those, periods in which an environment used up its quota and waited. */
  readonly throttled: number;
  /** Time environments spent waiting for their next period, in ms. */
  readonly throttledMs: number;
  /** cgroups read. */
  readonly groups: number;
}

/** One field of a cpu.stat file. */
function statField(text: string, key: string): number {
  const match = new RegExp(`(?:^|\\n)${key} (\\d+)`).exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/**
 * The CFS bandwidth counters of every environment cgroup a platform process made
 * (`lamina/p<pid>-*`, src/sandbox/cgroups.ts), summed; v1 reports throttled_time in ns, v2
 * throttled_usec. Undefined when the platform runs without cgroups.
 *
 * @example const t0 = throttling(lamina.pid); // ... load ...; throttling(lamina.pid).throttled - t0.throttled
 */
export function throttling(platformPid: number, root = '/sys/fs/cgroup'): Throttling | undefined {
  const parents = [join(root, 'cpu', 'lamina'), join(root, 'lamina')].filter((dir) => existsSync(dir));
  let periods = 0;
  let throttled = 0;
  let throttledMs = 0;
  let groups = 0;
  for (const parent of parents) {
    let names: string[];
    try {
      names = readdirSync(parent).filter((name) => name.startsWith(`p${platformPid}-`));
    } catch {
      continue;
    }
    for (const name of names) {
      let text: string;
      try {
        text = readFileSync(join(parent, name, 'cpu.stat'), 'utf8');
      } catch {
        continue; // removed meanwhile
      }
      groups += 1;
      periods += statField(text, 'nr_periods');
      throttled += statField(text, 'nr_throttled');
      throttledMs += text.includes('throttled_usec') ? statField(text, 'throttled_usec') / 1000 : statField(text, 'throttled_time') / 1e6;
    }
  }
  return groups === 0 ? undefined : { periods, throttled, throttledMs, groups };
}

/**
 * Cold starts so far: the sum of the `lambda_init_duration_seconds_count` samples of an
 * OpenMetrics text (one per function and version).
 *
 * @example coldStartsIn('lambda_init_duration_seconds_count{function_name="F"} 3\n') // 3
 */
export function coldStartsIn(metrics: string): number {
  let total = 0;
  for (const match of metrics.matchAll(/^lambda_init_duration_seconds_count(?:\{[^}\n]*\})? (\d+(?:\.\d+)?)/gm)) total += Number(match[1]);
  return total;
}

/** Cold starts so far of the `lamina serve` at `url` (one GET of its /metrics). */
export async function coldStarts(url: string): Promise<number> {
  const answer = await fetch(`${url}/metrics`);
  if (!answer.ok) throw new Error(`GET /metrics answered ${answer.status}`);
  return coldStartsIn(await answer.text());
}
