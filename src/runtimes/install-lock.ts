/**
 * One install of a major at a time across processes: a lock file created exclusively
 * (`O_CREAT|O_EXCL`) holding the installer's pid. A second process waits for it to go away, then
 * finds the runtime in the cache. A lock whose process is gone is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from './runtime-cache.js';

/** How often a waiting process looks at the lock. */
const POLL_MS = 150;
/** A lock file still empty after this long was left by a process that died while creating it. */
const EMPTY_LOCK_GRACE_MS = 5_000;

export interface HeldLock {
  release(): void;
}

function stale(path: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return false; // gone already: the next attempt creates it
  }
  if (text === '') {
    const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    return age > EMPTY_LOCK_GRACE_MS;
  }
  return !processAlive(Number(text));
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
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return { release: () => rmSync(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (stale(path)) {
      rmSync(path, { force: true });
      continue;
    }
    if (!told) {
      told = true;
      let holder = '';
      try {
        holder = readFileSync(path, 'utf8').trim();
      } catch {
        // released meanwhile
      }
      onWait?.(holder);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path} (held by another install); remove it if no lamina process is installing`);
    await sleep(POLL_MS);
  }
}
