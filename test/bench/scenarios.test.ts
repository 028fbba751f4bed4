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
import { isolationCostByRound, isolationScenario, isolationUnavailable } from '../../bench/scenarios/isolation.js';
import { processTree, standbysReady, type ProcessNode } from '../../bench/harness/standby-settle.js';
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
    const outcome = await runScenarios({ scenarios: [coldScenario, concurrencyScenario], options: quick, outDir: out, commandFor: (name) => `npm run bench -- ${name} --quick`, progressSink: silent, date: '2026-01-01', time: '120000' });
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
    // The runtime matrix: a row per runtime that ran, each with its Init Duration and memory; rows
    // whose Node or official client is missing here are skipped with the reason.
    const matrix = cold?.tables[1];
    expect(matrix?.columns.slice(0, 4)).toEqual(['Lambda runtime', 'client', 'runs on', 'Init Duration p50']);
    expect(matrix?.rows.map((r) => r[0])).toEqual(expect.arrayContaining(['nodejs20.x', 'provided.al2023']));
    for (const row of matrix?.rows ?? []) expect([row[3], row[7]].every((cell) => cell !== '-')).toBe(true);
    const ran = new Set((matrix?.rows ?? []).map((r) => `${r[0]}: ${r[1]}`));
    for (const line of cold?.skipped ?? []) expect(line).toMatch(/ skipped: .+/);
    expect(ran.has('nodejs22.x: lamina RIC') || (cold?.skipped ?? []).some((l) => l.startsWith('nodejs22.x: lamina RIC skipped: '))).toBe(true);
    expect(concurrency?.tables[0]?.rows.map((r) => r[0])).toEqual([1, 2]);
    expect(readdirSync(out).sort()).toEqual(
      ['2026-01-01-cold-by-runtime.svg', '2026-01-01-cold-matrix.svg', '2026-01-01-cold.json', '2026-01-01-cold.md', '2026-01-01-concurrency-throughput.svg', '2026-01-01-concurrency.json', '2026-01-01-concurrency.md', '2026-01-01-120000-report.html', '2026-01-01-120000-run.json'].sort(),
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
    expect(warm?.targets.map((t) => t.goal).slice(0, 4)).toEqual(['<= 1.3', '>= 1.0', '>= 1.0', '>= 1.0']);
    expect(warm?.targets.slice(1, 4).map((t) => t.what)).toEqual([2, 8, 64].map((c) => `warm throughput at ${c} callers: lamina / floor relay (same runtime loop)`));
    expect(warm?.targets.every((t) => Number.isFinite(t.ratio))).toBe(true);
    expect(warm?.charts.map((c) => c.name)).toEqual(['latency', 'throughput']);
    // Issue 18's payload target: our RIC against the floor at each size, and against the official client where it runs.
    const sizes = ['1 KB', '64 KB', '1 MB'];
    expect(warm?.targets.filter((t) => t.what.endsWith('lamina RIC / floor relay (tiny runtime)')).map((t) => t.what)).toEqual(sizes.map((size) => `warm sequential p50 at ${size}: lamina RIC / floor relay (tiny runtime)`));
    const officialRuns = !(warm?.skipped ?? []).some((line) => line.startsWith('official aws-lambda-ric@4 skipped'));
    const officialTargets = warm?.targets.filter((t) => t.what.includes('/ official aws-lambda-ric@4')) ?? [];
    expect(officialTargets).toHaveLength(officialRuns ? 3 : 0);
    const megabyte = warm?.tables.find((t) => t.title.startsWith('Sequential latency, 1 MB'));
    expect(megabyte?.rows.some((r) => r[0] === 'lamina serve + official aws-lambda-ric@4')).toBe(officialRuns);
    // CPU per invoke of the relaying process, read from /proc for every side and caller count.
    const cpu = warm?.tables.find((t) => t.title.startsWith('CPU per invoke'));
    expect(cpu?.columns).toEqual(['what', 'process', '2 callers', '8 callers', '64 callers']);
    expect(cpu?.rows.map((r) => r[1])).toEqual(['floor relay', 'lamina serve', 'lamina serve']);
    // /proc counts in 10 ms ticks: a short quick window may see none, but never a negative or missing value.
    for (const row of cpu?.rows ?? []) {
      const values = row.slice(2).map((cell) => Number.parseFloat(String(cell)));
      expect(values.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      expect(Math.max(...values)).toBeGreaterThan(0);
    }
  }, 300_000);
});

