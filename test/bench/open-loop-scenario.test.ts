/**
 * The open-loop scenario end to end at `--quick` sizes: the floor relay and lamina serve with the
 * same runtime loop, each at fixed rates below the smaller closed-loop peak. No timing is checked.
 */
import { describe, expect, it } from 'vitest';
import { runScenarios } from '../../bench/harness/runner.js';
import { offeredRates, openLoopScenario } from '../../bench/scenarios/open-loop.js';
import { scenarioNamed } from '../../bench/scenarios/index.js';

const silent = { isTTY: false, write: () => true };

describe('open-loop scenario', () => {
  it('offers whole rates below the peak, once each, in order', () => {
    expect(offeredRates(1000, [0.5, 0.25, 0.9])).toEqual([250, 500, 900]);
    expect(offeredRates(3, [0.1, 0.2])).toEqual([1]);
    expect(offeredRates(Number.NaN, [0.5])).toEqual([]);
  });

  it('is registered and measures both sides at every offered rate', async () => {
    expect(scenarioNamed('open-loop')).toBe(openLoopScenario);
    const options = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 8, peers: false };
    const outcome = await runScenarios({ scenarios: [openLoopScenario], options, outDir: undefined, commandFor: () => 'npm run bench -- open-loop --quick', progressSink: silent });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const result = outcome.results[0];
    const raw = result?.raw as { rates: number[]; latency: Record<string, { summary: { count: number } }> };
    expect(raw.rates.length).toBeGreaterThan(0);
    const rows = result?.tables[0]?.rows ?? [];
    expect(rows.map((r) => r[1])).toEqual(raw.rates.flatMap((rate) => [rate, rate]));
    expect(rows.map((r) => String(r[0]).replace(/, \d+ % of peak$/, ''))).toEqual(raw.rates.flatMap(() => ['floor: relay + smallest runtime loop', 'lamina serve + the same runtime loop']));
    expect(new Set(rows.map((r) => r[0])).size).toBe(rows.length); // one name per row: --compare matches rows by it
    for (const row of result?.tables[0]?.rows ?? []) expect(row.slice(2).every((cell) => cell !== '-' && !String(cell).includes('NaN'))).toBe(true);
    expect(Object.values(raw.latency).every((l) => l.summary.count > 0)).toBe(true);
    expect(result?.targets).toHaveLength(raw.rates.length * 2);
    expect(result?.targets.every((t) => Number.isFinite(t.ratio) && t.goal === '(recorded)')).toBe(true);
    expect(result?.charts.map((c) => c.name)).toEqual(['latency']);
  }, 120_000);
});
