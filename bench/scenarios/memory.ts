/**
 * memory: a fixed CPU-bound handler (bench/fixtures/limits/spin: one thread of xorshift, no
 * allocation) at 128 to 3008 MB through `lamina serve`: Duration and Max Memory Used from the
 * REPORT line of warm invokes, against the proportional line Lambda documents (CPU in proportion
 * to memory, 1769 MB = 1 vCPU; one thread cannot use more than one). The scaling math is
 * bench/limits.ts's (`lamina bench memory` is its `memory` benchmark inside the harness).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lib/processes.js';
import { expectedRatio, MEMORY_SIZES, scalingTable, vcpuShare } from '../limits.js';
import { callerPool, invoke } from '../harness/invoke-client.js';
import { startLaminaServe } from '../harness/lamina-process.js';
import { fmt, type ScenarioResult } from '../harness/result.js';
import { alternation, median, quantile } from '../harness/stats.js';
import { lineChart } from '../harness/svg-charts.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

export const SPIN_TEMPLATE = join(ROOT, 'bench', 'fixtures', 'limits', 'template.yaml');

export const memoryScenario: Scenario = {
  name: 'memory',
  title: 'Duration against memory size (CPU in proportion to memory)',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options } = context;
    const iterations = sized(options, 200_000_000, 10_000_000);
    const invokes = sized(options, 2, 1);
    const hostCores = availableParallelism();
    const lamina = await startLaminaServe(SPIN_TEMPLATE);
    const pool = callerPool(lamina.url, 1);
    const durations = new Map<number, number[]>();
    const maxMemory = new Map<number, number[]>();
    const payload = JSON.stringify({ iterations });
    const enforced = /CPU = MemorySize/.test(lamina.limits);
    try {
      const bar = context.progress(MEMORY_SIZES.length * (options.rounds + 1));
      for (const size of MEMORY_SIZES) {
        const first = await invoke(pool, `Spin${size}`, payload, { tail: true }); // the cold start: not counted
        if (first.status !== 200 || first.report?.initDurationMs === undefined) throw new Error(`cold invoke of Spin${size}: ${first.status} ${first.body.toString()}`);
        bar.tick(`Spin${size} cold start`);
      }
      for (const order of alternation(MEMORY_SIZES, options.rounds)) {
        for (const size of order) {
          for (let i = 0; i < invokes; i += 1) {
            const answer = await invoke(pool, `Spin${size}`, payload, { tail: true });
            if (answer.status !== 200 || answer.report === undefined) throw new Error(`Spin${size}: ${answer.status} ${answer.body.toString()}`);
            if (answer.report.initDurationMs !== undefined) throw new Error(`Spin${size} was cold again`);
            durations.set(size, [...(durations.get(size) ?? []), answer.report.durationMs]);
            maxMemory.set(size, [...(maxMemory.get(size) ?? []), answer.report.maxMemoryUsedMb]);
          }
          bar.tick(`Spin${size}`);
        }
      }
      bar.done();
    } finally {
      await pool.close();
      await lamina.stop();
    }
    const rows = scalingTable(MEMORY_SIZES.map((memoryMb) => ({ memoryMb, medianMs: median(durations.get(memoryMb) ?? []) })), hostCores);
    const at = (mb: number): number => rows.find((r) => r.memoryMb === mb)?.medianMs ?? Number.NaN;
    const chart = lineChart({
      title: 'Duration against memory, one-thread CPU-bound handler',
      xLabel: 'memory size (MB, log scale)',
      yLabel: 'Duration (ms, log scale)',
      xLog: true,
      yLog: true,
      series: [
        { name: 'measured median Duration', points: rows.map((r) => [r.memoryMb, r.medianMs] as const) },
        { name: 'proportional (1769 MB = 1 vCPU)', dashed: true, points: rows.map((r) => [r.memoryMb, r.expectedMs] as const) },
      ],
    });
    return {
      scenario: 'memory',
      title: this.title,
      command: context.command,
      tables: [
        {
          title: `Duration by memory size (${iterations} xorshift iterations; ${options.rounds} rounds x ${invokes} warm invokes per size)`,
          columns: ['memory (MB)', 'vCPU share', 'median Duration (ms)', 'p10-p90 (ms)', 'proportional expectation (ms)', 'measured / expectation', 'Max Memory Used (MB)'],
          rows: rows.map((row) => {
            const samples = durations.get(row.memoryMb) ?? [];
            return [row.memoryMb, fmt(row.share, 3), fmt(row.medianMs), `${fmt(quantile(samples, 0.1), 0)}-${fmt(quantile(samples, 0.9), 0)}`, fmt(row.expectedMs), fmt(row.medianMs / row.expectedMs, 2), fmt(median(maxMemory.get(row.memoryMb) ?? []), 0)];
          }),
          notes: [
            `lamina serve limits: ${lamina.limits}`,
            ...(enforced ? [] : ['CPU limits are NOT enforced on this machine: the durations will not scale with memory.']),
            `256 MB / 1769 MB: ${fmt(at(256) / at(1769), 2)}x (proportional ${fmt(expectedRatio(256, 1769, hostCores), 2)}x); 128 MB / 1769 MB: ${fmt(at(128) / at(1769), 2)}x (proportional ${fmt(expectedRatio(128, 1769, hostCores), 2)}x); 3008 MB / 1769 MB: ${fmt(at(3008) / at(1769), 2)}x (one thread: 1.00x, ${fmt(vcpuShare(3008, hostCores), 2)} vCPU only helps more threads).`,
          ],
        },
      ],
      // No target: the issue asks for the line, and a one-thread handler cannot follow it past 1 vCPU.
      targets: [],
      charts: [{ name: 'duration-memory', title: 'duration against memory', svg: chart }],
      skipped: [],
      raw: { limits: lamina.limits, iterations, hostCores, durations: Object.fromEntries(durations), maxMemoryUsedMb: Object.fromEntries(maxMemory) },
    };
  },
};
