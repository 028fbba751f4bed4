/**
 * warm: a warm function under load, against the floor relay measured in the same run.
 *
 * Sides: the floor (bench/floor: relay + smallest runtime loop), Lamina running that same runtime
 * loop as a custom runtime (the target ratios: only the platform differs), Lamina with its own
 * RIC (nodejs20.x, echo handler), the official aws-lambda-ric@4 under Lamina, and the peers.
 * Sequential latency (p50/p90/p99/p99.9) at 1 KB, 64 KB and 1 MB; throughput with 1, 2, 8 and
 * 64 closed-loop callers at 1 KB (2, 8 and 64 with --quick). Sides alternate in rounds; ratios
 * are of medians of rounds. Each throughput window also reads the CPU (utime + stime, /proc) of
 * the process that relays (the floor relay, or `lamina serve`), per completed invoke: on a
 * machine whose cores are saturated throughput follows the total CPU per invoke, so that column
 * says why a ratio is what it is, and survives a busy machine better than invokes/s.
 */
import type { Pool } from 'undici';
import type { BenchFunction } from '../harness/bench-functions.js';
import { callerPool, invoke, jsonPayload, LOST_AFTER_MS } from '../harness/invoke-client.js';
import { LatencyRecorder } from '../harness/latency.js';
import { closedLoop, sequential, type Call } from '../harness/load.js';
import { startLaminaServe } from '../harness/lamina-process.js';
import { fmt, type ScenarioResult, type Table, type Target } from '../harness/result.js';
import { costLine } from '../harness/run-cost.js';
import { alternation, median, ratioOf } from '../harness/stats.js';
import { lineChart } from '../harness/svg-charts.js';
import { startFloor } from '../floor/floor-process.js';
import { cpuPerInvokeUs, processCpuMs } from '../floor/process-cpu.js';
import type { RunningPeer } from '../peers/types.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

interface Side {
  readonly key: string;
  readonly label: string;
  /** A call with this payload through `callers` connections. */
  call(payload: string, callers: number): Call;
  /** Sequential-only sides (peers) are not load tested. */
  readonly loadTested: boolean;
  /** The process whose CPU per invoke is reported (the relay, or lamina serve). */
  readonly pid?: number;
}

/** The throughput targets: Lamina with the floor's runtime loop at least as fast as the floor relay. */
export const TARGET_CALLERS = [2, 8, 64] as const;

const PAYLOADS = [1024, 64 * 1024, 1024 * 1024] as const;

/** Checks the echo came back whole: a wrong answer must not count as a fast one. */
function checked(label: string, send: () => Promise<{ status: number; bytes: number }>, expected: number): Call {
  return async () => {
    const { status, bytes } = await send();
    if (status !== 200 || bytes !== expected) throw new Error(`${label}: answered ${status} with ${bytes} bytes, expected 200 with ${expected}`);
  };
}

function poolSide(key: string, label: string, url: string, functionName: string, pools: Pool[]): Side {
  const byCallers = new Map<number, Pool>();
  return {
    key,
    label,
    loadTested: true,
    call(payload, callers) {
      let pool = byCallers.get(callers);
      if (pool === undefined) {
        pool = callerPool(url, callers, LOST_AFTER_MS);
        byCallers.set(callers, pool);
        pools.push(pool);
      }
      const p = pool;
      const bytes = Buffer.byteLength(payload);
      return checked(label, async () => {
        const answer = await invoke(p, functionName, payload);
        return { status: answer.status, bytes: answer.body.length };
      }, bytes);
    },
  };
}

function peerSide(peer: RunningPeer): Side {
  return {
    key: `peer-${peer.name}`,
    label: `peer: ${peer.name}`,
    loadTested: false,
    call(payload) {
      const bytes = Buffer.from(payload);
      return checked(peer.name, async () => {
        const answer = await peer.invoke(bytes);
        return { status: answer.status, bytes: answer.body.byteLength };
      }, bytes.length);
    },
  };
}

/** x position of a percentile on a "nines" axis: 50 -> 0.3, 90 -> 1, 99 -> 2, 99.9 -> 3. */
export function nines(percentile: number): number {
  return -Math.log10(1 - Math.min(percentile, 99.99) / 100);
}

export const NINES_TICKS: [number, string][] = [
  [0, 'p0'],
  [nines(50), 'p50'],
  [nines(90), 'p90'],
  [nines(99), 'p99'],
  [nines(99.9), 'p99.9'],
  [nines(99.99), 'p99.99'],
];

