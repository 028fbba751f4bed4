/**
 * Scenario wiring: the floor relay, and whole scenarios run through the harness on small sample
 * counts (`--quick`), producing tables, targets, charts and files. No timing is checked.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFloor } from '../../bench/floor/floor-process.js';
import { callerPool, invoke, jsonPayload } from '../../bench/harness/invoke-client.js';
import { runScenarios } from '../../bench/harness/runner.js';
import { coldScenario } from '../../bench/scenarios/cold.js';
import { concurrencyScenario } from '../../bench/scenarios/concurrency.js';
import { warmScenario } from '../../bench/scenarios/warm.js';
import type { BenchOptions } from '../../bench/scenarios/scenario.js';

const out = mkdtempSync(join(tmpdir(), 'lamina-bench-results-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const quick: BenchOptions = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 2, peers: false };
const silent = { isTTY: false, write: () => undefined };

describe('floor relay', () => {
  it('hands each payload to a waiting runtime loop and its answer back', async () => {
    const floor = await startFloor(2);
    const pool = callerPool(floor.url, 2);
    try {
      const payloads = Array.from({ length: 20 }, (_, i) => jsonPayload(100 + i * 50));
      const answers = await Promise.all(payloads.map((p) => invoke(pool, 'anything', p)));
      expect(answers.map((a) => a.status)).toEqual(payloads.map(() => 200));
      expect(answers.map((a) => a.body.toString())).toEqual(payloads);
    } finally {
      await pool.close();
      await floor.stop();
    }
  });
});

describe('scenarios on small sample counts', () => {
  it('cold and concurrency produce tables, targets, charts and result files', async () => {
    const outcome = await runScenarios({ scenarios: [coldScenario, concurrencyScenario], options: quick, outDir: out, commandFor: (name) => `npm run bench -- ${name} --quick`, progressSink: silent, date: '2026-01-01' });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const [cold, concurrency] = outcome.results;
    expect(cold?.tables[0]?.rows.map((r) => r[0])).toContain('Node.js: lamina RIC (nodejs20.x)');
    expect(cold?.targets.some((t) => t.what.includes('platform overhead'))).toBe(true);
    expect(cold?.skipped.some((s) => s.startsWith('container image: not yet'))).toBe(true);
    expect(concurrency?.tables[0]?.rows.map((r) => r[0])).toEqual([1, 2]);
    expect(readdirSync(out).sort()).toEqual(
      ['2026-01-01-cold-by-runtime.svg', '2026-01-01-cold.json', '2026-01-01-cold.md', '2026-01-01-concurrency-throughput.svg', '2026-01-01-concurrency.json', '2026-01-01-concurrency.md'].sort(),
    );
  }, 120_000);

  it('warm measures the floor, lamina with the same loop and lamina with its RIC', async () => {
    const outcome = await runScenarios({ scenarios: [warmScenario], options: quick, outDir: undefined, commandFor: () => 'npm run bench -- warm --quick', progressSink: silent });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const warm = outcome.results[0];
    const labels = warm?.tables[0]?.rows.map((r) => r[0]) ?? [];
    expect(labels.slice(0, 3)).toEqual(['floor: relay + smallest runtime loop', 'lamina serve + the same runtime loop', 'lamina serve + lamina RIC (nodejs20.x)']);
    expect(warm?.targets.map((t) => t.goal).slice(0, 2)).toEqual(['<= 1.3', '>= 0.8']);
    expect(warm?.targets.every((t) => Number.isFinite(t.ratio))).toBe(true);
    expect(warm?.charts.map((c) => c.name)).toEqual(['latency', 'throughput']);
  }, 120_000);
});
