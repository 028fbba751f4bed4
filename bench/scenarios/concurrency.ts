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
import { coldStarts, processCpuUs, throttling } from './concurrency-probes.js';

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
  /** Environments started after the burst, while the level warmed up (callers the burst did not reach at once). */
  readonly warmupStarts: number;
  /** Environments started inside the measured window (0 once the level is warm). */
  readonly windowStarts: number;
  readonly burstMs: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly throttled: number;
  readonly errors: number;
  readonly calls: number;
  readonly rssKb: number;
  readonly environments: number;
  /** CPU time of lamina serve per answered invoke in the window, µs. */
  readonly platformCpuUs: number;
  /** CPU time of this harness process (the callers) per answered invoke, µs. */
  readonly callerCpuUs: number;
  /** CFS periods in which an environment was throttled / periods with work, in the window (undefined without cgroups). */
  readonly cfs: { readonly throttled: number; readonly periods: number; readonly ms: number } | undefined;
}

/**
 * Most warm-up rounds per level: a level is warm once a round of closed-loop load started no
 * environment (every caller has its own) and every environment has answered enough invokes for
 * its runtime's hot paths to be compiled.
 */
const MAX_WARMUP_ROUNDS = 8;

/**
 * The ramp level the target is read at, and the peak it is compared with (levels past the
 * account limit only throttle, so they are left out of both).
 *
 * @example collapseRatio([{ callers: 4, perSecond: 1000 }, { callers: 100, perSecond: 900 }], 100) // { at: 100, peakAt: 4, ratio: 0.9 }
 */
export function collapseRatio(levels: readonly { readonly callers: number; readonly perSecond: number }[], limit: number): { at: number; peakAt: number; ratio: number } | undefined {
  const within = levels.filter((l) => l.callers <= limit);
  const last = within.at(-1);
  if (last === undefined) return undefined;
  const peak = within.reduce((best, l) => (l.perSecond > best.perSecond ? l : best), last);
  return { at: last.callers, peakAt: peak.callers, ratio: peak.perSecond > 0 ? last.perSecond / peak.perSecond : 0 };
}