export const warmScenario: Scenario = {
  name: 'warm',
  title: 'Warm invokes: latency and throughput against the floor relay',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const rounds = options.rounds;
    const requests = sized(options, 2000, 200);
    const perPayload: Record<number, number> = { 1024: requests, [64 * 1024]: sized(options, 600, 60), [1024 * 1024]: sized(options, 60, 10) };
    const callerCounts = options.quick ? [...TARGET_CALLERS] : [1, ...TARGET_CALLERS];
    const windowMs = sized(options, 2000, 400);
    const skipped: string[] = [];
    const functions: BenchFunction[] = [
      { name: 'WarmLoop', runtime: 'floor-loop', memoryMb: 3008 },
      { name: 'WarmRic', runtime: 'lamina-ric', memoryMb: 3008 },
    ];
    const official = workspace.unavailable('official-ric');
    if (official === undefined) functions.push({ name: 'WarmOfficial', runtime: 'official-ric', memoryMb: 3008 });
    else skipped.push(`official aws-lambda-ric@4 skipped: ${official}`);
    const floorUnavailable = workspace.unavailable('floor-loop');
    if (floorUnavailable !== undefined) throw new Error(floorUnavailable);

    const pools: Pool[] = [];
    const running: RunningPeer[] = [];
    const floor = await startFloor(1);
    const lamina = await startLaminaServe(workspace.template(functions, 'warm.yaml'));
    try {
      const sides: Side[] = [
        { ...poolSide('floor', 'floor: relay + smallest runtime loop', floor.url, 'floor', pools), pid: floor.pid },
        { ...poolSide('lamina-loop', 'lamina serve + the same runtime loop', lamina.url, 'WarmLoop', pools), pid: lamina.pid },
        { ...poolSide('lamina-ric', 'lamina serve + lamina RIC (nodejs20.x)', lamina.url, 'WarmRic', pools), pid: lamina.pid },
      ];
      if (official === undefined) sides.push({ ...poolSide('official', 'lamina serve + official aws-lambda-ric@4', lamina.url, 'WarmOfficial', pools), loadTested: false });
      if (options.peers) {
        const loaded = await context.loadPeers();
        skipped.push(...loaded.skipped);
        for (const peer of loaded.peers) {
          try {
            const started = await peer.start({ name: 'WarmEcho', handlerDir: workspace.handlerDir, handler: 'index.handler', memoryMb: 1024, timeoutSeconds: 30 }, { cold: false });
            running.push(started);
            sides.push(peerSide(started));
          } catch (error) {
            skipped.push(`peer skipped: ${peer.name}: start failed: ${(error as Error).message}`);
          }
        }
      }
      const loaded = sides.filter((s) => s.loadTested);
      // Every payload size: the load-tested sides and the official client (the RIC's own baseline at 1 MB).
      const everySize = sides.filter((s) => s.loadTested || s.key === 'official');
      const steps = rounds * (sides.length + (PAYLOADS.length - 1) * everySize.length + callerCounts.length * loaded.length);
      const bar = context.progress(steps);

      // Sequential latency at every payload size, sides alternating in rounds.
      const latency = new Map<string, LatencyRecorder>();
      const roundP50 = new Map<string, number[]>();
      for (const order of alternation(sides, rounds)) {
        for (const payloadBytes of PAYLOADS) {
          const payload = jsonPayload(payloadBytes);
          for (const side of payloadBytes === 1024 ? order : order.filter((s) => everySize.includes(s))) {
            const key = `${side.key}@${payloadBytes}`;
            const recorder = new LatencyRecorder();
            const count = perPayload[payloadBytes] ?? requests;
            await sequential(side.call(payload, 1), count, recorder, Math.max(5, Math.round(count / 10)));
            (latency.get(key) ?? latency.set(key, new LatencyRecorder()).get(key))?.add(recorder);
            roundP50.set(key, [...(roundP50.get(key) ?? []), recorder.summary().p50]);
            bar.tick(`sequential ${side.key} ${payloadBytes} B`);
          }
        }
      }

      // Throughput against concurrency at 1 KB.
      const payload = jsonPayload(1024);
      const rates = new Map<string, number[]>();
      const cpu = new Map<string, number[]>();
      const loadLatency = new Map<string, LatencyRecorder>();
      const loadErrors: string[] = [];
      for (const [round, order] of alternation(loaded, rounds).entries()) {
        for (const callers of callerCounts) {
          floor.scaleTo(callers);
          for (const side of order) {
            const call = side.call(payload, callers);
            const warmup = await closedLoop(call, callers, Math.min(500, windowMs)); // environments start here
            if (warmup.errors > 0) loadErrors.push(`${side.label} at ${callers} callers, round ${round + 1}, warm-up: ${warmup.errors} failed calls (${warmup.firstError ?? ''})`);
            const cpuBefore = side.pid === undefined ? undefined : processCpuMs(side.pid);
            const measured = await closedLoop(call, callers, windowMs);
            const cpuAfter = side.pid === undefined ? undefined : processCpuMs(side.pid);
            if (measured.errors > 0) loadErrors.push(`${side.label} at ${callers} callers, round ${round + 1}: ${measured.errors} failed calls (${measured.firstError ?? ''}${/Timeout/.test(measured.firstError ?? '') ? `: not answered within ${LOST_AFTER_MS} ms, a lost invocation` : ''})`);
            const key = `${side.key}@${callers}`;
            rates.set(key, [...(rates.get(key) ?? []), measured.perSecond]);
            cpu.set(key, [...(cpu.get(key) ?? []), cpuPerInvokeUs(cpuBefore, cpuAfter, measured.completed)]);
            (loadLatency.get(key) ?? loadLatency.set(key, new LatencyRecorder()).get(key))?.add(measured.latency);
            bar.tick(`${callers} callers ${side.key}`);
          }
        }
      }
      bar.done();

      const us = (v: number): string => fmt(v, 0);
      const sequentialTable = (bytes: number, list: readonly Side[]): Table => ({
        title: `Sequential latency, ${bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MB` : `${bytes / 1024} KB`} payload (µs; ${perPayload[bytes] ?? requests} invokes x ${rounds} rounds per side)`,
        columns: ['what', 'p50', 'p90', 'p99', 'p99.9', 'p50 / floor p50', 'p50 range of rounds'],
        rows: list.map((side) => {
          const key = `${side.key}@${bytes}`;
          const s = latency.get(key)?.summary();
          const r = ratioOf(roundP50.get(key) ?? [], roundP50.get(`floor@${bytes}`) ?? []);
          const rounds50 = roundP50.get(key) ?? [];
          return [side.label, us(s?.p50 ?? NaN), us(s?.p90 ?? NaN), us(s?.p99 ?? NaN), us(s?.p999 ?? NaN), `${fmt(r.value, 2)}x`, `${us(Math.min(...rounds50))}-${us(Math.max(...rounds50))}`];
        }),
      });
      const throughputTable: Table = {
        title: `Throughput at 1 KB (invokes/s, median of ${rounds} rounds of ${windowMs} ms; closed-loop callers)`,
        columns: ['what', ...callerCounts.map((c) => `${c} caller${c === 1 ? '' : 's'}`), `p99 at ${callerCounts.at(-1) ?? 1} callers (µs)`, ...TARGET_CALLERS.map((c) => `${c} callers / floor`)],
        rows: loaded.map((side) => [
          side.label,
          ...callerCounts.map((c) => fmt(median(rates.get(`${side.key}@${c}`) ?? []), 0)),
          us(loadLatency.get(`${side.key}@${callerCounts.at(-1) ?? 1}`)?.summary().p99 ?? NaN),
          ...TARGET_CALLERS.map((c) => `${fmt(ratioOf(rates.get(`${side.key}@${c}`) ?? [], rates.get(`floor@${c}`) ?? []).value, 2)}x`),
        ]),
        notes: loadErrors,
      };
      const cpuOf = (key: string): number => median((cpu.get(key) ?? []).filter((v) => Number.isFinite(v)));
      const cpuTable: Table = {
        title: `CPU per invoke of the relaying process at 1 KB (µs of utime + stime from /proc per completed invoke, median of ${rounds} rounds; x = / the floor relay's)`,
        columns: ['what', 'process', ...callerCounts.map((c) => `${c} caller${c === 1 ? '' : 's'}`)],
        rows: loaded.map((side) => [
          side.label,
          side.key === 'floor' ? 'floor relay' : 'lamina serve',
          ...callerCounts.map((c) => {
            const value = cpuOf(`${side.key}@${c}`);
            return side.key === 'floor' ? us(value) : `${us(value)} (${fmt(value / cpuOf(`floor@${c}`), 2)}x)`;
          }),
        ]),
        notes: [
          'On 2 saturated cores, throughput ~ 2 s of CPU / (CPU per invoke of the callers + this process + the runtime): lamina serve at or below the relay is what a throughput ratio >= 1.0 needs.',
          'The function\'s own processes (runtime loop, RIC) are not in this column; on the floor side they are the same loop.',
        ],
      };
      const p50 = ratioOf(roundP50.get('lamina-loop@1024') ?? [], roundP50.get('floor@1024') ?? []);
      const targets: Target[] = [{ what: 'warm sequential p50 at 1 KB: lamina / floor relay (same runtime loop)', ratio: p50.value, goal: '<= 1.3', range: p50 }];
      for (const callers of TARGET_CALLERS.filter((c) => callerCounts.includes(c))) {
        const rate = ratioOf(rates.get(`lamina-loop@${callers}`) ?? [], rates.get(`floor@${callers}`) ?? []);
        targets.push({ what: `warm throughput at ${callers} callers: lamina / floor relay (same runtime loop)`, ratio: rate.value, goal: '>= 1.0', range: rate });
      }
      // Issue 18: our RIC against the floor's byte relay, and against the official client that parses the same JSON.
      for (const bytes of PAYLOADS) {
        const size = bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MB` : `${bytes / 1024} KB`;
        const floorRatio = ratioOf(roundP50.get(`lamina-ric@${bytes}`) ?? [], roundP50.get(`floor@${bytes}`) ?? []);
        targets.push({ what: `warm sequential p50 at ${size}: lamina RIC / floor relay (tiny runtime)`, ratio: floorRatio.value, goal: '<= 1.0', range: floorRatio });
        if (!everySize.some((s) => s.key === 'official')) continue;
        const officialRatio = ratioOf(roundP50.get(`lamina-ric@${bytes}`) ?? [], roundP50.get(`official@${bytes}`) ?? []);
        targets.push({ what: `warm sequential p50 at ${size}: lamina RIC / official aws-lambda-ric@4 (both under lamina serve)`, ratio: officialRatio.value, goal: '<= 1.0', range: officialRatio });
      }
      for (const side of sides.filter((s) => s.key.startsWith('peer-'))) {
        const r = ratioOf(roundP50.get('lamina-ric@1024') ?? [], roundP50.get(`${side.key}@1024`) ?? []);
        targets.push({ what: `warm sequential p50: lamina RIC / ${side.label}`, ratio: r.value, goal: '< 1', range: r });
      }
      const distribution = lineChart({
        title: 'Warm sequential latency distribution, 1 KB payload',
        xLabel: 'percentile',
        yLabel: 'latency (µs, log scale)',
        yLog: true,
        xTicks: NINES_TICKS,
        series: sides.map((side) => ({ name: side.label, points: (latency.get(`${side.key}@1024`)?.distribution() ?? []).filter(([p]) => p < 100).map(([p, v]) => [nines(p), v] as const) })),
      });
      const throughputChart = lineChart({
        title: 'Warm throughput against concurrent callers, 1 KB payload',
        xLabel: 'concurrent callers (log scale)',
        yLabel: 'invokes/s',
        xLog: true,
        series: loaded.map((side) => ({ name: side.label, points: callerCounts.map((c) => [c, median(rates.get(`${side.key}@${c}`) ?? [])] as const) })),
      });
      const cost = await costLine(lamina.url);
      const raw: Record<string, unknown> = { limits: lamina.limits, latency: {}, throughput: {} };
      for (const [key, recorder] of latency) (raw.latency as Record<string, unknown>)[key] = { summary: recorder.summary(), roundP50: roundP50.get(key), histogram: recorder.encoded(), samples: recorder.samples };
      for (const [key, values] of rates) (raw.throughput as Record<string, unknown>)[key] = { perSecondByRound: values, cpuPerInvokeUsByRound: cpu.get(key), latency: loadLatency.get(key)?.summary(), histogram: loadLatency.get(key)?.encoded() };
      return {
        scenario: 'warm',
        title: this.title,
        command: context.command,
        tables: [
          { ...sequentialTable(1024, sides), notes: [`lamina serve limits: ${lamina.limits}`, 'Functions at 3008 MB (1.7 vCPU of CPU quota when limits are on). The floor relay has no limits, logs or REPORT lines.', ...(cost === undefined ? [] : [cost])] },
          sequentialTable(64 * 1024, everySize),
          sequentialTable(1024 * 1024, everySize),
          throughputTable,
          cpuTable,
        ],
        targets,
        charts: [
          { name: 'latency', title: 'latency distribution', svg: distribution },
          { name: 'throughput', title: 'throughput against concurrency', svg: throughputChart },
        ],
        skipped,
        raw,
      };
    } finally {
      for (const pool of pools) await pool.close().catch(() => undefined);
      for (const peer of running) await peer.stop().catch(() => undefined);
      await lamina.stop();
      await floor.stop();
    }
  },
};
