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
