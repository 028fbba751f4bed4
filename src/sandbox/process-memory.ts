/**
 * Peak resident memory of a process tree, read from /proc (Linux). REPORT's Max Memory Used is
 * the environment's peak, so VmHWM (the high-water mark of RSS) of each live process in the tree
 * is summed. Processes that already exited are not counted; the cgroup peak (issue 4) will be
 * exact where cgroups are available.
 */
import { readFileSync } from 'node:fs';

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

function highWaterKb(pid: number): number {
  const status = readOrEmpty(`/proc/${pid}/status`);
  const at = status.indexOf('VmHWM:');
  if (at < 0) return 0;
  return Number.parseInt(status.slice(at + 6).trimStart(), 10) || 0;
}

function childrenOf(pid: number): number[] {
  // `children` lists the children of each thread; the main thread has the same id as the process.
  const text = readOrEmpty(`/proc/${pid}/task/${pid}/children`).trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

/**
 * Sum of VmHWM over `rootPid` and its live descendants, in MB (rounded up).
 *
 * @example treePeakMemoryMb(child.pid!) // 57
 */
export function treePeakMemoryMb(rootPid: number): number {
  let totalKb = 0;
  const pending = [rootPid];
  // Bounded: a fork bomb must not turn a REPORT line into an unbounded walk.
  for (let seen = 0; pending.length > 0 && seen < 4096; seen += 1) {
    const pid = pending.pop() as number;
    totalKb += highWaterKb(pid);
    for (const child of childrenOf(pid)) pending.push(child);
  }
  return Math.ceil(totalKb / 1024);
}
