/** cgroup detection and per-environment files, against fake hierarchies in a temp directory. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCgroups, vcpusFor } from '../../src/sandbox/cgroups.js';

function fakeRoot(): string {
  return mkdtempSync(join(tmpdir(), 'lamina-cgroup-'));
}

describe('vcpusFor', () => {
  it('gives 1 vCPU per 1769 MB, capped at the host cores', () => {
    expect(vcpusFor(1769, 8)).toBe(1);
    expect(vcpusFor(256, 8)).toBeCloseTo(0.1447, 3);
    expect(vcpusFor(10_240, 2)).toBe(2);
  });
});

describe('detectCgroups', () => {
  it('uses v2 when the unified hierarchy has the controllers', () => {
    const root = fakeRoot();
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    const support = detectCgroups(root, 2);
    expect(support.version).toBe(2);
    const group = support.create('p1-1', { memoryMb: 256 });
    expect(group?.procsFiles).toEqual([join(root, 'lamina', 'p1-1', 'cgroup.procs')]);
    expect(readFileSync(join(root, 'lamina', 'p1-1', 'memory.max'), 'utf8')).toBe(String(256 * 1024 * 1024));
    expect(readFileSync(join(root, 'lamina', 'p1-1', 'cpu.max'), 'utf8')).toBe('14471 100000');
    // Weight under contention proportional to memory too; the environments' parent as one process per core.
    expect(readFileSync(join(root, 'lamina', 'p1-1', 'cpu.weight'), 'utf8')).toBe('14');
    expect(readFileSync(join(root, 'lamina', 'cpu.weight'), 'utf8')).toBe('200');
    expect(readFileSync(join(root, 'lamina', 'p1-1', 'pids.max'), 'utf8')).toBe('1024');
    writeFileSync(join(root, 'lamina', 'p1-1', 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    writeFileSync(join(root, 'lamina', 'p1-1', 'memory.peak'), '1048576\n');
    expect(group?.oomKills()).toBe(1);
    expect(group?.peakMemoryBytes()).toBe(1048576);
  });

  it('uses v1 controllers when they are writable', () => {
    const root = fakeRoot();
    for (const c of ['memory', 'cpu', 'pids']) mkdirSync(join(root, c));
    const support = detectCgroups(root, 2);
    expect(support.version).toBe(1);
    const group = support.create('p1-2', { memoryMb: 3538 });
    expect(group?.procsFiles).toHaveLength(3);
    expect(readFileSync(join(root, 'memory', 'lamina', 'p1-2', 'memory.limit_in_bytes'), 'utf8')).toBe(String(3538 * 1024 * 1024));
    expect(readFileSync(join(root, 'cpu', 'lamina', 'p1-2', 'cpu.cfs_quota_us'), 'utf8')).toBe('200000');
    expect(readFileSync(join(root, 'cpu', 'lamina', 'p1-2', 'cpu.shares'), 'utf8')).toBe('2048');
    expect(readFileSync(join(root, 'cpu', 'lamina', 'cpu.shares'), 'utf8')).toBe('2048');
    expect(support.create('p1-3', { memoryMb: 128 }) !== undefined && readFileSync(join(root, 'cpu', 'lamina', 'p1-3', 'cpu.shares'), 'utf8')).toBe('74');
    expect(readFileSync(join(root, 'pids', 'lamina', 'p1-2', 'pids.max'), 'utf8')).toBe('1024');
    writeFileSync(join(root, 'memory', 'lamina', 'p1-2', 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    expect(group?.oomKills()).toBe(2);
  });

  it('removes stale groups of platforms that are gone', () => {
    const root = fakeRoot();
    for (const c of ['memory', 'cpu', 'pids']) mkdirSync(join(root, c, 'lamina', 'p999999999-4'), { recursive: true });
    mkdirSync(join(root, 'memory', 'lamina', `p${process.pid}-1`));
    detectCgroups(root, 2);
    expect(existsSync(join(root, 'memory', 'lamina', 'p999999999-4'))).toBe(false);
    expect(existsSync(join(root, 'memory', 'lamina', `p${process.pid}-1`))).toBe(true);
  });

  it('says plainly when nothing can be enforced', () => {
    const support = detectCgroups(join(fakeRoot(), 'missing'), 2);
    expect(support.version).toBeUndefined();
    expect(support.summary).toMatch(/not enforced/);
    expect(support.create('x', { memoryMb: 128 })).toBeUndefined();
  });
});
