/**
 * extensions: what one registered no-op external extension costs a function (docs/extensions.md).
 *
 * Two functions on the floor's smallest runtime loop (custom runtime, so the platform is what
 * differs): `ExtNone` without layers, `ExtNoop` with a layer whose `extensions/noop` registers for
 * INVOKE and goes back to `event/next` at once (bench/fixtures/extensions/noop.cjs), and, when the
 * machine has a C compiler, `ExtNoopC` with the same extension in C (noop.c): the Node one's own
 * per-event work is most of its cost, the C one shows what the platform adds.
 *
 * - Warm: sequential invokes from one caller, the two functions alternating in rounds; p50 of each
 *   round. A sequential caller's next invoke waits for the environment, which is free only once
 *   the runtime has answered and the extension is back at `event/next`.
 * - Cold: each round a fresh `lamina serve`, one uncounted cold start (the platform's own code
 *   warm), then a cold start of each (order alternating) with the REPORT's Init Duration; and, in
 *   the same round, the extension's start alone: spawn to its `register` call against a stub.
 *
 * Targets (issue 12): warm p50 with / without <= 1.25; Init Duration with <= 1.1 x without + the
 * extension's start time, as with / (1.1 x without + start) <= 1, per round.
 */
import { join } from 'node:path';
import type { BenchFunction } from '../harness/bench-functions.js';
import { startExtensionStub, writeNoopCExtensionLayer, writeNoopExtensionLayer } from '../harness/extension-layer.js';
import { callerPool, invoke, jsonPayload, LOST_AFTER_MS } from '../harness/invoke-client.js';
import { LatencyRecorder } from '../harness/latency.js';
import { sequential } from '../harness/load.js';
import { startLaminaServe, type LaminaServe } from '../harness/lamina-process.js';
import { parseReport, type Report } from '../harness/lambda-report.js';
import { fmt, type ScenarioResult, type Target } from '../harness/result.js';
import { alternation, median, ratioOf, spread } from '../harness/stats.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

interface Side {
  readonly key: 'none' | 'noop' | 'noop-c';
  readonly label: string;
  readonly functionName: string;
  /** The extension's executable (its start alone is measured against a stub), if any. */
  readonly executable?: string;
}
type SideKey = Side['key'];

/** Per round: Init Duration with the extension over (1.1 x without + the extension's start alone). */
export function initBudgetRatios(withMs: readonly number[], withoutMs: readonly number[], extensionStartMs: readonly number[]): number[] {
  return withMs.flatMap((w, i) => {
    const without = withoutMs[i];
    const start = extensionStartMs[i];
    return without === undefined || start === undefined ? [] : [w / (1.1 * without + start)];
  });
}

/**
 * The REPORT line of a request from lamina serve's log. Not the log tail: with an extension still
 * at `INVOKE` when the runtime answers, the caller's tail ends at the answer, before END and REPORT.
 */
async function reportOf(serve: LaminaServe, requestId: string): Promise<Report | undefined> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = serve.logs().split('\n').find((l) => l.includes(`REPORT RequestId: ${requestId}\t`));
    if (line !== undefined) return parseReport(line.slice(line.indexOf('REPORT ')));
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const range = (values: readonly number[], digits: number): string => `${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)}`;

