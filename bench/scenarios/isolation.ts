/**
 * isolation: what full isolation (docs/isolation.md; `lamina serve`'s default as root) costs a cold
 * start and a warm invoke, against `lamina serve --no-isolation` (the same cgroup limits and
 * private mount namespace, none of the rest) in the same rounds.
 *
 * Each round starts both platforms (which one first alternates per round) and, on each, waits
 * until its standby sandboxes are ready (bench/harness/standby-settle.ts), makes one uncounted
 * cold start to warm the platform's own code, then one cold start per runtime (lamina RIC on
 * nodejs20.x, the tiny C bootstrap) with `X-Amz-Log-Type: Tail`, waiting for the replacement
 * standby after each. The platform overhead is cold.ts's: caller time - bare runtime start (the
 * same bootstrap spawned against a stub Runtime API in the same round) - Duration. Then, with both
 * platforms up, sequential warm invokes of the environments those cold starts left, the four
 * sides (mode x runtime) in an order rotated per round; the target is the ratio of p50s per round.
 */
import { coldStart } from '../lib/cold-spawn.js';
import { lambdaEnv } from '../lib/ric-variants.js';
import { startColdStub } from '../lib/runtime-api-stub.js';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import type { BenchFunction, RuntimeKind } from '../harness/bench-functions.js';
import { callerPool, invoke, jsonPayload } from '../harness/invoke-client.js';
import { startLaminaServe, type LaminaServe } from '../harness/lamina-process.js';
import { LatencyRecorder } from '../harness/latency.js';
import { sequential } from '../harness/load.js';
import { fmt, type ScenarioResult, type Table, type Target } from '../harness/result.js';
import { settleStandbys } from '../harness/standby-settle.js';
import { alternation, median, ratioOf } from '../harness/stats.js';
import { coldSplit, type Sample } from './cold.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

interface IsolationRuntime {
  readonly key: string;
  readonly runtime: RuntimeKind;
  readonly label: string;
  readonly functionName: string;
}

const RUNTIMES: readonly IsolationRuntime[] = [
  { key: 'lamina-ric', runtime: 'lamina-ric', label: 'lamina RIC (nodejs20.x)', functionName: 'IsoLaminaRic' },
  { key: 'tiny-c', runtime: 'tiny-c', label: 'custom runtime: bootstrap in C', functionName: 'IsoTinyC' },
];

export interface IsolationMode {
  readonly key: 'isolated' | 'no-isolation';
  readonly label: string;
  readonly extra: readonly string[];
}

export const MODES: readonly IsolationMode[] = [
  { key: 'isolated', label: 'full isolation (default)', extra: [] },
  { key: 'no-isolation', label: '--no-isolation', extra: ['--no-isolation'] },
];

/** Why this machine cannot run the scenario (not root, no native launcher, ...), or undefined. */
export function isolationUnavailable(): string | undefined {
  const limits = detectSandboxLimits();
  if (limits.isolation !== undefined) return undefined;
  return `full isolation is not available here: ${limits.filesystem === true ? 'the native launcher or the kernel refuses it (lamina doctor says why)' : 'not root, or no mount namespaces'}`;
}

/** The platform printed the limits this mode is about (a wrong one must not be measured as it). */
function checkMode(mode: IsolationMode, lamina: LaminaServe): void {
  const full = lamina.limits.includes('full isolation');
  if (full !== (mode.key === 'isolated')) throw new Error(`lamina serve ${mode.extra.join(' ')} printed limits that do not match '${mode.label}': ${lamina.limits}`);
}

const key = (mode: IsolationMode, runtime: IsolationRuntime): string => `${mode.key}/${runtime.key}`;

/** Warm invokes per turn of a side (the sides take turns until each has its count). */
const WARM_CHUNK = 50;

/** One warm invoke of a side's function, checked (a wrong answer must not count as a fast one). */
function warmCall(side: { mode: IsolationMode; runtime: IsolationRuntime; pool: ReturnType<typeof callerPool> }): () => Promise<void> {
  const payload = jsonPayload(1024);
  return async () => {
    const answer = await invoke(side.pool, side.runtime.functionName, payload);
    if (answer.status !== 200 || answer.body.length !== payload.length) throw new Error(`${side.mode.label}, ${side.runtime.label}: warm invoke answered ${answer.status} with ${answer.body.length} bytes`);
  };
}

