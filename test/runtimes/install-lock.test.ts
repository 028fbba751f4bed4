/**
 * The install lock across real processes (src/runtimes/install-lock.ts): one holder at a time,
 * including when several waiters find the lock of a process that died and take it over together.
 * The children run the built module (dist/), as `lamina` itself does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/runtimes/install-lock.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lamina-lock-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const CHILD = `import { appendFileSync } from 'node:fs';
import { acquireLock } from ${JSON.stringify(join(PROJECT_ROOT, 'dist', 'src', 'runtimes', 'install-lock.js'))};
const [root, log, startAt] = process.argv.slice(2);
while (Date.now() < Number(startAt)) {} // all waiters reach the stale lock at the same moment
const lock = await acquireLock(root, 'test');
appendFileSync(log, '+' + process.pid + '\\n');
await new Promise((r) => setTimeout(r, 60));
appendFileSync(log, '-' + process.pid + '\\n');
lock.release();
`;

/** Run `count` processes that each hold the lock for 60 ms; resolves to the log of entries and exits. */
async function contend(count: number): Promise<string[]> {
  const script = join(root, 'child.mjs');
  const log = join(root, 'log');
  writeFileSync(script, CHILD);
  writeFileSync(log, '');
  const startAt = String(Date.now() + 1_500);
  const children = Array.from({ length: count }, () => spawn(process.execPath, [script, root, log, startAt], { stdio: ['ignore', 'ignore', 'inherit'] }));
  const codes = await Promise.all(children.map((child) => new Promise<number | null>((done) => child.on('close', done))));
  expect(codes).toEqual(children.map(() => 0));
  return readFileSync(log, 'utf8').trim().split('\n');
}

/** Each entry is followed by the same process's exit: nobody held the lock at the same time. */
function expectOneAtATime(lines: string[], count: number): void {
  expect(lines).toHaveLength(count * 2);
  for (let i = 0; i < lines.length; i += 2) {
    expect(lines[i]).toMatch(/^\+\d+$/);
    expect(lines[i + 1]).toBe(`-${lines[i]!.slice(1)}`);
  }
}

describe('acquireLock across processes', () => {
  it('gives the lock to one process at a time', async () => {
    expectOneAtATime(await contend(4), 4);
    expect(readdirSync(root).sort()).toEqual(['child.mjs', 'log']);
  });

  it('lets exactly one of several waiters take over the lock of a dead process at a time', async () => {
    for (let round = 0; round < 3; round += 1) {
      writeFileSync(join(root, '.lock-test'), String(deadPid()));
      expectOneAtATime(await contend(6), 6);
      // Nothing left: no lock, no break lock, no work file.
      expect(readdirSync(root).sort()).toEqual(['child.mjs', 'log']);
    }
  });

  it('removes a break lock left by a dead process, and never releases a lock it no longer holds', async () => {
    writeFileSync(join(root, '.lock-test'), String(deadPid()));
    writeFileSync(join(root, '.lock-test.break'), String(deadPid()));
    const lock = await acquireLock(root, 'test');
    expect(readFileSync(join(root, '.lock-test'), 'utf8')).toBe(String(process.pid));
    expect(readdirSync(root)).toEqual(['.lock-test']);
    // Someone replaced it (by hand, or a takeover): releasing must leave theirs alone.
    writeFileSync(join(root, '.lock-test'), String(process.ppid));
    lock.release();
    expect(readFileSync(join(root, '.lock-test'), 'utf8')).toBe(String(process.ppid));
  });

  it('reports the live holder once and times out while it holds the lock', async () => {
    writeFileSync(join(root, '.lock-test'), String(process.ppid));
    const holders: string[] = [];
    await expect(acquireLock(root, 'test', (holder) => holders.push(holder), 400)).rejects.toThrow(new RegExp(`held by pid ${process.ppid}`));
    expect(holders).toEqual([String(process.ppid)]);
  });
});
