/**
 * open-loop: warm invokes arriving at fixed rates (not closed-loop callers), latency from each
 * request's intended send time (coordinated omission corrected, bench/harness/open-loop.ts),
 * against the floor relay with the same runtime loop measured in the same run.
 *
 * First a short closed-loop run of each side finds its peak at `inFlight` callers; the rates are
 * fractions of the smaller peak, so both sides could keep them in principle. At each rate the two
 * sides alternate in rounds; the table gives the achieved rate and the corrected p50/p99/p99.9,
 * the targets the lamina / floor ratio of the corrected p50 and p99 at each rate (recorded).
 */
import type { Pool } from 'undici';
import { startFloor } from '../floor/floor-process.js';
import { callerPool, invoke, jsonPayload, LOST_AFTER_MS } from '../harness/invoke-client.js';
import { startLaminaServe } from '../harness/lamina-process.js';
import { LatencyRecorder } from '../harness/latency.js';
import { closedLoop, type Call } from '../harness/load.js';
import { openLoop } from '../harness/open-loop.js';
import { fmt, type ScenarioResult, type Table, type Target } from '../harness/result.js';
import { alternation, median, ratioOf } from '../harness/stats.js';
import { lineChart } from '../harness/svg-charts.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

interface Side {
  readonly key: 'floor' | 'lamina';
  readonly label: string;
  readonly call: Call;
}

/** The rates to offer: fractions of the peak, rounded to whole invokes per second, at least 1. */
export function offeredRates(peak: number, fractions: readonly number[]): number[] {
  if (!(peak > 0)) return [];
  return [...new Set(fractions.map((f) => Math.max(1, Math.round(peak * f))))].sort((a, b) => a - b);
}

function side(key: Side['key'], label: string, pool: Pool, functionName: string, payload: string): Side {
  const bytes = Buffer.byteLength(payload);
  return {
    key,
    label,
    call: async () => {
      const answer = await invoke(pool, functionName, payload);
      if (answer.status !== 200 || answer.body.length !== bytes) throw new Error(`${label}: answered ${answer.status} with ${answer.body.length} bytes, expected 200 with ${bytes}`);
    },
  };
}

