/**
 * The sqs scenario (bench/scenarios/sqs-mapping.ts) on a small sample (`--quick`: a backlog of 200,
 * 2 callers and senders, 0.5 s per side, 10 latency samples, one round): both sides measured in one lamina serve,
 * every ratio finite, no failed call. No timing is checked. And the probe log it reads: lines split
 * across reads, keys found, batches summed, and a probe that never comes named in the error.
 */
import { describe, expect, it } from 'vitest';
import { ProbeLog } from '../../bench/harness/probe-log.js';
import { targetLine } from '../../bench/harness/report-writer.js';
import { runScenarios } from '../../bench/harness/runner.js';
import { drainRate } from '../../bench/harness/sqs-load.js';
import { sqsMappingScenario } from '../../bench/scenarios/sqs-mapping.js';
import type { BenchOptions } from '../../bench/scenarios/scenario.js';

const quick: BenchOptions = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 2, peers: false };
const silent = { isTTY: false, write: () => undefined };

describe('ProbeLog', () => {
  it('parses lines as they arrive, a partial line only once it is complete', async () => {
    let out = '[Noop] PROBE 1000.500 s1 0\n[Noop] PROBE 1001.250 m5 10\n[Noop] PRO';
    const log = new ProbeLog(() => out);
    expect(log.read().map((l) => [l.at, l.key, l.records])).toEqual([[1000.5, 's1', 0], [1001.25, 'm5', 10]]);
    const mark = log.mark();
    out += 'BE 1002.000 m15 7\nnoise PROBE x\n';
    expect((await log.waitFor('m15')).at).toBe(1002);
    expect((await log.waitForRecords(mark, 7, 100)).map((l) => l.key)).toEqual(['m15']);
    await expect(log.waitForRecords(0, 18, 20)).rejects.toThrow(/only 17 of 18 SQS records reached the function/);
    await expect(log.waitFor('never', 20)).rejects.toThrow(/no handler start for probe never within 0.02 s/);
  });

  it('rates a drained backlog from the first batch\'s handler start to the last\'s, the first batch left out', () => {
    // 30 records after the first batch, over 200 ms: 150 messages/s, whatever the order read.
    expect(drainRate([{ at: 1200, key: 'c', records: 10 }, { at: 1000, key: 'a', records: 10 }, { at: 1100, key: 'b', records: 10 }, { at: 1150, key: 'd', records: 10 }])).toEqual({ perSecond: 150, batches: 4, spanMs: 200 });
    expect(drainRate([{ at: 1000, key: 'a', records: 10 }]).perSecond).toBeNaN();
    expect(drainRate([]).batches).toBe(0);
  });

  it('says a figure without a goal is recorded, not unmeasured', () => {
    expect(targetLine({ what: 'x', ratio: 1.5, goal: 'none set' })).toBe('x: 1.50 (goal none set: recorded)');
    expect(targetLine({ what: 'x', ratio: Number.NaN, goal: 'none set' })).toBe('x: - (goal none set: not measured)');
    expect(targetLine({ what: 'x', ratio: 0.5, goal: '>= 0.8' })).toBe('x: 0.50 (goal >= 0.8: missed)');
  });
});

describe('sqs scenario', () => {
  it('measures the mapping and synchronous invokes in the same serve on a small sample', async () => {
    const outcome = await runScenarios({ scenarios: [sqsMappingScenario], options: quick, outDir: undefined, commandFor: () => 'npm run bench -- sqs --quick', progressSink: silent });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const result = outcome.results[0];
    const [summary, perRound] = result?.tables ?? [];
    expect(summary?.rows.map((r) => r[0])).toEqual([2]);
    for (const row of summary?.rows ?? []) expect(row.join(' ')).not.toMatch(/NaN|Infinity| - /);
    expect(perRound?.rows.map((r) => r[0])).toEqual([1]);
    expect(perRound?.rows[0]?.at(-1)).toBe('0 / 0');
    // Every batch the mapping made held messages of the window; at most 10 each.
    const meanBatch = Number(perRound?.rows[0]?.[perRound.columns.indexOf('B mean batch')]);
    expect(meanBatch).toBeGreaterThan(0);
    expect(meanBatch).toBeLessThanOrEqual(10);
    // The backlog was drained in batches (200 messages: at least 20 invokes).
    expect(Number(perRound?.rows[0]?.[perRound.columns.indexOf('backlog batches')])).toBeGreaterThanOrEqual(20);
    expect(result?.targets.map((t) => Number.isFinite(t.ratio) && t.ratio > 0)).toEqual([true, true, true, true]);
  }, 120_000);
});
