/**
 * observability: what metrics and logs cost a warm invoke (issue 17: at most 1.05x on p50).
 *
 * One server process (bench/harness/observability-server.ts) whose observers are switched on and
 * off between rounds: the same warm environment, the same process, only the listeners differ.
 * Off: no observer. On: `/metrics` (CloudWatch's metrics from every phase record and state, EMF
 * checks of every log line), the log store (every line kept per stream, appended in batches) and
 * the dashboard's model: what `lamina serve` runs by default. Sequential invokes at 1 KB of the floor runtime loop (the smallest
 * runtime, so the platform's share, and the observers', is the largest); sides alternate in
 * rounds and the target is the ratio of the medians of the rounds' p50s.
 */
import { tmpdir } from 'node:os';
import { callerPool, invoke, jsonPayload, LOST_AFTER_MS } from '../harness/invoke-client.js';
import { LatencyRecorder } from '../harness/latency.js';
import { sequential, type Call } from '../harness/load.js';
import { fmt, type ScenarioResult, type Target } from '../harness/result.js';
import { costLine } from '../harness/run-cost.js';
import { observerMicroseconds } from '../harness/observer-cost.js';
import { alternation, ratioOf } from '../harness/stats.js';
import { startProcess } from '../lib/processes.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

const FUNCTION = 'Observed';
const SIDES = [
  { key: 'off', label: 'observers off' },
  { key: 'on', label: 'metrics + log store + dashboard model on' },
] as const;

export const observabilityScenario: Scenario = {
  name: 'observability',
  title: 'Metrics and logs: warm invoke p50 with the observers on against off',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const rounds = Math.max(options.rounds, options.quick ? 2 : 5);
    const requests = sized(options, 2000, 200);
    const template = workspace.template([{ name: FUNCTION, runtime: 'floor-loop', memoryMb: 3008 }], 'observability.yaml');
    const server = await startProcess(process.execPath, ['dist/bench/harness/observability-server.js', template], /observability bench on (http:\/\/[\d.:]+)/);
    const control = /control (http:\/\/[\d.:]+)/.exec(server.banner)?.[1] ?? '';
    const pool = callerPool(server.url, 1, LOST_AFTER_MS);
    try {
      const payload = jsonPayload(1024);
      const bytes = Buffer.byteLength(payload);
      const call: Call = async () => {
        const answer = await invoke(pool, FUNCTION, payload);
        if (answer.status !== 200 || answer.body.length !== bytes) throw new Error(`answered ${answer.status} with ${answer.body.length} bytes, expected 200 with ${bytes}`);
      };
      const latency = new Map<string, LatencyRecorder>(SIDES.map((side) => [side.key, new LatencyRecorder()]));
      const roundP50 = new Map<string, number[]>(SIDES.map((side) => [side.key, []]));
      const bar = context.progress(rounds * SIDES.length);
      for (const order of alternation(SIDES, rounds)) {
        for (const side of order) {
          const switched = await fetch(`${control}/${side.key}`, { method: 'POST' });
          if ((await switched.text()) !== side.key) throw new Error(`the server did not switch its observers ${side.key}`);
          const recorder = new LatencyRecorder();
          await sequential(call, requests, recorder, Math.max(20, Math.round(requests / 10)));
          latency.get(side.key)?.add(recorder);
          roundP50.get(side.key)?.push(recorder.summary().p50);
          bar.tick(side.key);
        }
      }
      bar.done();
      const cost = await costLine(server.url);
      const cpu = await observerMicroseconds(sized(options, 200_000, 20_000), tmpdir());
      const offP50 = latency.get('off')?.summary().p50 ?? Number.NaN;
      const us = (v: number): string => fmt(v, 0);
      const ratio = ratioOf(roundP50.get('on') ?? [], roundP50.get('off') ?? []);
      const targets: Target[] = [
        { what: 'warm sequential p50 at 1 KB: observers on / off', ratio: ratio.value, goal: '<= 1.05', range: ratio },
        // The CPU the observers add to one invocation, over the off side's p50: the bound when latencies are noisy.
        { what: 'observers CPU per invocation / off p50 (1 + share)', ratio: 1 + cpu / offP50, goal: '<= 1.05' },
      ];
      const raw: Record<string, unknown> = {};
      raw.observerMicroseconds = cpu;
      for (const side of SIDES) raw[side.key] = { summary: latency.get(side.key)?.summary(), roundP50: roundP50.get(side.key), histogram: latency.get(side.key)?.encoded() };
      return {
        scenario: 'observability',
        title: this.title,
        command: context.command,
        tables: [{
          title: `Sequential latency, 1 KB payload (µs; ${requests} invokes x ${rounds} rounds per side)`,
          columns: ['what', 'p50', 'p90', 'p99', 'p50 / off', 'p50 range of rounds'],
          rows: SIDES.map((side) => {
            const s = latency.get(side.key)?.summary();
            const r = ratioOf(roundP50.get(side.key) ?? [], roundP50.get('off') ?? []);
            const p50s = roundP50.get(side.key) ?? [];
            return [side.label, us(s?.p50 ?? NaN), us(s?.p90 ?? NaN), us(s?.p99 ?? NaN), `${fmt(r.value, 3)}x`, `${us(Math.min(...p50s))}-${us(Math.max(...p50s))}`];
          }),
          notes: [
            `The observers' CPU per invocation (metrics, EMF checks, the log store with its writes, the dashboard's model), measured in the bench process on an invocation's records and lines: ${fmt(cpu, 2)} µs.`,
            'One function (the floor runtime loop, 3008 MB), one server process without kernel limits; the same warm environment serves both sides.',
            'All three are the real observers lamina serve attaches (no browser connected to the dashboard).',
            ...(cost === undefined ? [] : [`${cost} (metrics count the "on" rounds only)`]),
          ],
        }],
        targets,
        charts: [],
        skipped: [],
        raw,
      };
    } finally {
      await pool.close().catch(() => undefined);
      await server.stop();
    }
  },
};
