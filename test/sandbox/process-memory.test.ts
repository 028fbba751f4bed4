/**
 * Max Memory Used of a process tree (src/sandbox/process-memory.ts): the uncounted top levels
 * (an isolated environment's launcher and namespace init) are walked for their children but add
 * nothing; the levels below are summed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessTreeMemory } from '../../src/sandbox/process-memory.js';

let parent: ChildProcess;

beforeAll(async () => {
  // A node process (tens of MB resident) whose only child is a `sleep` (about 1 MB).
  parent = spawn(process.execPath, ['-e', "require('node:child_process').spawn('sleep', ['60'], { stdio: 'ignore' }); setInterval(() => undefined, 1000); console.log('ready')"], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => parent.stdout?.once('data', () => resolve()));
});

afterAll(() => {
  parent.kill('SIGKILL');
});

describe('ProcessTreeMemory', () => {
  it('sums the whole tree when every level counts', () => {
    const memory = new ProcessTreeMemory(parent.pid as number, 0);
    expect(memory.peakMb()).toBeGreaterThanOrEqual(20);
    memory.close();
  });

  it('walks through an uncounted level to its children without counting it', () => {
    const memory = new ProcessTreeMemory(parent.pid as number, 1);
    const peak = memory.peakMb();
    // The sleep alone: found through the node parent's children file, its VmHWM only.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(10);
    memory.close();
  });

  it('counts nothing of a tree that is all uncounted, and nothing of a process that is gone', () => {
    const memory = new ProcessTreeMemory(parent.pid as number, 2);
    expect(memory.peakMb()).toBe(0);
    memory.close();
    expect(new ProcessTreeMemory(2 ** 30, 0).peakMb()).toBe(0);
  });
});

describe('ProcessTreeMemory with fixed root children (the isolated launcher)', () => {
  it('reads the root children once, and again only when one of them is gone', async () => {
    // A root whose first child is a `sleep`; on SIGUSR2 it starts a node child holding 60 MB.
    const script = [
      "const { spawn } = require('node:child_process');",
      "const first = spawn('sleep', ['60'], { stdio: 'ignore' });",
      "process.on('SIGUSR2', () => { spawn(process.execPath, ['-e', 'const b = Buffer.alloc(60 * 1024 * 1024, 1); setInterval(() => b[0], 1000); console.log(1)'], { stdio: ['ignore', 'inherit', 'ignore'] }); });",
      "setInterval(() => undefined, 1000); console.log(first.pid);",
    ].join('\n');
    // Its own process group, so the 60 MB grandchild goes with it at the end (it outlived the test before).
    const root = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    try {
      const lines: string[] = [];
      const line = (): Promise<string> => new Promise((resolve) => {
        const take = (): void => {
          const next = lines.shift();
          if (next !== undefined) resolve(next);
          else root.stdout?.once('data', (chunk: Buffer) => { lines.push(...chunk.toString().trim().split('\n')); take(); });
        };
        take();
      });
      const firstChild = Number(await line());
      const fixed = new ProcessTreeMemory(root.pid as number, 1, true);
      const sleepOnly = fixed.peakMb();
      expect(sleepOnly).toBeLessThan(10);
      root.kill('SIGUSR2');
      await line(); // the 60 MB child is up
      const fresh = new ProcessTreeMemory(root.pid as number, 1);
      expect(fresh.peakMb()).toBeGreaterThanOrEqual(60);
      fresh.close();
      // The root's children were read once: the new child is not seen yet.
      expect(fixed.peakMb()).toBe(sleepOnly);
      process.kill(firstChild, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 200));
      fixed.peakMb(); // the gone child makes the root's children be read again
      expect(fixed.peakMb()).toBeGreaterThanOrEqual(60);
      fixed.close();
    } finally {
      process.kill(-(root.pid as number), 'SIGKILL');
    }
  });
});
