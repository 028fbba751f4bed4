/**
 * cold: invocations that each need a new environment, per runtime: the runtime matrix of
 * bench/harness/runtime-matrix.ts (Lamina's RIC and the official client on each Node major, the
 * Python client, a custom runtime `bootstrap` in C and one in Node, the floor's runtime loop).
 * Each round starts a fresh `lamina serve` whose functions have never run, warms the platform's
 * own code with one uncounted cold start, then invokes every runtime's function once (order
 * rotated per round) with `X-Amz-Log-Type: Tail`, then a few warm invokes of each.
 *
 * The caller's time is split with the REPORT line: runtime init (Init Duration: sandbox, spawn to
 * the first `/next`), first invoke (Duration) and environment start (the rest: front door,
 * Runtime API server, scheduling). The same runtimes are also spawned bare against a stub Runtime
 * API in the same rounds (bench/lib/cold-spawn.ts): the platform overhead is everything but that.
 *
 * When a container engine can run containers here, the same echo handler also runs as a
 * `PackageType: Image` function (containers/Dockerfile.nodejs on the local base image, built once
 * per run): its row is compared with the process row of the same handler (lamina RIC), round by
 * round. Without an engine the row is skipped with the engine's reason.
 */
import { coldStart } from '../lib/cold-spawn.js';
import { lambdaEnv } from '../lib/ric-variants.js';
import { startColdStub } from '../lib/runtime-api-stub.js';
import type { BenchFunction, RuntimeKind } from '../harness/bench-functions.js';
import { buildNodejsImage, probeContainerEngine } from '../harness/container-image.js';
import { callerPool, invoke } from '../harness/invoke-client.js';
import { startLaminaServe } from '../harness/lamina-process.js';
import { fmt, type ScenarioResult, type Table, type Target } from '../harness/result.js';
import { alternation, median, ratioOf, spread } from '../harness/stats.js';
import { stackedBarChart } from '../harness/svg-charts.js';
import { matrixChart, matrixRows, matrixTable, matrixTargets, type MatrixRow } from '../harness/runtime-matrix.js';
import { codeCacheNote, MATRIX_MAJORS, prepareBenchNodes } from '../harness/bench-node.js';
import { progressLine } from '../../src/runtimes/progress-line.js';
import type { PeerFunction } from '../peers/types.js';
import { type Scenario, type ScenarioContext } from './scenario.js';

type ColdRuntime = MatrixRow;

/** The echo came back (Python's json.dumps spaces its output: compare values, not bytes). */
const sameJson = (body: string, payload: string): boolean => {
  try {
    return JSON.stringify(JSON.parse(body)) === payload;
  } catch {
    return false;
  }
};

/** The echo handler of the lamina RIC row, as a container image (its row is compared with that one). */
export const CONTAINER_ROW = { key: 'container', runtime: 'lamina-ric', label: 'container image (nodejs, lamina RIC)', functionName: 'ColdContainerImage', lambdaRuntime: 'nodejs20.x (image)', client: 'lamina RIC' } as const;
const CONTAINER_TAG = 'lamina-bench-cold-echo:latest';

export interface Sample {
  readonly totalMs: number;
  readonly initMs: number;
  readonly invokeMs: number;
  readonly bareMs: number;
}

/** The split of one cold start: environment start is what is left of the caller's time. */
export function coldSplit(sample: Sample): { environmentStartMs: number; platformOverheadMs: number } {
  return {
    environmentStartMs: sample.totalMs - sample.initMs - sample.invokeMs,
    platformOverheadMs: sample.totalMs - sample.bareMs - sample.invokeMs,
  };
}

/** Per round: the container row's caller time minus the process row's (same handler, same lamina serve). */
export function containerOverProcess(samples: ReadonlyMap<string, readonly Sample[]>): number[] {
  const processRow = samples.get('lamina-ric') ?? [];
  return (samples.get(CONTAINER_ROW.key) ?? []).flatMap((s, i) => {
    const base = processRow[i];
    return base === undefined ? [] : [s.totalMs - base.totalMs];
  });
}

