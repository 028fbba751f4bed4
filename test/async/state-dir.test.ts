/**
 * The state directory (src/async/state-dir.ts): its default place per template, directories that
 * cannot be used (even by root, who passes every permission check), and the pid lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimStateDir, defaultStateDir } from '../../src/async/state-dir.js';
import { ConfigError } from '../../src/errors.js';

let dirs: string[] = [];
let children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children = [];
  for (const dir of dirs) {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
  dirs = [];
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-state-'));
  dirs.push(dir);
  return dir;
}

/** A live process that is not us: its pid is a lock another Lamina could hold. */
function sleeper(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  if (child.pid === undefined) throw new Error('sleep did not start');
  return child.pid;
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn('true', [], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  if (child.pid === undefined) throw new Error('true did not start');
  return child.pid;
}

function claimError(dir: string): ConfigError {
  try {
    claimStateDir(dir).release();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`claimStateDir(${dir}) did not throw`);
}

describe('defaultStateDir', () => {
  it('lives under $XDG_CACHE_HOME when set, one folder per template path', () => {
    const a = defaultStateDir('/src/one/template.yaml', { XDG_CACHE_HOME: '/cache' });
    const b = defaultStateDir('/src/two/template.yaml', { XDG_CACHE_HOME: '/cache' });
    expect(a).toMatch(/^\/cache\/lamina\/state\/template-[0-9a-f]{12}$/);
    expect(b).toMatch(/^\/cache\/lamina\/state\/template-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  it('falls back to ~/.cache when XDG_CACHE_HOME is unset or empty', () => {
    for (const env of [{}, { XDG_CACHE_HOME: '' }]) {
      expect(defaultStateDir('/src/app/template.yaml', env).startsWith(join(homedir(), '.cache', 'lamina', 'state', 'template-'))).toBe(true);
    }
  });

  it('names the same template the same way, relative or absolute', () => {
    const env = { XDG_CACHE_HOME: '/cache' };
    expect(defaultStateDir('examples/template.yaml', env)).toBe(defaultStateDir(resolve('examples/template.yaml'), env));
    expect(defaultStateDir('/a/template.yaml', env)).toBe(defaultStateDir('/a/b/../template.yaml', env));
  });

  it('keeps only safe characters of the template name in the folder name', () => {
    const dir = defaultStateDir('/src/my app/../$(rm -rf)/tem plate.v2.yaml', { XDG_CACHE_HOME: '/cache' });
    const leaf = dir.slice('/cache/lamina/state/'.length);
    expect(leaf).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(leaf.startsWith('tem_plate_v2-')).toBe(true);
  });
});

describe('claimStateDir: directories that cannot be used', () => {
  it('creates a missing directory (and its parents), owned by us only', () => {
    const dir = join(scratch(), 'a', 'b', 'state');
    const state = claimStateDir(dir);
    expect(existsSync(dir)).toBe(true);
    expect(readFileSync(join(dir, 'serve.lock'), 'utf8')).toBe(`${process.pid}\n`);
    state.release();
  });

  it('refuses a path under a regular file (fails for root too)', () => {
    const file = join(scratch(), 'plain-file');
    writeFileSync(file, 'not a directory');
    const error = claimError(join(file, 'state'));
    expect(error.message).toContain(join(file, 'state'));
    expect(error.message).toContain('--state-dir');
    expect(readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it('refuses a regular file given as the directory', () => {
    const file = join(scratch(), 'plain-file');
    writeFileSync(file, 'x');
    expect(claimError(file).message).toMatch(/not usable/);
  });

  it('refuses a directory under /proc, where nobody can create files, without hanging', () => {
    // Node's recursive mkdirSync loops for ever on /proc's ENOENT.
    expect(claimError('/proc/lamina-state-test/state').message).toMatch(/not usable: ENOENT/);
  });

  it('refuses a directory under read-only /sys', () => {
    expect(claimError('/sys/lamina-state-test').message).toMatch(/not usable/);
  });

  it('refuses a directory whose lock cannot be written (the lock path is a directory)', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'serve.lock'));
    expect(claimError(dir).message).toMatch(/is not writable: .*EISDIR.*--state-dir/);
  });

  it.skipIf(process.getuid?.() === 0)('refuses a read-only directory (not for root, whom permissions do not stop)', () => {
    const dir = scratch();
    chmodSync(dir, 0o500);
    expect(claimError(dir).message).toMatch(/not usable/);
  });
});

describe('claimStateDir: the lock', () => {
  it('refuses a directory locked by another live process, naming its pid, and leaves the lock alone', () => {
    const dir = scratch();
    const pid = sleeper();
    writeFileSync(join(dir, 'serve.lock'), `${pid}\n`);
    const error = claimError(dir);
    expect(error.message).toContain(`in use by another Lamina (pid ${pid})`);
    expect(error.message).toContain('--state-dir');
    expect(readFileSync(join(dir, 'serve.lock'), 'utf8')).toBe(`${pid}\n`);
  });

  it('takes over the lock of a process that is gone', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'serve.lock'), `${await deadPid()}\n`);
    const state = claimStateDir(dir);
    expect(readFileSync(join(dir, 'serve.lock'), 'utf8')).toBe(`${process.pid}\n`);
    state.release();
    expect(existsSync(join(dir, 'serve.lock'))).toBe(false);
  });

  it.each(['', 'garbage', '0', '-1', '-9999999', '1e9', '99999999999999999999'])('takes over a lock file holding %j (no live pid)', (content) => {
    const dir = scratch();
    writeFileSync(join(dir, 'serve.lock'), content);
    const state = claimStateDir(dir);
    expect(readFileSync(join(dir, 'serve.lock'), 'utf8')).toBe(`${process.pid}\n`);
    state.release();
  });

  it.each([1, 2, 3, 4])('of processes claiming a free directory at the same moment, exactly one gets it (round %i)', async () => {
    const dir = scratch();
    const module = resolve('dist/src/async/state-dir.js');
    // Each child waits for a shared start time, claims, and holds what it got.
    const start = Date.now() + 400;
    const script = `import(${JSON.stringify(module)}).then(async (m) => {
      while (Date.now() < ${start}) {}
      let out = 'won';
      try { m.claimStateDir(${JSON.stringify(dir)}); } catch (e) { out = /in use by another Lamina|could not take its lock/.test(e.message) ? 'refused' : 'error ' + e.message; }
      process.stdout.write(out);
      setInterval(() => {}, 1000);
    });`;
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => new Promise<string>((done) => {
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      let text = '';
      // Every child stays alive (a winner that exited would leave a stale lock a late child may
      // rightly take over) until all have answered; afterEach kills them.
      child.stdout.on('data', (chunk: Buffer) => { text += chunk.toString(); done(text); });
      child.on('exit', () => done(text));
    })));
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(5);
  });

  it('release removes our own lock only: one another process wrote meanwhile stays', () => {
    const dir = scratch();
    const state = claimStateDir(dir);
    const pid = sleeper();
    writeFileSync(join(dir, 'serve.lock'), `${pid}\n`);
    state.release();
    expect(readFileSync(join(dir, 'serve.lock'), 'utf8')).toBe(`${pid}\n`);
  });

  it('release is harmless when the lock is already gone, and twice', () => {
    const dir = scratch();
    const state = claimStateDir(dir);
    rmSync(join(dir, 'serve.lock'));
    expect(() => state.release()).not.toThrow();
    expect(() => state.release()).not.toThrow();
    expect(existsSync(dir)).toBe(true);
  });

  it('a second claim by the same process is allowed (its own pid is not another Lamina)', () => {
    const dir = scratch();
    const first = claimStateDir(dir);
    const second = claimStateDir(dir);
    second.release();
    expect(existsSync(join(dir, 'serve.lock'))).toBe(false);
    first.release();
  });
});