describe('isolation scenario', () => {
  const unavailable = isolationUnavailable();
  if (unavailable !== undefined) console.warn(`[bench scenarios] isolation skipped: ${unavailable}`);

  it.skipIf(unavailable !== undefined)('measures full isolation and --no-isolation in the same round: cold starts of both runtimes, warm p50s, the issue\'s targets', async () => {
    const outcome = await runScenarios({ scenarios: [isolationScenario], options: quick, outDir: undefined, commandFor: () => 'npm run bench -- isolation --quick', progressSink: silent });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const result = outcome.results[0];
    const [cold, warm] = result?.tables ?? [];
    // Every runtime in both modes, every figure measured.
    const pairs = [['lamina RIC (nodejs20.x)', 'full isolation (default)'], ['lamina RIC (nodejs20.x)', '--no-isolation'], ['custom runtime: bootstrap in C', 'full isolation (default)'], ['custom runtime: bootstrap in C', '--no-isolation']];
    expect(cold?.rows.map((r) => r.slice(0, 2))).toEqual(pairs);
    expect(warm?.rows.map((r) => r.slice(0, 2))).toEqual(pairs);
    for (const row of [...(cold?.rows ?? []), ...(warm?.rows ?? [])]) expect(row.slice(2).every((cell) => cell !== '-' && !String(cell).includes('NaN'))).toBe(true);
    // The platform really ran in the mode each row says (the default one printed full isolation).
    expect(cold?.notes?.[0]).toContain('full isolation');
    expect(cold?.notes?.[1]).toContain('no isolation (docs/isolation.md)');
    expect(result?.targets.map((t) => t.goal)).toEqual(['< 5', '< 5', '< 5', '< 5', '<= 1.1', '<= 1.1']);
    expect(result?.targets.every((t) => Number.isFinite(t.ratio))).toBe(true);
    const raw = result?.raw as { cold: Record<string, unknown[]>; warm: Record<string, { summary: { count: number } }> };
    expect(Object.keys(raw.cold).sort()).toEqual(['isolated/lamina-ric', 'isolated/tiny-c', 'no-isolation/lamina-ric', 'no-isolation/tiny-c']);
    expect(Object.values(raw.warm).map((w) => w.summary.count)).toEqual([50, 50, 50, 50]);
  }, 120_000);

  it('pairs the isolated overhead with the --no-isolation one by round', () => {
    const sample = (totalMs: number, bareMs: number): Sample => ({ totalMs, initMs: 0, invokeMs: 1, bareMs });
    expect(isolationCostByRound([sample(20, 5), sample(30, 5)], [sample(12, 5), sample(14, 4)])).toEqual([8, 15]);
    expect(isolationCostByRound([sample(20, 5)], [])).toEqual([]);
  });
});

describe('standby readiness', () => {
  const node = (comm: string, children: ProcessNode[] = []): ProcessNode => ({ pid: 1, comm, children });
  it('waits for the outbound link helpers and, isolated, for each launcher\'s namespace init', () => {
    expect(standbysReady(node('node', [node('lamina-sandbox', [node('lamina-sandbox')])]), true)).toBe(true);
    expect(standbysReady(node('node', [node('lamina-sandbox')]), true)).toBe(false);
    expect(standbysReady(node('node', [node('lamina-sandbox')]), false)).toBe(true);
    expect(standbysReady(node('node', [node('lamina-sandbox', [node('lamina-sandbox')]), node('sh', [node('nsenter')])]), true)).toBe(false);
    expect(standbysReady(node('node', [node('lamina-sandbox', [node('lamina-sandbox', [node('ip')])])]), false)).toBe(false);
  });

  it('reads a real process tree from /proc', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('sh', ['-c', 'sleep 5 & wait'], { stdio: 'ignore', detached: true });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const mine = processTree(process.pid).children.find((c) => c.pid === child.pid);
      expect(mine?.comm).toBe('sh');
      expect(mine?.children.map((c) => c.comm)).toEqual(['sleep']);
      expect(standbysReady(processTree(process.pid), false)).toBe(false);
    } finally {
      process.kill(-(child.pid as number), 'SIGKILL'); // sh and its sleep
    }
  });
});