export const coldScenario: Scenario = {
  name: 'cold',
  title: 'Cold starts by runtime: environment start, runtime init, first invoke',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const rounds = options.quick ? 2 : options.rounds * 8;
    const skipped: string[] = [];
    // Each major's node as lamina serve gets it (installed now when missing; a --quick smoke run
    // downloads nothing and skips the majors not installed), with our client's code cache.
    const nodes = await prepareBenchNodes(MATRIX_MAJORS, { onProgress: progressLine(), offline: options.quick });
    process.stderr.write(`${codeCacheNote(nodes)}\n`);
    const runtimes: ColdRuntime[] = matrixRows().filter((r) => {
      const problem = workspace.unavailable(r.runtime);
      if (problem !== undefined) skipped.push(`${r.label} skipped: ${problem}`);
      return problem === undefined;
    });
    // The container row: the lamina RIC row's handler in an image, built once per run.
    let imageNote = '';
    const engine = runtimes.some((r) => r.key === 'lamina-ric') ? await probeContainerEngine() : { reason: 'the lamina RIC row it is compared with is skipped' };
    if (engine.engine === undefined) skipped.push(`${CONTAINER_ROW.label} skipped: ${engine.reason}`);
    else {
      const built = await buildNodejsImage(engine.engine, CONTAINER_TAG, workspace.handlerDir);
      runtimes.push({ ...CONTAINER_ROW, imageUri: built.uri });
      imageNote = `${CONTAINER_ROW.label}: image ${built.uri} (${((built.bytes ?? 0) / 1e6).toFixed(1)} MB) from containers/Dockerfile.nodejs on lamina/base:local, ${engine.engine.summary}; the same echo handler as the lamina RIC row, whose bare runtime start it shares.`;
    }
    const warmup: BenchFunction = { name: 'ColdPlatformWarmup', runtime: runtimes.some((r) => r.runtime === 'tiny-c') ? 'tiny-c' : 'floor-loop', memoryMb: 1769 };
    const template = workspace.template([warmup, ...runtimes.map((r) => ({ name: r.functionName, runtime: r.runtime, memoryMb: 1769, timeoutS: 30, ...(r.imageUri === undefined ? {} : { imageUri: r.imageUri }) }))], 'cold.yaml');
    const peerFn: PeerFunction = { name: 'ColdEcho', handlerDir: workspace.handlerDir, handler: 'index.handler', memoryMb: 1769, timeoutSeconds: 30 };
    const loaded = options.peers ? await context.loadPeers() : { peers: [], skipped: [] };
    skipped.push(...loaded.skipped);
    const peerRounds = Math.min(rounds, options.quick ? 1 : 5);
    const bar = context.progress(rounds + peerRounds * loaded.peers.length);

    const samples = new Map<string, Sample[]>();
    const unlimited = new Map<string, Sample[]>();
    const warmMs = new Map<string, number[]>();
    const memoryMb = new Map<string, number[]>();
    const warmInvokes = options.quick ? 2 : 5;
    const add = (map: Map<string, number[]>, key: string, ...values: number[]): void => void map.set(key, [...(map.get(key) ?? []), ...values]);
    let limits = '';
    const payload = '{"cold":true}';
    /** One fresh lamina serve, a warm-up cold start, then one cold start per runtime in this order. */
    const laminaRound = async (order: readonly ColdRuntime[], extra: string[]): Promise<Map<string, Omit<Sample, 'bareMs'>>> => {
      const lamina = await startLaminaServe(template, extra);
      if (extra.length === 0) limits = lamina.limits;
      const pool = callerPool(lamina.url, 1);
      const measured = new Map<string, Omit<Sample, 'bareMs'>>();
      try {
        const first = await invoke(pool, warmup.name, payload, { tail: true });
        if (first.status !== 200) throw new Error(`warm-up cold start failed: ${first.status} ${first.body.toString()}`);
        for (const runtime of order) {
          const answer = await invoke(pool, runtime.functionName, payload, { tail: true });
          const report = answer.report;
          if (answer.status !== 200 || answer.headers['x-amz-function-error'] !== undefined || !sameJson(answer.body.toString(), payload)) {
            throw new Error(`${runtime.label}: cold invoke answered ${answer.status} ${answer.body.toString().slice(0, 300)}`);
          }
          if (report?.initDurationMs === undefined) throw new Error(`${runtime.label}: no Init Duration in the REPORT line: was it warm?`);
          measured.set(runtime.key, { totalMs: answer.elapsedMs, initMs: report.initDurationMs, invokeMs: report.durationMs });
          if (extra.length === 0) add(memoryMb, runtime.key, report.maxMemoryUsedMb);
        }
        // The matrix's warm column: the same environments again, limits on only.
        for (const runtime of extra.length === 0 ? order : []) {
          for (let i = 0; i < warmInvokes; i += 1) {
            const answer = await invoke(pool, runtime.functionName, payload);
            if (answer.status !== 200) throw new Error(`${runtime.label}: warm invoke answered ${answer.status} ${answer.body.toString().slice(0, 300)}`);
            add(warmMs, runtime.key, answer.elapsedMs);
          }
        }
      } finally {
        await pool.close();
        await lamina.stop();
      }
      return measured;
    };
    const stub = await startColdStub();
    try {
      let round = 0;
      for (const order of alternation(runtimes, rounds)) {
        // Limits on (as users run it) and --no-limits (the sandbox's share), alternating first.
        const modes = round % 2 === 0 ? [[], ['--no-limits']] : [['--no-limits'], []];
        const byMode = new Map<string, Map<string, Omit<Sample, 'bareMs'>>>();
        for (const extra of modes) byMode.set(extra.join(''), await laminaRound(order, extra));
        // The same runtimes with no platform, in the same round and order (once per runtime kind:
        // the container row's runtime is the lamina RIC row's).
        const bareOf = new Map<RuntimeKind, number>();
        for (const runtime of order) {
          const launch = workspace.launch(runtime.runtime);
          const bareMs = bareOf.get(runtime.runtime) ?? (await coldStart(stub, { label: runtime.label, ...launch }, { ...lambdaEnv(stub.address, launch.taskDir), ...launch.env }));
          bareOf.set(runtime.runtime, bareMs);
          for (const [mode, target] of [['', samples], ['--no-limits', unlimited]] as const) {
            const m = byMode.get(mode)?.get(runtime.key);
            if (m !== undefined) target.set(runtime.key, [...(target.get(runtime.key) ?? []), { ...m, bareMs }]);
          }
        }
        round += 1;
        bar.tick(`round of ${order.length * 2} cold starts`);
      }
    } finally {
      await stub.close();
    }

    // Peers: a fresh start per sample; the first invoke's time and the start's own.
    const peerSamples = new Map<string, { startMs: number; firstInvokeMs: number }[]>();
    for (const peer of loaded.peers) {
      for (let i = 0; i < peerRounds; i += 1) {
        try {
          const t0 = performance.now();
          const running = await peer.start(peerFn, { cold: true });
          const t1 = performance.now();
          try {
            const answer = await running.invoke(Buffer.from(payload));
            if (answer.status !== 200) throw new Error(`answered ${answer.status} ${Buffer.from(answer.body).toString().slice(0, 200)}`);
          } finally {
            const t2 = performance.now();
            peerSamples.set(peer.name, [...(peerSamples.get(peer.name) ?? []), { startMs: t1 - t0, firstInvokeMs: t2 - t1 }]);
            await running.stop();
          }
        } catch (error) {
          skipped.push(`peer skipped: ${peer.name}: cold start failed: ${(error as Error).message}`);
          peerSamples.delete(peer.name);
          break;
        }
        bar.tick(`${peer.name} cold start`);
      }
    }
    bar.done();

    const stat = (key: string, pick: (s: Sample) => number): number[] => (samples.get(key) ?? []).map(pick);
    const table: Table = {
      title: `Cold start through the Invoke API (ms, medians of ${rounds} rounds; p10-p90 of the caller's time)`,
      columns: ['runtime', 'caller: invoke to answer', 'p10-p90', 'environment start', 'runtime init (Init Duration)', 'first invoke (Duration)', 'bare runtime start, no platform', 'platform overhead', '--no-limits: caller', '--no-limits: platform overhead'],
      rows: runtimes.map((r) => {
        const total = spread(stat(r.key, (s) => s.totalMs));
        return [
          r.label,
          fmt(total.median),
          `${fmt(total.p10)}-${fmt(total.p90)}`,
          fmt(median(stat(r.key, (s) => coldSplit(s).environmentStartMs)), 2),
          fmt(median(stat(r.key, (s) => s.initMs))),
          fmt(median(stat(r.key, (s) => s.invokeMs)), 2),
          fmt(median(stat(r.key, (s) => s.bareMs))),
          fmt(median(stat(r.key, (s) => coldSplit(s).platformOverheadMs)), 2),
          fmt(median((unlimited.get(r.key) ?? []).map((s) => s.totalMs))),
          fmt(median((unlimited.get(r.key) ?? []).map((s) => coldSplit(s).platformOverheadMs)), 2),
        ];
      }),
      notes: [
        `lamina serve limits: ${limits}`,
        'environment start = caller time - Init Duration - Duration (front door, Runtime API server, scheduling, the answer back).',
        'platform overhead = caller time - bare runtime start - Duration: everything but the runtime\'s own init (includes the sandbox: cgroup, mount namespace).',
        'Each round runs lamina serve with limits and with --no-limits (order alternating). Functions at 1769 MB (1 vCPU). The bare runtime start spawns the same bootstrap against a stub Runtime API in the same round.',
        ...(imageNote === '' ? [] : [imageNote]),
      ],
    };
    const measures = (key: string) => ({ initMs: stat(key, (s) => s.initMs), totalMs: stat(key, (s) => s.totalMs), warmMs: warmMs.get(key) ?? [], memoryMb: memoryMb.get(key) ?? [], bareMs: stat(key, (s) => s.bareMs) });
    const tables: Table[] = [table, matrixTable(runtimes, measures, rounds, nodes)];
    if (peerSamples.size > 0) {
      tables.push({
        title: 'Peers: cold start of the same echo handler (ms, medians)',
        columns: ['what', 'start of the emulator', 'first invoke after start', 'lamina RIC caller time / first invoke'],
        rows: [...peerSamples].map(([name, list]) => {
          const first = median(list.map((s) => s.firstInvokeMs));
          return [`peer: ${name}`, fmt(median(list.map((s) => s.startMs))), fmt(first), `${fmt(median(stat('lamina-ric', (s) => s.totalMs)) / first, 2)}x`];
        }),
      });
    }
    const initRatio = ratioOf(stat('lamina-ric', (s) => s.initMs), stat('official', (s) => s.initMs));
    const bareRatio = ratioOf(stat('lamina-ric', (s) => s.bareMs), stat('official', (s) => s.bareMs));
    const targets: Target[] = matrixTargets(runtimes, measures);
    if (samples.has('official')) {
      targets.push({ what: 'cold start (Init Duration under lamina serve): lamina RIC / official aws-lambda-ric@4', ratio: initRatio.value, goal: '<= 0.75', range: initRatio });
      targets.push({ what: 'cold start (bare spawn to first /next): lamina RIC / official aws-lambda-ric@4', ratio: bareRatio.value, goal: '<= 0.75', range: bareRatio });
    }
    for (const r of runtimes) {
      const overhead = stat(r.key, (s) => coldSplit(s).platformOverheadMs);
      const free = (unlimited.get(r.key) ?? []).map((s) => coldSplit(s).platformOverheadMs);
      if (r.key === 'lamina-ric' || r.key === 'tiny-c') {
        targets.push({ what: `cold start platform overhead in ms (everything but runtime init), ${r.label}`, ratio: median(overhead), goal: '< 5', range: { low: Math.min(...overhead), high: Math.max(...overhead) } });
        targets.push({ what: `cold start platform overhead in ms, --no-limits (no cgroup, no mount namespace), ${r.label}`, ratio: median(free), goal: '< 5', range: { low: Math.min(...free), high: Math.max(...free) } });
      }
    }
    // Issue 6: a container cold start at most 150 ms over process mode (same handler, same round).
    const overProcess = containerOverProcess(samples);
    if (overProcess.length > 0) {
      const over = spread(overProcess);
      targets.push({ what: `cold start: ${CONTAINER_ROW.label} caller time - lamina RIC (process) caller time, ms, paired by round`, ratio: over.median, goal: '<= 150', range: { low: over.p10, high: over.p90 } });
    }
    for (const [name, list] of peerSamples) {
      targets.push({ what: `cold start: lamina RIC caller time / ${name} first invoke`, ratio: median(stat('lamina-ric', (s) => s.totalMs)) / median(list.map((s) => s.firstInvokeMs)), goal: '< 1' });
    }
    const chart = stackedBarChart({
      title: 'Cold start by runtime (median ms, invoke to answer)',
      yLabel: 'milliseconds',
      segments: ['environment start', 'runtime init (Init Duration)', 'first invoke (Duration)'],
      bars: runtimes.map((r) => ({
        label: r.label,
        values: [median(stat(r.key, (s) => coldSplit(s).environmentStartMs)), median(stat(r.key, (s) => s.initMs)), median(stat(r.key, (s) => s.invokeMs))],
      })),
    });
    return {
      scenario: 'cold',
      title: this.title,
      command: context.command,
      tables,
      targets,
      charts: [
        { name: 'by-runtime', title: 'cold start by runtime', svg: chart },
        { name: 'matrix', title: 'runtime matrix: Init Duration by runtime and client', svg: matrixChart(runtimes, measures, (key) => stat(key, (s) => s.invokeMs)) },
      ],
      skipped,
      raw: { limits, rounds, nodes, samples: Object.fromEntries(samples), noLimits: Object.fromEntries(unlimited), warmMs: Object.fromEntries(warmMs), memoryMb: Object.fromEntries(memoryMb), peers: Object.fromEntries(peerSamples) },
    };
  },
};
