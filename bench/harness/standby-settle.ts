/**
 * Waiting for `lamina serve`'s standby sandboxes to be ready before a cold start is measured.
 *
 * A standby (src/platform/sandbox-factory.ts) is the native launcher started ahead of a cold
 * start: it joins the cgroups, builds the namespaces and the root, and (isolated, no VpcConfig)
 * gets its veth link (once made by `sh -c 'ip ...; nsenter ...'` execs, now by the launcher). A cold start that
 * arrives while that is still going on pays part of it, which is not what the standby is for; a
 * benchmark that fires cold starts right after the platform starts (or right after the previous
 * cold start, whose replacement standby is being made) would measure the two CPUs being shared
 * with that setup rather than the cold path.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Processes the platform runs while it prepares a standby (outbound link, /tmp image). */
const HELPERS = new Set(['sh', 'ip', 'nsenter', 'mkfs.ext4', 'truncate', 'iptables', 'nft', 'sysctl']);

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process is gone
  }
}

/** Direct children of a process (every thread's), from /proc. */
export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((tid) => (read(`/proc/${pid}/task/${tid}/children`) ?? '').split(' ').filter((s) => s !== '').map(Number));
}

/** A process tree: pid, command name and children, depth first. */
export interface ProcessNode {
  readonly pid: number;
  readonly comm: string;
  readonly children: readonly ProcessNode[];
}

/** @example processTree(process.pid).children.length */
export function processTree(pid: number): ProcessNode {
  return { pid, comm: (read(`/proc/${pid}/comm`) ?? '').trim(), children: childrenOf(pid).map(processTree) };
}

/**
 * Is every standby of this platform ready? No helper process is running, and every launcher that
 * isolates (it forks the namespace's pid 1 once its Runtime API socket is handed over) has done so.
 *
 * @example standbysReady(processTree(lamina.pid), true)
 */
export function standbysReady(platform: ProcessNode, isolated: boolean): boolean {
  const busy = (node: ProcessNode): boolean => HELPERS.has(node.comm) || node.children.some(busy);
  if (platform.children.some(busy)) return false;
  if (!isolated) return true;
  return platform.children.filter((c) => c.comm === 'lamina-sandbox').every((launcher) => launcher.children.length > 0);
}

/**
 * Wait until the platform's standbys are ready (seen ready on `stable` polls in a row) or
 * `timeoutMs` has passed; returns how long it waited.
 *
 * @example await settleStandbys(lamina.pid, true)
 */
export async function settleStandbys(pid: number, isolated: boolean, { pollMs = 20, stable = 3, timeoutMs = 5000 } = {}): Promise<number> {
  const started = performance.now();
  let seen = 0;
  while (seen < stable && performance.now() - started < timeoutMs) {
    seen = standbysReady(processTree(pid), isolated) ? seen + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return performance.now() - started;
}
