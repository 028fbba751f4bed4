/**
 * One install (or prune) of a major at a time across processes: a lock file holding the holder's
 * pid. A second process waits for it to go away, then finds the runtime in the cache. A lock whose
 * process is gone is taken over (docs/runtimes.md, "One download for concurrent starts").
 *
 * The lock file is written to a private work file first and then hard-linked into place
 * (`link(2)` fails with EEXIST when the name exists), so nobody ever sees an empty lock.
 *
 * Taking over a dead holder's lock is check-then-remove, which two waiters could interleave: both
 * read the dead pid, one removes the lock and creates its own, the other then removes that live
 * lock too. So removal happens only under a second, short-lived lock (`<lock>.break`, created the
 * same way), after reading the lock again: only one waiter at a time can remove, and it removes
 * only a lock that still names a dead process. The break lock is held for a few synchronous system
 * calls; one left by a process that died inside them is removed when its pid is gone.
 */
import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from './runtime-cache.js';

/** How often a waiting process looks at the lock. */
const POLL_MS = 150;

export interface HeldLock {
  release(): void;
}

/** The pid in a lock file; undefined when there is no lock (or it vanished while being read). */
function holderOf(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Create `path` holding this pid, atomically; false when it exists. */
function createExclusive(path: string): boolean {
  const work = `${path}.${process.pid}.tmp`;
  writeFileSync(work, String(process.pid), { mode: 0o644 });
  try {
    linkSync(work, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(work, { force: true });
  }
}

function deadHolder(holder: string | undefined): boolean {
  return holder !== undefined && !processAlive(Number(holder));
}

/**
 * Remove `path` when its holder is dead, unless another waiter is doing just that. False when
 * that other waiter is (the caller then waits a poll interval instead of spinning).
 */
function breakStale(path: string): boolean {
  const breaker = `${path}.break`;
  if (!createExclusive(breaker)) {
    // Held for microseconds by a live waiter; a dead one's is left over and in the way.
    if (deadHolder(holderOf(breaker))) rmSync(breaker, { force: true });
    return false;
  }
  try {
    // Read again under the break lock: another waiter may have replaced the dead holder's lock.
    if (deadHolder(holderOf(path))) unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  } finally {
    rmSync(breaker, { force: true });
  }
  return true;
}

/**
 * Take the lock for `name` under `root`, waiting while another live process holds it.
 *
 * @param onWait - called once when the lock is busy (to say that another process is installing).
 * @example
 * const lock = await acquireLock(root, 'node24'); try { ... } finally { lock.release(); }
 */
export async function acquireLock(root: string, name: string, onWait?: (holder: string) => void, timeoutMs = 30 * 60_000): Promise<HeldLock> {
  const path = join(root, `.lock-${name}`);
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    if (createExclusive(path)) {
      // Remove it only while it is still ours: a release must never remove another holder's lock.
      return { release: () => (holderOf(path) === String(process.pid) ? rmSync(path, { force: true }) : undefined) };
    }
    const holder = holderOf(path);
    if (holder === undefined) continue; // released meanwhile
    const dead = deadHolder(holder);
    if (dead && breakStale(path)) continue;
    if (!told && !dead) {
      told = true;
      onWait?.(holder);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path} (held by pid ${holder}); remove it if no lamina process is installing`);
    await sleep(POLL_MS);
  }
}