export const isolationScenario: Scenario = {
  name: 'isolation',
  title: 'Full isolation against --no-isolation: cold-start platform overhead and warm p50',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const rounds = options.quick ? 1 : options.rounds * 4;
    const invokes = sized(options, 1000, 50);
    const skipped: string[] = [];
    const unavailable = isolationUnavailable();
    if (unavailable !== undefined) {
      return { scenario: 'isolation', title: this.title, command: context.command, tables: [], targets: [], charts: [], skipped: [`isolation scenario skipped: ${unavailable}`], raw: {} };
    }
    const runtimes = RUNTIMES.filter((r) => {
      const problem = workspace.unavailable(r.runtime);
      if (problem !== undefined) skipped.push(`${r.label} skipped: ${problem}`);
      return problem === undefined;
    });
    const warmup: BenchFunction = { name: 'IsoPlatformWarmup', runtime: runtimes.some((r) => r.runtime === 'tiny-c') ? 'tiny-c' : 'lamina-ric', memoryMb: 1769 };
    const template = workspace.template([warmup, ...runtimes.map((r) => ({ name: r.functionName, runtime: r.runtime, memoryMb: 1769, timeoutS: 30 }))], 'isolation.yaml');
    const bar = context.progress(rounds);
    const payload = jsonPayload(1024);
    const cold = new Map<string, Sample[]>();
    const settleMs: number[] = [];
    const warmP50 = new Map<string, number[]>();
    const warm = new Map<string, LatencyRecorder>();
    const limits = new Map<string, string>();

    const settle = async (lamina: LaminaServe, mode: IsolationMode): Promise<void> => {
      settleMs.push(await settleStandbys(lamina.pid, mode.key === 'isolated'));
    };
    const stub = await startColdStub();
    try {
      for (let round = 0; round < rounds; round += 1) {
        const modes = round % 2 === 0 ? MODES : [...MODES].reverse();
        const order = alternation(runtimes, rounds)[round] ?? runtimes;
        const running: { mode: IsolationMode; lamina: LaminaServe; pool: ReturnType<typeof callerPool> }[] = [];
        try {
          for (const mode of modes) {
            const lamina = await startLaminaServe(template, mode.extra);
            const pool = callerPool(lamina.url, 1);
            running.push({ mode, lamina, pool });
            checkMode(mode, lamina);
            limits.set(mode.key, lamina.limits);
            await settle(lamina, mode);
            const first = await invoke(pool, warmup.name, payload, { tail: true });
            if (first.status !== 200) throw new Error(`${mode.label}: warm-up cold start failed: ${first.status} ${first.body.toString().slice(0, 300)}`);
            for (const runtime of order) {
              await settle(lamina, mode);
              // The same bootstrap with no platform right before: the two are measured under the same load.
              const launch = workspace.launch(runtime.runtime);
              const bareMs = await coldStart(stub, { label: runtime.label, ...launch }, lambdaEnv(stub.address, launch.taskDir));
              const answer = await invoke(pool, runtime.functionName, payload, { tail: true });
              const report = answer.report;
              if (answer.status !== 200 || answer.headers['x-amz-function-error'] !== undefined || answer.body.toString() !== payload) {
                throw new Error(`${mode.label}, ${runtime.label}: cold invoke answered ${answer.status} ${answer.body.toString().slice(0, 300)}`);
              }
              if (report?.initDurationMs === undefined) throw new Error(`${mode.label}, ${runtime.label}: no Init Duration in the REPORT line: was it warm?`);
              const k = key(mode, runtime);
              cold.set(k, [...(cold.get(k) ?? []), { totalMs: answer.elapsedMs, initMs: report.initDurationMs, invokeMs: report.durationMs, bareMs }]);
            }
          }
          // Warm: both platforms up, the environments of the cold starts above. The sides take
          // turns in chunks (in the round's order of modes and runtimes), so a burst of load from
          // elsewhere on the machine falls on all of them alike.
          const sides = running.flatMap((side) => order.map((runtime) => ({ ...side, runtime, recorder: new LatencyRecorder() })));
          for (const side of sides) await sequential(warmCall(side), 0, side.recorder, Math.max(5, Math.round(invokes / 20)));
          for (let done = 0; done < invokes; done += WARM_CHUNK) {
            for (const side of sides) await sequential(warmCall(side), Math.min(WARM_CHUNK, invokes - done), side.recorder);
          }
          for (const side of sides) {
            const k = key(side.mode, side.runtime);
            warmP50.set(k, [...(warmP50.get(k) ?? []), side.recorder.summary().p50]);
            (warm.get(k) ?? warm.set(k, new LatencyRecorder()).get(k))?.add(side.recorder);
          }
        } finally {
          for (const side of running) {
            await side.pool.close();
            await side.lamina.stop();
          }
        }
        bar.tick(`round ${round + 1}: ${MODES.length * runtimes.length} cold starts, ${MODES.length * runtimes.length} x ${invokes} warm invokes`);
      }
    } finally {
      await stub.close();
    }
    bar.done();
    return isolationResult(context.command, this.title, runtimes, { rounds, invokes, cold, warmP50, warm, limits, settleMs, skipped });
  },
};

interface Measured {
  readonly rounds: number;
  readonly invokes: number;
  readonly cold: ReadonlyMap<string, readonly Sample[]>;
  readonly warmP50: ReadonlyMap<string, readonly number[]>;
  readonly warm: ReadonlyMap<string, LatencyRecorder>;
  readonly limits: ReadonlyMap<string, string>;
  readonly settleMs: readonly number[];
  readonly skipped: readonly string[];
}

/** Per round: the isolated platform overhead minus the --no-isolation one (same runtime, same bare start). */
export function isolationCostByRound(isolated: readonly Sample[], plain: readonly Sample[]): number[] {
  return isolated.flatMap((s, i) => {
    const other = plain[i];
    return other === undefined ? [] : [coldSplit(s).platformOverheadMs - coldSplit(other).platformOverheadMs];
  });
}

