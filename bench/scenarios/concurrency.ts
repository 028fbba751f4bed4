/**
 * concurrency: ramp from 1 to N concurrent callers on one function (the floor's Node runtime
 * loop as a custom runtime) through `lamina serve --account-concurrency A`. At each level: a burst
 * of `level` concurrent invokes (the environments it had to start, counted by their Init Duration,
 * and how fast), then closed-loop load for a fixed time (throughput, latency, throttled calls),
 * then the platform's own memory (VmRSS of `lamina serve`) per environment. Levels include A and
 * A + 1, so the table shows throttling starting exactly past the configured limit.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { callerPool, invoke, LOST_AFTER_MS } from '../harness/invoke-client.js';
import { parseVmRssKb } from '../harness/lambda-report.js';
import { closedLoop } from '../harness/load.js';
import { startLaminaServe } from '../harness/lamina-process.js';
import { fmt, type ScenarioResult, type Target } from '../harness/result.js';
import { lineChart } from '../harness/svg-charts.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

/**
 * The ramp: powers of two up to `max`, plus the limit and one past it when they are within `max`.
 *
 * @example rampLevels(64, 48) // [1, 2, 4, 8, 16, 32, 48, 49, 64]
 */
export function rampLevels(max: number, accountLimit: number): number[] {
  const levels = new Set<number>();
  for (let level = 1; level <= max; level *= 2) levels.add(level);
  levels.add(max);
  for (const level of [accountLimit, accountLimit + 1]) if (level <= max) levels.add(level);
  return [...levels].sort((a, b) => a - b);
}

interface Level {
  readonly callers: number;
  readonly newEnvironments: number;
  readonly burstMs: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly throttled: number;
  readonly errors: number;
  readonly calls: number;
  readonly rssKb: number;
  readonly environments: number;
}

export const concurrencyScenario: Scenario = {
  name: 'concurrency',
  title: 'Concurrency ramp: throughput, latency, environment start rate, memory per environment, throttling',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const limit = options.accountConcurrency;
    const levels = rampLevels(options.maxEnvironments, limit);
    const windowMs = sized(options, 2000, 300);
    const template = workspace.template([{ name: 'Ramp', runtime: 'floor-loop', memoryMb: 1769, timeoutS: 30 }], 'concurrency.yaml');
    const lamina = await startLaminaServe(template, ['--account-concurrency', String(limit)]);
    const rss = (): number => parseVmRssKb(readFileSync(`/proc/${lamina.pid}/status`, 'utf8'));
    const rss0 = rss();
    const results: Level[] = [];
    const failures: string[] = [];
    let environments = 0;
    const payload = JSON.stringify({ ramp: true });
    const bar = context.progress(levels.length);
    try {
      for (const callers of levels) {
        const pool = callerPool(lamina.url, callers, LOST_AFTER_MS);
        try {
          const t0 = performance.now();
          const burst = await Promise.all(Array.from({ length: callers }, () => invoke(pool, 'Ramp', payload, { tail: true })));
          const burstMs = performance.now() - t0;
          const started = burst.filter((a) => a.report?.initDurationMs !== undefined).length;
          environments += started;
          let throttled = 0;
          let calls = 0;
          const measured = await closedLoop(async () => {
            calls += 1;
            const answer = await invoke(pool, 'Ramp', payload);
            if (answer.status === 429) throttled += 1;
            else if (answer.status !== 200) throw new Error(`Ramp answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`);
          }, callers, windowMs);
          if (measured.errors > 0) failures.push(`${callers} callers: ${measured.errors} failed calls (${measured.firstError ?? ''}${/Timeout/.test(measured.firstError ?? '') ? `: not answered within ${LOST_AFTER_MS} ms, a lost invocation` : ''})`);
          const summary = measured.latency.summary();
          results.push({ callers, newEnvironments: started, burstMs, perSecond: measured.perSecond * (1 - throttled / Math.max(1, calls)), p50: summary.p50, p99: summary.p99, throttled, errors: measured.errors, calls, rssKb: rss(), environments });
          bar.tick(`${callers} callers`);
        } finally {
          await pool.close();
        }
      }
      bar.done();
    } finally {
      await lamina.stop();
    }
    const firstThrottled = results.find((r) => r.throttled > 0);
    const peak = results.at(-1);
    const targets: Target[] = [];
    if (firstThrottled !== undefined) targets.push({ what: `throttling starts at (callers) / --account-concurrency ${limit}`, ratio: firstThrottled.callers / limit, goal: '> 1' });
    return {
      scenario: 'concurrency',
      title: this.title,
      command: context.command,
      tables: [
        {
          title: `Ramp on one function (custom runtime: node runtime loop, 1769 MB = 1 vCPU), --account-concurrency ${limit}, ${windowMs} ms of closed-loop load per level`,
          columns: ['callers', 'environments started by the burst', 'burst time (ms)', 'environment start rate (/s)', 'answered invokes/s', 'p50 (µs)', 'p99 (µs)', 'throttled (429) / calls', 'failed calls', 'platform RSS per environment (KB)'],
          rows: results.map((r) => [
            r.callers,
            r.newEnvironments,
            fmt(r.burstMs),
            r.newEnvironments === 0 ? '-' : fmt((r.newEnvironments / r.burstMs) * 1000, 0),
            fmt(r.perSecond, 0),
            fmt(r.p50, 0),
            fmt(r.p99, 0),
            `${r.throttled} / ${r.calls}`,
            r.errors,
            r.environments === 0 ? '-' : fmt((r.rssKb - rss0) / r.environments, 0),
          ]),
          notes: [
            `lamina serve limits: ${lamina.limits}`,
            firstThrottled === undefined
              ? `No throttling up to ${levels.at(-1) ?? 0} callers (the limit ${limit} was ${limit >= (levels.at(-1) ?? 0) ? 'not reached' : 'never exceeded'}).`
              : `Throttling starts at ${firstThrottled.callers} concurrent callers; the configured limit is ${limit}.`,
            `Platform memory: VmRSS of lamina serve ${rss0} KB before any environment, ${peak?.rssKb ?? '-'} KB with ${peak?.environments ?? 0} environments (the runtimes' own memory is not in it).`,
            ...failures,
            'Latency includes throttled calls (answered at once with 429); "answered invokes/s" counts only 200s.',
          ],
        },
      ],
      targets,
      charts: [
        {
          name: 'throughput',
          title: 'throughput against concurrency',
          svg: lineChart({
            title: `Concurrency ramp (--account-concurrency ${limit})`,
            xLabel: 'concurrent callers (log scale)',
            yLabel: 'answered invokes/s',
            xLog: true,
            series: [{ name: 'lamina serve, node runtime loop', points: results.map((r) => [r.callers, r.perSecond] as const) }],
          }),
        },
      ],
      skipped: [],
      raw: { limits: lamina.limits, accountConcurrency: limit, rss0Kb: rss0, levels: results },
    };
  },
};