export const openLoopScenario: Scenario = {
  name: 'open-loop',
  title: 'Open-loop load: fixed arrival rates, latency corrected for coordinated omission, against the floor relay',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const rounds = options.rounds;
    const inFlight = sized(options, 8, 2);
    const windowMs = sized(options, 3000, 400);
    const fractions = options.quick ? [0.25, 0.5] : [0.25, 0.5, 0.75, 0.9];
    const unavailable = workspace.unavailable('floor-loop');
    if (unavailable !== undefined) throw new Error(unavailable);
    const floor = await startFloor(inFlight);
    const lamina = await startLaminaServe(workspace.template([{ name: 'OpenLoop', runtime: 'floor-loop', memoryMb: 3008 }], 'open-loop.yaml'));
    const pools = [callerPool(floor.url, inFlight, LOST_AFTER_MS), callerPool(lamina.url, inFlight, LOST_AFTER_MS)] as const;
    try {
      const payload = jsonPayload(1024);
      const sides: Side[] = [side('floor', 'floor: relay + smallest runtime loop', pools[0], 'floor', payload), side('lamina', 'lamina serve + the same runtime loop', pools[1], 'OpenLoop', payload)];
      const bar = context.progress(sides.length * (1 + rounds * fractions.length));
      const peaks = new Map<string, number>();
      for (const s of sides) {
        await closedLoop(s.call, inFlight, Math.min(500, windowMs)); // environments start here
        peaks.set(s.key, (await closedLoop(s.call, inFlight, windowMs)).perSecond);
        bar.tick(`closed-loop peak ${s.key}`);
      }
      const rates = offeredRates(Math.min(...peaks.values()), fractions);
      // Rows and targets are named by the share of the peak, not the rate: two runs' rates differ,
      // and --compare matches by name.
      const peak = Math.min(...peaks.values());
      const share = (rate: number): string => `${fractions.reduce((best, f) => (Math.abs(f * peak - rate) < Math.abs(best * peak - rate) ? f : best)) * 100} % of peak`;
      const latency = new Map<string, LatencyRecorder>();
      const achieved = new Map<string, number[]>();
      const p99ByRound = new Map<string, number[]>();
      const p50ByRound = new Map<string, number[]>();
      const errors: string[] = [];
      for (const [round, order] of alternation(sides, rounds).entries()) {
        for (const rate of rates) {
          for (const s of order) {
            const r = await openLoop(s.call, { rate, durationMs: windowMs, maxInFlight: inFlight });
            const key = `${s.key}@${rate}`;
            (latency.get(key) ?? latency.set(key, new LatencyRecorder()).get(key))?.add(r.corrected);
            achieved.set(key, [...(achieved.get(key) ?? []), r.achievedPerSecond]);
            p50ByRound.set(key, [...(p50ByRound.get(key) ?? []), r.corrected.summary().p50]);
            p99ByRound.set(key, [...(p99ByRound.get(key) ?? []), r.corrected.summary().p99]);
            if (r.errors > 0) errors.push(`${s.label} at ${rate}/s, round ${round + 1}: ${r.errors} failed calls (${r.firstError ?? ''})`);
            bar.tick(`${rate}/s ${s.key}`);
          }
        }
      }
      bar.done();
      const us = (v: number | undefined): string => fmt(v, 0);
      const table: Table = {
        title: `Open-loop latency at 1 KB (µs from the intended send; ${windowMs} ms x ${rounds} rounds per rate and side; at most ${inFlight} in flight)`,
        columns: ['what', 'offered /s', 'achieved /s', 'p50', 'p99', 'p99.9', 'max', 'p50 / floor', 'p99 / floor'],
        rows: rates.flatMap((rate) =>
          sides.map((s) => {
            const sum = latency.get(`${s.key}@${rate}`)?.summary();
            const over = (pick: Map<string, number[]>): string => `${fmt(ratioOf(pick.get(`${s.key}@${rate}`) ?? [], pick.get(`floor@${rate}`) ?? []).value, 2)}x`;
            return [`${s.label}, ${share(rate)}`, rate, fmt(median(achieved.get(`${s.key}@${rate}`) ?? []), 0), us(sum?.p50), us(sum?.p99), us(sum?.p999), us(sum?.max), over(p50ByRound), over(p99ByRound)];
          }),
        ),
        notes: [
          `Closed-loop peaks at ${inFlight} callers (${windowMs} ms): ${sides.map((s) => `${s.key} ${fmt(peaks.get(s.key), 0)}/s`).join(', ')}; rates offered: ${fractions.map((f) => `${f * 100}%`).join(', ')} of the smaller.`,
          'A request that finds every connection busy waits in the generator; its latency still counts from when it was meant to be sent.',
          `lamina serve limits: ${lamina.limits}`,
          ...errors,
        ],
      };
      const targets: Target[] = rates.flatMap((rate) => [
        { what: `open loop at ${share(rate)}: corrected p50, lamina / floor relay`, ratio: ratioOf(p50ByRound.get(`lamina@${rate}`) ?? [], p50ByRound.get(`floor@${rate}`) ?? []).value, goal: '(recorded)', range: ratioOf(p50ByRound.get(`lamina@${rate}`) ?? [], p50ByRound.get(`floor@${rate}`) ?? []) },
        { what: `open loop at ${share(rate)}: corrected p99, lamina / floor relay`, ratio: ratioOf(p99ByRound.get(`lamina@${rate}`) ?? [], p99ByRound.get(`floor@${rate}`) ?? []).value, goal: '(recorded)', range: ratioOf(p99ByRound.get(`lamina@${rate}`) ?? [], p99ByRound.get(`floor@${rate}`) ?? []) },
      ]);
      const chart = lineChart({
        title: 'Open-loop latency against offered rate, 1 KB payload',
        xLabel: 'offered invokes/s',
        yLabel: 'corrected latency (µs, log scale)',
        yLog: true,
        series: sides.flatMap((s) => [
          { name: `${s.label}: p50`, points: rates.map((rate) => [rate, latency.get(`${s.key}@${rate}`)?.summary().p50 ?? Number.NaN] as const) },
          { name: `${s.label}: p99`, points: rates.map((rate) => [rate, latency.get(`${s.key}@${rate}`)?.summary().p99 ?? Number.NaN] as const), dashed: true },
        ]),
      });
      const raw: Record<string, unknown> = { peaks: Object.fromEntries(peaks), rates, inFlight, windowMs, latency: {} };
      for (const [key, recorder] of latency) (raw.latency as Record<string, unknown>)[key] = { summary: recorder.summary(), achievedByRound: achieved.get(key), p50ByRound: p50ByRound.get(key), p99ByRound: p99ByRound.get(key), histogram: recorder.encoded() };
      return { scenario: 'open-loop', title: this.title, command: context.command, tables: [table], targets, charts: [{ name: 'latency', title: 'open-loop latency against offered rate', svg: chart }], skipped: [], raw };
    } finally {
      for (const pool of pools) await pool.close().catch(() => undefined);
      await lamina.stop();
      await floor.stop();
    }
  },
};