export const extensionsScenario: Scenario = {
  name: 'extensions',
  title: 'External extensions: warm p50 and Init Duration with one no-op extension',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const floorUnavailable = workspace.unavailable('floor-loop');
    if (floorUnavailable !== undefined) throw new Error(floorUnavailable);
    const warmRounds = options.quick ? 2 : options.rounds * 2;
    const coldRounds = options.quick ? 2 : options.rounds * 4;
    const requests = sized(options, 2000, 100);
    const node = writeNoopExtensionLayer(join(workspace.dir, 'noop-extension-layer'));
    const c = writeNoopCExtensionLayer(join(workspace.dir, 'noop-c-extension-layer'));
    const SIDES: Side[] = [
      { key: 'none', label: 'no extension', functionName: 'ExtNone' },
      { key: 'noop', label: 'one no-op external extension in Node (INVOKE)', functionName: 'ExtNoop', executable: node.executable },
    ];
    const functions: BenchFunction[] = [
      { name: 'ExtWarmup', runtime: 'floor-loop', memoryMb: 1769 },
      { name: 'ExtNone', runtime: 'floor-loop', memoryMb: 1769 },
      { name: 'ExtNoop', runtime: 'floor-loop', memoryMb: 1769, layers: [node.layer] },
    ];
    const skipped: string[] = [];
    if ('unavailable' in c) skipped.push(`the C no-op extension: ${c.unavailable}`);
    else {
      SIDES.push({ key: 'noop-c', label: 'one no-op external extension in C (INVOKE)', functionName: 'ExtNoopC', executable: c.executable });
      functions.push({ name: 'ExtNoopC', runtime: 'floor-loop', memoryMb: 1769, layers: [c.layer] });
    }
    const template = workspace.template(functions, 'extensions.yaml');
    const bar = context.progress(warmRounds * SIDES.length + coldRounds);
    const payload = jsonPayload(1024);
    const checked = (side: string, answer: { status: number; body: Buffer }): void => {
      if (answer.status !== 200 || answer.body.toString() !== payload) throw new Error(`${side}: answered ${answer.status} ${answer.body.toString().slice(0, 200)}`);
    };

    // Warm: one lamina serve, the two functions alternating, one caller.
    const warmP50 = new Map<SideKey, number[]>();
    const warmAll = new Map<SideKey, LatencyRecorder>();
    let limits = '';
    const lamina = await startLaminaServe(template);
    limits = lamina.limits;
    const pool = callerPool(lamina.url, 1, LOST_AFTER_MS);
    try {
      for (const order of alternation(SIDES, warmRounds)) {
        for (const side of order) {
          const recorder = new LatencyRecorder();
          await sequential(async () => checked(side.label, await invoke(pool, side.functionName, payload)), requests, recorder, Math.max(5, Math.round(requests / 10)));
          warmP50.set(side.key, [...(warmP50.get(side.key) ?? []), recorder.summary().p50]);
          (warmAll.get(side.key) ?? warmAll.set(side.key, new LatencyRecorder()).get(side.key))?.add(recorder);
          bar.tick(`warm ${side.key}`);
        }
      }
    } finally {
      await pool.close();
      await lamina.stop();
    }

    // Cold: a fresh lamina serve per round, and the extension's start alone in the same round.
    const initMs = new Map<SideKey, number[]>();
    const callerMs = new Map<SideKey, number[]>();
    const extensionStartMs = new Map<SideKey, number[]>();
    const stub = await startExtensionStub();
    try {
      for (const [round, order] of alternation(SIDES, coldRounds).entries()) {
        const serve = await startLaminaServe(template, [], { logs: true });
        const coldPool = callerPool(serve.url, 1);
        try {
          checked('warm-up', await invoke(coldPool, 'ExtWarmup', payload));
          for (const side of order) {
            const answer = await invoke(coldPool, side.functionName, payload);
            checked(side.label, answer);
            const init = (await reportOf(serve, String(answer.headers['x-amzn-requestid'])))?.initDurationMs;
            if (init === undefined) throw new Error(`${side.label}: no Init Duration in the REPORT line: was it warm?`);
            initMs.set(side.key, [...(initMs.get(side.key) ?? []), init]);
            callerMs.set(side.key, [...(callerMs.get(side.key) ?? []), answer.elapsedMs]);
          }
        } finally {
          await coldPool.close();
          await serve.stop();
        }
        for (const side of SIDES) {
          if (side.executable !== undefined) extensionStartMs.set(side.key, [...(extensionStartMs.get(side.key) ?? []), await stub.startTime(side.executable)]);
        }
        bar.tick(`cold round ${round + 1}`);
      }
    } finally {
      await stub.close();
    }
    bar.done();

    const targets: Target[] = SIDES.filter((side) => side.key !== 'none').flatMap((side): Target[] => {
      const warm = ratioOf(warmP50.get(side.key) ?? [], warmP50.get('none') ?? []);
      const budget = spread(initBudgetRatios(initMs.get(side.key) ?? [], initMs.get('none') ?? [], extensionStartMs.get(side.key) ?? []));
      return [
        { what: `warm sequential p50 at 1 KB: ${side.label} / none (same runtime loop)`, ratio: warm.value, goal: '<= 1.25', range: warm },
        { what: `Init Duration with ${side.label} / (1.1 x without + the extension's start alone), per round`, ratio: budget.median, goal: '<= 1', range: { low: budget.min, high: budget.max } },
      ];
    });
    const us = (v: number): string => fmt(v, 0);
    return {
      scenario: 'extensions',
      title: this.title,
      command: context.command,
      tables: [
        {
          title: `Warm sequential latency, 1 KB payload (µs; ${requests} invokes x ${warmRounds} rounds per side, alternating)`,
          columns: ['what', 'p50', 'p90', 'p99', 'p50 range of rounds', 'p50 / no extension'],
          rows: SIDES.map((side) => {
            const s = warmAll.get(side.key)?.summary();
            const r = ratioOf(warmP50.get(side.key) ?? [], warmP50.get('none') ?? []);
            return [side.label, us(s?.p50 ?? NaN), us(s?.p90 ?? NaN), us(s?.p99 ?? NaN), range(warmP50.get(side.key) ?? [], 0), `${fmt(r.value, 2)}x (${fmt(r.low, 2)}-${fmt(r.high, 2)})`];
          }),
          notes: [`lamina serve limits: ${limits}`, 'Both functions run the floor\'s smallest runtime loop as a custom runtime at 1769 MB; one caller, keep-alive.'],
        },
        {
          title: `Cold start (ms, medians of ${coldRounds} rounds, a fresh lamina serve each)`,
          columns: ['what', 'Init Duration', 'range of rounds', 'caller: invoke to answer'],
          rows: [
            ...SIDES.map((side) => [side.label, fmt(median(initMs.get(side.key) ?? [])), range(initMs.get(side.key) ?? [], 1), fmt(median(callerMs.get(side.key) ?? []))]),
            ...SIDES.flatMap((side) => {
              const alone = extensionStartMs.get(side.key);
              return alone === undefined ? [] : [[`${side.label} alone: spawn to its register call (stub API, no platform)`, fmt(median(alone)), range(alone, 1), '-']];
            }),
          ],
          notes: ['Init Duration from the REPORT line in lamina serve\'s log (the log tail ends at the runtime\'s answer while an extension still works).', 'The extension starts alongside the runtime (docs/extensions.md); Init ends once the runtime waits at /next and the extension has registered and waits at event/next.'],
        },
      ],
      targets,
      charts: [],
      skipped,
      raw: { limits, warmP50: Object.fromEntries(warmP50), warm: Object.fromEntries([...warmAll].map(([k, r]) => [k, r.summary()])), initMs: Object.fromEntries(initMs), callerMs: Object.fromEntries(callerMs), extensionStartMs: Object.fromEntries(extensionStartMs) },
    };
  },
};
