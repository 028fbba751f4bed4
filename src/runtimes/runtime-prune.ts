/**
 * `lamina runtimes prune`: remove old Node.js versions from the runtime cache without pulling one
 * from under a process that runs on it (docs/runtimes.md, "Pruning").
 *
 * Each major is pruned under its install lock, so a prune never races an install of that major.
 * A version whose `bin/node` is the executable of a live process (Linux: `/proc/<pid>/exe`) is
 * kept and reported: a `lamina serve` started before an update still runs on the older version.
 */
import { readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from './install-lock.js';
import { cleanIncomplete, listInstalled, runtimesRoot, type InstalledNode } from './runtime-cache.js';

export interface PruneResult {
  readonly removed: InstalledNode[];
  /** Versions that would have been removed but are running, with the pids running them. */
  readonly inUse: Array<{ node: InstalledNode; pids: number[] }>;
}

export interface PruneOptions {
  /** Called when an install of `major` holds its lock (the prune waits for it). */
  readonly onWait?: (major: number, holderPid: string) => void;
  /** Where process information lives (tests point it elsewhere); `/proc`. */
  readonly procDir?: string;
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The pids running each interpreter path in `paths` (compared after resolving symlinks). Processes
 * whose executable cannot be read (another user's, without privileges) are not seen.
 *
 * @example processesRunning(['/root/.cache/lamina/runtimes/node-v22.23.5/bin/node']) // Map { '/root/...' => [4242] }
 */
export function processesRunning(paths: readonly string[], procDir = '/proc'): Map<string, number[]> {
  const wanted = new Map(paths.map((path) => [realOrSelf(path), path]));
  const running = new Map<string, number[]>();
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return running; // no /proc: nothing can be checked
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let exe: string;
    try {
      exe = readlinkSync(join(procDir, entry, 'exe'));
    } catch {
      continue; // gone, or not ours to read
    }
    const path = wanted.get(exe);
    if (path !== undefined) running.set(path, [...(running.get(path) ?? []), Number(entry)]);
  }
  return running;
}

/**
 * Keep the `keep` newest versions of each major (default 1; 0 removes every runtime that is not
 * running), each major under its install lock.
 *
 * @example const { removed, inUse } = await pruneRuntimes(); // removes node-v22.9.0 when node-v22.23.5 is there
 */
export async function pruneRuntimes(root: string = runtimesRoot(), keep = 1, options: PruneOptions = {}): Promise<PruneResult> {
  const removed: InstalledNode[] = [];
  const inUse: PruneResult['inUse'] = [];
  const majors = [...new Set(listInstalled(root).map((node) => node.major))];
  for (const major of majors) {
    const lock = await acquireLock(root, `node${major}`, (holder) => options.onWait?.(major, holder));
    try {
      // Read again under the lock: the install that held it may have added a version.
      const old = listInstalled(root).filter((node) => node.major === major).slice(keep);
      const running = processesRunning(old.map((node) => node.path), options.procDir);
      for (const node of old) {
        const pids = running.get(node.path);
        if (pids !== undefined) {
          inUse.push({ node, pids });
          continue;
        }
        rmSync(node.dir, { recursive: true, force: true });
        removed.push(node);
      }
    } finally {
      lock.release();
    }
  }
  cleanIncomplete(root);
  return { removed, inUse };
}
