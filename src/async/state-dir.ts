/**
 * The state directory: where the durable event queue (and the embedded services) keep their files
 * (docs/async-invocation.md). One `lamina serve` at a time owns it, through a lock file holding its
 * pid: two servers draining the same queue would run every event twice.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

const LOCK_FILE = 'serve.lock';

/**
 * The default state directory of a template: under the user's cache (`$XDG_CACHE_HOME` or
 * `~/.cache`), one folder per template path, so two projects never share a queue.
 *
 * @example
 * defaultStateDir('/src/app/template.yaml'); // '/root/.cache/lamina/state/template-1b2c3d4e5f60'
 */
export function defaultStateDir(templatePath: string, env: NodeJS.ProcessEnv = process.env): string {
  const absolute = resolve(templatePath);
  const cache = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  const stem = basename(absolute).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '_');
  const hash = createHash('sha256').update(absolute).digest('hex').slice(0, 12);
  return join(cache, 'lamina', 'state', `${stem}-${hash}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `mkdir -p`, one level at a time. Node 20's own `mkdirSync(path, { recursive: true })` never
 * returns when the kernel answers ENOENT for a parent that exists (any path under /proc): it
 * creates the parent again and again. Here every error is final.
 */
function makeDirectories(path: string): void {
  if (existsSync(path)) return;
  const parent = dirname(path);
  if (parent !== path) makeDirectories(parent);
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    // Another process may have made it meanwhile.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** The pid in a lock file, when it names a live process other than this one. */
function liveHolder(text: string): number | undefined {
  // Only a whole positive pid counts: `kill(0)` and `kill(-1)` reach process groups and always
  // succeed, and parseInt would read `1e9` as init's pid 1.
  const trimmed = text.trim();
  const holder = /^[1-9][0-9]{0,9}$/.test(trimmed) ? Number(trimmed) : undefined;
  return holder !== undefined && holder !== process.pid && alive(holder) ? holder : undefined;
}

/**
 * Creates the lock file atomically (of two processes starting at once, exactly one creates it). A lock left by a dead process is removed and the exclusive create tried again; two
 * processes removing the same stale lock at the same moment is the one race left (docs/async-invocation.md).
 */
function takeLock(path: string, lock: string): void {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    // The pid is written to a file of our own first and then hard-linked as the lock: link() fails
    // when the lock exists, and a lock that exists is always complete (an exclusive create would
    // let another process read it empty, between the create and the write, and call it stale).
    const mine = `${lock}.${process.pid}`;
    try {
      writeFileSync(mine, `${process.pid}\n`, { mode: 0o600 });
      linkSync(mine, lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(`State directory ${path} is not writable: ${(error as Error).message} (choose another with --state-dir)`);
      }
    } finally {
      rmSync(mine, { force: true });
    }
    let text: string;
    try {
      text = readFileSync(lock, 'utf8');
    } catch (error) {
      // Removed between our create and our read: try the create again.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError(`State directory ${path} is not writable: its lock ${lock}: ${(error as Error).message} (choose another with --state-dir)`);
    }
    if (text.trim() === String(process.pid)) return;
    const holder = liveHolder(text);
    if (holder !== undefined) {
      throw new ConfigError(`State directory ${path} is in use by another Lamina (pid ${holder}); stop it or give another --state-dir`);
    }
    rmSync(lock, { force: true });
  }
  throw new ConfigError(`State directory ${path}: could not take its lock ${lock} (another Lamina is starting at the same moment?)`);
}

/** A state directory this process owns until `release()`. */
export interface OwnedStateDir {
  readonly path: string;
  release(): void;
}

/**
 * Create the directory when missing, check that it is writable, and take its lock.
 *
 * @throws ConfigError when it cannot be created or written, or another live process holds it.
 * @example
 * const state = claimStateDir(defaultStateDir('template.yaml'));
 * // ... state.release() at exit
 */
export function claimStateDir(dir: string): OwnedStateDir {
  const path = resolve(dir);
  try {
    makeDirectories(path);
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new ConfigError(`State directory ${path} is not usable: ${(error as Error).message} (choose another with --state-dir)`);
  }
  const lock = join(path, LOCK_FILE);
  takeLock(path, lock);
  return {
    path,
    release: () => {
      try {
        if (Number.parseInt(readFileSync(lock, 'utf8'), 10) === process.pid) rmSync(lock, { force: true });
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}
