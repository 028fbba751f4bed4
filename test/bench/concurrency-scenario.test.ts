/**
 * The concurrency ramp's readings (bench/scenarios/concurrency-probes.ts) against files laid out
 * as /proc and the cgroup hierarchies lay them out, and the ratio its target reports.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coldStartsIn, processCpuUs, throttling } from '../../bench/scenarios/concurrency-probes.js';
import { runScenarios } from '../../bench/harness/runner.js';
import { collapseRatio, concurrencyScenario, rampLevels } from '../../bench/scenarios/concurrency.js';
import type { BenchOptions } from '../../bench/scenarios/scenario.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-ramp-'));
  dirs.push(dir);
  return dir;
}

describe('processCpuUs', () => {
  it('reads utime + stime after the command name, even one with spaces and parentheses', () => {
    const proc = scratch();
    mkdirSync(join(proc, '42'));
    // Fields 14 and 15 (utime 250, stime 50 ticks) after a hostile comm "a) b (c".
    writeFileSync(join(proc, '42', 'stat'), '42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 1000 0 0\n');
    expect(processCpuUs(42, proc)).toBe(3_000_000);
  });

  it('is 0 for a process that is gone', () => {
    expect(processCpuUs(999_999_999, scratch())).toBe(0);
  });

  it('reads this process from the real /proc as more than nothing', () => {
    let x = 0;
    for (let i = 0; i < 5e6; i += 1) x += i % 3;
    expect(x).toBeGreaterThan(0);
    expect(processCpuUs(process.pid)).toBeGreaterThan(0);
  });
});

describe('throttling', () => {
  it('sums cgroup v1 cpu.stat of one platform\'s environments only, throttled_time in ns', () => {
    const root = scratch();
    const stat = (dir: string, text: string): void => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.stat'), text);
    };
    stat(join(root, 'cpu', 'lamina', 'p7-env1'), 'nr_periods 10\nnr_throttled 2\nthrottled_time 3000000\n');
    stat(join(root, 'cpu', 'lamina', 'p7-env2'), 'nr_periods 5\nnr_throttled 1\nthrottled_time 1000000\n');
    stat(join(root, 'cpu', 'lamina', 'p77-env1'), 'nr_periods 100\nnr_throttled 100\nthrottled_time 9000000000\n');
    expect(throttling(7, root)).toEqual({ periods: 15, throttled: 3, throttledMs: 4, groups: 2 });
  });

  it('reads cgroup v2 throttled_usec', () => {
    const root = scratch();
    mkdirSync(join(root, 'lamina', 'p9-a'), { recursive: true });
    writeFileSync(join(root, 'lamina', 'p9-a', 'cpu.stat'), 'usage_usec 5\nnr_periods 4\nnr_throttled 1\nthrottled_usec 2500\n');
    expect(throttling(9, root)).toEqual({ periods: 4, throttled: 1, throttledMs: 2.5, groups: 1 });
  });

  it('is undefined without any environment cgroup (no limits)', () => {
    expect(throttling(7, scratch())).toBeUndefined();
  });
});

describe('coldStartsIn', () => {
  it('sums the Init Duration counts of every function and version, and nothing else', () => {
    const text = [
      '# TYPE lambda_init_duration_seconds summary',
      'lambda_init_duration_seconds_count{function_name="A",executed_version="$LATEST"} 3',
      'lambda_init_duration_seconds_sum{function_name="A",executed_version="$LATEST"} 0.3',
      'lambda_init_duration_seconds_count{function_name="B",executed_version="1"} 4',
      'lambda_duration_seconds_count{function_name="A"} 99',
      '# lambda_init_duration_seconds_count{function_name="C"} 50',
    ].join('\n');
    expect(coldStartsIn(text)).toBe(7);
    expect(coldStartsIn('')).toBe(0);
  });
});

describe('collapseRatio', () => {
  it('reads the last level within the limit against the best level within it', () => {
    const levels = [
      { callers: 4, perSecond: 1300 },
      { callers: 64, perSecond: 900 },
      { callers: 100, perSecond: 440 },
      { callers: 101, perSecond: 2000 },
    ];
    const ratio = collapseRatio(levels, 100);
    expect(ratio?.at).toBe(100);
    expect(ratio?.peakAt).toBe(4);
    expect(ratio?.ratio).toBeCloseTo(440 / 1300, 6);
  });

  it('is 1 when the last level is the peak, and undefined with no level within the limit', () => {
    expect(collapseRatio([{ callers: 1, perSecond: 10 }, { callers: 2, perSecond: 20 }], 100)?.ratio).toBe(1);
    expect(collapseRatio([{ callers: 200, perSecond: 10 }], 100)).toBeUndefined();
  });

  it('the default ramp (128 environments, limit 100) includes 100 callers', () => {
    expect(rampLevels(128, 100)).toContain(100);
  });
});

describe('the ramp on a real lamina serve (quick)', () => {
  it('measures each level once warm: no environment starts inside the window, CPU per invoke measured, the target reported', async () => {
    const options: BenchOptions = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 3, peers: false };
    const outcome = await runScenarios({ scenarios: [concurrencyScenario], options, outDir: undefined, commandFor: () => 'test', progressSink: { isTTY: false, write: () => undefined }, date: '2026-01-01' });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const result = outcome.results[0];
    const table = result?.tables[0];
    const column = (name: string): number => table?.columns.indexOf(name) ?? -1;
    expect(table?.rows.map((r) => r[0])).toEqual([1, 2, 3]);
    for (const row of table?.rows ?? []) {
      expect(String(row[column('started while warming / in the window')])).toMatch(/^\d+ \/ 0$/);
      expect(Number(row[column('lamina serve CPU per invoke (µs)')])).toBeGreaterThan(0);
    }
    const target = result?.targets.find((t) => t.what.startsWith('throughput at 3 callers / ramp peak'));
    expect(target?.goal).toBe('>= 0.8');
    expect(target?.ratio).toBeGreaterThan(0);
    expect(target?.ratio).toBeLessThanOrEqual(1);
  }, 120_000);
});