export const concurrencyScenario: Scenario = {
  name: 'concurrency',
  title: 'Concurrency ramp: throughput, latency, environment start rate, memory per environment, throttling',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const limit = options.accountConcurrency;
    const levels = rampLevels(options.maxEnvironments, limit);
    const windowMs = sized(options, 2000, 300);
    const warmInvokesPerEnvironment = sized(options, 100, 10);
    const template = workspace.template([{ name: 'Ramp', runtime: 'floor-loop', memoryMb: 1769, timeoutS: 30 }], 'concurrency.yaml');
    const lamina = await startLaminaServe(template, ['--account-concurrency', String(limit)]);
    const rss = (): number => parseVmRssKb(readFileSync(`/proc/${lamina.pid}/status`, 'utf8'));
    const rss0 = rss();
    const results: Level[] = [];
    const failures: string[] = [];
    const payload = JSON.stringify({ ramp: true });
    const bar = context.progress(levels.length);
    try {
      for (const callers of levels) {
        const pool = callerPool(lamina.url, callers, LOST_AFTER_MS);
        try {
          const startsBefore = await coldStarts(lamina.url);
          // The burst: one pool of one connection per caller, so that every invoke waits for its own
          // connection and none reuses one that an earlier invoke has just freed (a shared pool
          // does, and then a burst of 100 starts no environment at all).
          const burstPools = Array.from({ length: callers }, () => callerPool(lamina.url, 1, LOST_AFTER_MS));
          const t0 = performance.now();
          let burstMs = 0;
          const burst = await Promise.all(burstPools.map((own) => invoke(own, 'Ramp', payload, { tail: true }))).finally(async () => {
            burstMs = performance.now() - t0;
            await Promise.all(burstPools.map((own) => own.close()));
          });
          const started = burst.filter((a) => a.report?.initDurationMs !== undefined).length;
          let throttled = 0;
          let calls = 0;
          const call = async (): Promise<void> => {
            calls += 1;
            const answer = await invoke(pool, 'Ramp', payload);
            if (answer.status === 429) throttled += 1;
            else if (answer.status !== 200) throw new Error(`Ramp answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`);
          };
          // Warm-up: the burst's callers are not all concurrent (the caller pool opens its
          // connections while the first invokes already finish), so the first seconds of load
          // still start environments; a window measured then counts cold starts, not throughput.
          let startsSoFar = await coldStarts(lamina.url);
          for (let round = 0, warmCalls = 0; round < MAX_WARMUP_ROUNDS; round += 1) {
            const warm = await closedLoop(call, callers, windowMs / 2);
            warmCalls += warm.completed;
            const now = await coldStarts(lamina.url);
            const quiet = now === startsSoFar;
            startsSoFar = now;
            if (quiet && warmCalls >= warmInvokesPerEnvironment * Math.min(callers, limit)) break;
          }
          const warmupStarts = startsSoFar - startsBefore - started;
          throttled = 0;
          calls = 0;
          const cpu0 = { platform: processCpuUs(lamina.pid), caller: process.cpuUsage(), cfs: throttling(lamina.pid) };
          const measured = await closedLoop(call, callers, windowMs);
          const cpu1 = { platform: processCpuUs(lamina.pid), caller: process.cpuUsage(cpu0.caller), cfs: throttling(lamina.pid) };
          const environments = await coldStarts(lamina.url);
          if (measured.errors > 0) failures.push(`${callers} callers: ${measured.errors} failed calls (${measured.firstError ?? ''}${/Timeout/.test(measured.firstError ?? '') ? `: not answered within ${LOST_AFTER_MS} ms, a lost invocation` : ''})`);
          const summary = measured.latency.summary();
          const answered = Math.max(1, measured.completed - Math.round(measured.completed * (throttled / Math.max(1, calls))));
          results.push({
            callers,
            newEnvironments: started,
            warmupStarts,
            windowStarts: environments - startsSoFar,
            burstMs,
            perSecond: measured.perSecond * (1 - throttled / Math.max(1, calls)),
            p50: summary.p50,
            p99: summary.p99,
            throttled,
            errors: measured.errors,
            calls,
            rssKb: rss(),
            environments,
            platformCpuUs: (cpu1.platform - cpu0.platform) / answered,
            callerCpuUs: (cpu1.caller.user + cpu1.caller.system) / answered,
            cfs: cpu0.cfs === undefined || cpu1.cfs === undefined ? undefined : { throttled: cpu1.cfs.throttled - cpu0.cfs.throttled, periods: cpu1.cfs.periods - cpu0.cfs.periods, ms: cpu1.cfs.throttledMs - cpu0.cfs.throttledMs },
          });
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
    const collapse = collapseRatio(results, limit);
    if (collapse !== undefined) targets.push({ what: `throughput at ${collapse.at} callers / ramp peak (${collapse.peakAt} callers), warm environments`, ratio: collapse.ratio, goal: '>= 0.8' });
    if (firstThrottled !== undefined) targets.push({ what: `throttling starts at (callers) / --account-concurrency ${limit}`, ratio: firstThrottled.callers / limit, goal: '> 1' });
    const cfsCell = (r: Level): string => (r.cfs === undefined ? '-' : `${r.cfs.throttled} / ${r.cfs.periods} (${fmt(r.cfs.ms, 0)} ms)`);
    return {
      scenario: 'concurrency',
      title: this.title,
      command: context.command,
      tables: [
        {
          title: `Ramp on one function (custom runtime: node runtime loop, 1769 MB = 1 vCPU), --account-concurrency ${limit}, ${windowMs} ms of closed-loop load per level once warm`,
          columns: ['callers', 'environments started by the burst', 'burst time (ms)', 'environment start rate (/s)', 'started while warming / in the window', 'answered invokes/s', 'p50 (µs)', 'p99 (µs)', 'lamina serve CPU per invoke (µs)', 'caller CPU per invoke (µs)', 'CFS throttled periods / periods (time)', 'throttled (429) / calls', 'failed calls', 'platform RSS per environment (KB)'],
          rows: results.map((r) => [
            r.callers,
            r.newEnvironments,
            fmt(r.burstMs),
            r.newEnvironments === 0 ? '-' : fmt((r.newEnvironments / r.burstMs) * 1000, 0),
            `${r.warmupStarts} / ${r.windowStarts}`,
            fmt(r.perSecond, 0),
            fmt(r.p50, 0),
            fmt(r.p99, 0),
            fmt(r.platformCpuUs, 0),
            fmt(r.callerCpuUs, 0),
            cfsCell(r),
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
            `Each level is measured once warm: closed-loop load in rounds of ${windowMs / 2} ms until a round starts no environment and the environments have answered about ${warmInvokesPerEnvironment} invokes each (at most ${MAX_WARMUP_ROUNDS} rounds). The burst gives each caller a connection of its own; warming still catches environments it did not start (a shared pool reuses a connection an earlier invoke has just freed, and then a burst of 100 started none).`,
            'CPU per invoke is utime + stime of the process over the window / answered invokes: it survives a loaded machine better than the rate. CFS columns: the environments\' cgroup cpu.stat (nr_throttled, nr_periods, throttled time) summed over the window.',
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
