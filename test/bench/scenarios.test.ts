/**
 * Scenario wiring: the floor relay, and whole scenarios run through the harness on small sample
 * counts (`--quick`), producing tables, targets, charts and files. No timing is checked.
 * The cold scenario's container row needs a container engine able to run containers (podman and
 * runc, installed by `.ci/run`); without one the row must be skipped with the engine's reason,
 * and the container-only test prints that reason and skips.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/config/sam-template.js';
import { startFloor } from '../../bench/floor/floor-process.js';
import { createWorkspace } from '../../bench/harness/bench-functions.js';
import { probeContainerEngine } from '../../bench/harness/container-image.js';
import { callerPool, invoke, jsonPayload } from '../../bench/harness/invoke-client.js';
import { runScenarios } from '../../bench/harness/runner.js';
import { CONTAINER_ROW, coldScenario, containerOverProcess, type Sample } from '../../bench/scenarios/cold.js';
import { concurrencyScenario } from '../../bench/scenarios/concurrency.js';
import { warmScenario } from '../../bench/scenarios/warm.js';
import type { BenchOptions } from '../../bench/scenarios/scenario.js';

const out = mkdtempSync(join(tmpdir(), 'lamina-bench-results-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const quick: BenchOptions = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 2, peers: false };
const silent = { isTTY: false, write: () => undefined };
const engine = await probeContainerEngine();
if (engine.reason !== undefined) console.warn(`[bench scenarios] container row skipped: ${engine.reason}`);

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
    const table = cold?.tables[0];
    const containerRow = table?.rows.find((r) => r[0] === CONTAINER_ROW.label);
    if (engine.reason === undefined) {
      // The same columns as the other rows, every figure measured, and the comparison with the process row.
      expect(containerRow?.length).toBe(table?.columns.length);
      expect(containerRow?.slice(1).every((cell) => cell !== '' && !String(cell).includes('NaN'))).toBe(true);
      expect(cold?.targets.some((t) => t.what.includes(`${CONTAINER_ROW.label} caller time - lamina RIC (process) caller time`) && Number.isFinite(t.ratio))).toBe(true);
    } else {
      expect(containerRow).toBeUndefined();
      expect(cold?.skipped).toContain(`${CONTAINER_ROW.label} skipped: ${engine.reason}`);
    }
    expect(concurrency?.tables[0]?.rows.map((r) => r[0])).toEqual([1, 2]);
    expect(readdirSync(out).sort()).toEqual(
      ['2026-01-01-cold-by-runtime.svg', '2026-01-01-cold.json', '2026-01-01-cold.md', '2026-01-01-concurrency-throughput.svg', '2026-01-01-concurrency.json', '2026-01-01-concurrency.md'].sort(),
    );
  }, 120_000);

  it.skipIf(engine.reason !== undefined)('the container row: a PackageType: Image function in the generated template, paired with the process row by round', () => {
    const workspace = createWorkspace();
    try {
      const template = workspace.template([{ name: CONTAINER_ROW.functionName, runtime: 'lamina-ric', imageUri: 'lamina-bench-cold-echo:latest', memoryMb: 512 }]);
      const { functions } = loadTemplate(template, { region: 'us-east-1', accountId: '000000000000' });
      expect(functions.map((fn) => [fn.name, fn.image?.uri, fn.memorySize])).toEqual([[CONTAINER_ROW.functionName, 'lamina-bench-cold-echo:latest', 512]]);
    } finally {
      workspace.remove();
    }
    const sample = (totalMs: number): Sample => ({ totalMs, initMs: 0, invokeMs: 0, bareMs: 0 });
    const samples = new Map([['lamina-ric', [sample(50), sample(60)]], [CONTAINER_ROW.key, [sample(120), sample(100)]]]);
    expect(containerOverProcess(samples)).toEqual([70, 40]);
  });

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