const range = (values: readonly number[], digits = 1): string => (values.length === 0 ? '-' : `${fmt(Math.min(...values), digits)} to ${fmt(Math.max(...values), digits)}`);

function isolationResult(command: string, title: string, runtimes: readonly IsolationRuntime[], m: Measured): ScenarioResult {
  const coldOf = (mode: IsolationMode, r: IsolationRuntime): readonly Sample[] => m.cold.get(key(mode, r)) ?? [];
  const overheads = (mode: IsolationMode, r: IsolationRuntime): number[] => coldOf(mode, r).map((s) => coldSplit(s).platformOverheadMs);
  const [isolated, plain] = MODES as [IsolationMode, IsolationMode];
  const coldTable: Table = {
    title: `Cold start through the Invoke API (ms, medians of ${m.rounds} rounds)`,
    columns: ['runtime', 'mode', 'caller: invoke to answer', 'environment start', 'runtime init (Init Duration)', 'first invoke (Duration)', 'bare runtime start', 'platform overhead', 'platform overhead, range of rounds'],
    rows: runtimes.flatMap((r) =>
      MODES.map((mode) => {
        const samples = coldOf(mode, r);
        const pick = (f: (s: Sample) => number): number => median(samples.map(f));
        return [r.label, mode.label, fmt(pick((s) => s.totalMs)), fmt(pick((s) => coldSplit(s).environmentStartMs), 2), fmt(pick((s) => s.initMs)), fmt(pick((s) => s.invokeMs), 2), fmt(pick((s) => s.bareMs)), fmt(median(overheads(mode, r)), 2), range(overheads(mode, r))];
      }),
    ),
    notes: [
      ...MODES.map((mode) => `lamina serve ${mode.extra.join(' ') || '(default)'} limits: ${m.limits.get(mode.key) ?? '-'}`),
      'platform overhead = caller time - bare runtime start - Duration (as in the cold scenario); bare start: the same bootstrap spawned against a stub Runtime API right before each cold start.',
      ...runtimes.map((r) => `isolation's own share, ${r.label}: full isolation - --no-isolation overhead, paired by round: median ${fmt(median(isolationCostByRound(coldOf(isolated, r), coldOf(plain, r))), 2)} ms (${range(isolationCostByRound(coldOf(isolated, r), coldOf(plain, r)))})`),
      `Before each cold start the bench waits until the platform's standby sandboxes are ready (median wait ${fmt(median(m.settleMs), 0)} ms): a standby is made ahead of a cold start, and its setup is not what is measured here. Functions at 1769 MB (1 vCPU).`,
    ],
  };
  const us = (v: number | undefined): string => fmt(v, 0);
  const warmTable: Table = {
    title: `Warm sequential invokes, 1 KB (µs; ${m.invokes} invokes x ${m.rounds} rounds per side, both platforms up, sides rotated per round)`,
    columns: ['runtime', 'mode', 'p50', 'p90', 'p99', 'p50 range of rounds', 'p50 / --no-isolation p50'],
    rows: runtimes.flatMap((r) =>
      MODES.map((mode) => {
        const s = m.warm.get(key(mode, r))?.summary();
        const perRound = m.warmP50.get(key(mode, r)) ?? [];
        const ratio = ratioOf(perRound, m.warmP50.get(key(plain, r)) ?? []);
        return [r.label, mode.label, us(s?.p50), us(s?.p90), us(s?.p99), range(perRound, 0), `${fmt(ratio.value, 2)}x`];
      }),
    ),
  };
  const targets: Target[] = [];
  for (const r of runtimes) {
    const full = overheads(isolated, r);
    const without = overheads(plain, r);
    targets.push({ what: `cold start platform overhead in ms, full isolation, ${r.label}`, ratio: median(full), goal: '< 5', range: { low: Math.min(...full), high: Math.max(...full) } });
    targets.push({ what: `cold start platform overhead in ms, --no-isolation, ${r.label}`, ratio: median(without), goal: '< 5', range: { low: Math.min(...without), high: Math.max(...without) } });
  }
  for (const r of runtimes) {
    const ratio = ratioOf(m.warmP50.get(key(isolated, r)) ?? [], m.warmP50.get(key(plain, r)) ?? []);
    targets.push({ what: `warm sequential p50 at 1 KB: full isolation / --no-isolation, ${r.label}`, ratio: ratio.value, goal: '<= 1.1', range: ratio });
  }
  const raw: Record<string, unknown> = { rounds: m.rounds, invokes: m.invokes, limits: Object.fromEntries(m.limits), settleMs: m.settleMs, cold: Object.fromEntries(m.cold), warm: {} };
  for (const [k, recorder] of m.warm) (raw.warm as Record<string, unknown>)[k] = { summary: recorder.summary(), roundP50: m.warmP50.get(k), histogram: recorder.encoded() };
  return { scenario: 'isolation', title, command, tables: [coldTable, warmTable], targets, charts: [], skipped: m.skipped, raw };
}
