/**
 * routing: the cost of an alias's weighted routing on a warm invoke (docs/control-plane.md).
 *
 * One function, published twice, two aliases in one server (bench/harness/routing-server.ts):
 * `plain` points at version 1; `weighted` points at version 1 with half the invokes routed to
 * version 2 (RoutingConfig.AdditionalVersionWeights 0.5). Sequential invokes at 1 KB, the two
 * sides alternating in rounds; the target is the ratio of their p50s (medians of rounds), at most
 * 1.05x. Each answer's X-Amz-Executed-Version is counted, so a routing that did not happen shows.
 * A third side names versions 1 and 2 in turn without an alias: the same two warm environments,
 * no routing, which separates routing's own cost from that of keeping two environments busy.
 */
import type { Pool } from 'undici';
import { callerPool, invoke, jsonPayload, LOST_AFTER_MS } from '../harness/invoke-client.js';
import { LatencyRecorder } from '../harness/latency.js';
import { sequential, type Call } from '../harness/load.js';
import { fmt, type ScenarioResult, type Target } from '../harness/result.js';
import { alternation, ratioOf } from '../harness/stats.js';
import { startProcess } from '../lib/processes.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

const FUNCTION = 'Routed';
/** The aliases routing-server.ts makes. */
const SIDES = [
  { key: 'plain', label: 'alias without routing (version 1)' },
  { key: 'weighted', label: 'alias with RoutingConfig 0.5 (versions 1 and 2)' },
  // The same two warm environments without any routing: the caller names versions 1 and 2 in turn.
  { key: 'alternate', label: 'versions 1 and 2 named in turn (no alias, two environments)' },
] as const;

function sideCall(pool: Pool, side: string, payload: string, executed: Map<string, number>): Call {
  const bytes = Buffer.byteLength(payload);
  let turn = 0;
  return async () => {
    turn += 1;
    const alias = side === 'alternate' ? String(1 + (turn % 2)) : side;
    const answer = await invoke(pool, `${FUNCTION}:${alias}`, payload);
    if (answer.status !== 200 || answer.body.length !== bytes) throw new Error(`${alias}: answered ${answer.status} with ${answer.body.length} bytes, expected 200 with ${bytes}`);
    const version = String(answer.headers['x-amz-executed-version'] ?? '?');
    executed.set(version, (executed.get(version) ?? 0) + 1);
  };
}

export const routingScenario: Scenario = {
  name: 'routing',
  title: 'Weighted alias routing: warm invoke p50 against an alias without routing',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const rounds = options.rounds;
    const requests = sized(options, 3000, 300);
    const template = workspace.template([{ name: FUNCTION, runtime: 'floor-loop', memoryMb: 3008 }], 'routing.yaml');
    const server = await startProcess(process.execPath, ['dist/bench/harness/routing-server.js', template], /routing bench on (http:\/\/[\d.:]+)/);
    const pool = callerPool(server.url, 1, LOST_AFTER_MS);
    try {
      const payload = jsonPayload(1024);
      const executed = new Map<string, Map<string, number>>(SIDES.map((side) => [side.key, new Map<string, number>()]));
      const latency = new Map<string, LatencyRecorder>(SIDES.map((side) => [side.key, new LatencyRecorder()]));
      const roundP50 = new Map<string, number[]>(SIDES.map((side) => [side.key, []]));
      const bar = context.progress(rounds * SIDES.length);
      for (const order of alternation(SIDES, rounds)) {
        for (const side of order) {
          const recorder = new LatencyRecorder();
          await sequential(sideCall(pool, side.key, payload, executed.get(side.key) ?? new Map()), requests, recorder, Math.max(20, Math.round(requests / 10)));
          latency.get(side.key)?.add(recorder);
          roundP50.get(side.key)?.push(recorder.summary().p50);
          bar.tick(side.key);
        }
      }
      bar.done();
      const us = (v: number): string => fmt(v, 0);
      const ratio = ratioOf(roundP50.get('weighted') ?? [], roundP50.get('plain') ?? []);
      const versions = (key: string): string => [...(executed.get(key) ?? new Map<string, number>()).entries()].sort().map(([v, n]) => `${v}: ${n}`).join(', ');
      const own = ratioOf(roundP50.get('weighted') ?? [], roundP50.get('alternate') ?? []);
      const targets: Target[] = [
        { what: 'warm sequential p50 at 1 KB: alias with routing 0.5 / alias without routing', ratio: ratio.value, goal: '<= 1.05', range: ratio },
        { what: 'routing alone: alias with routing 0.5 / the same two versions named in turn', ratio: own.value, goal: '<= 1.05', range: own },
      ];
      const raw: Record<string, unknown> = {};
      for (const side of SIDES) raw[side.key] = { summary: latency.get(side.key)?.summary(), roundP50: roundP50.get(side.key), executed: Object.fromEntries(executed.get(side.key) ?? []), histogram: latency.get(side.key)?.encoded() };
      return {
        scenario: 'routing',
        title: this.title,
        command: context.command,
        tables: [{
          title: `Sequential latency, 1 KB payload (µs; ${requests} invokes x ${rounds} rounds per side)`,
          columns: ['what', 'p50', 'p90', 'p99', 'p50 / no routing', 'p50 range of rounds', 'executed versions'],
          rows: SIDES.map((side) => {
            const s = latency.get(side.key)?.summary();
            const r = ratioOf(roundP50.get(side.key) ?? [], roundP50.get('plain') ?? []);
            const p50s = roundP50.get(side.key) ?? [];
            return [side.label, us(s?.p50 ?? NaN), us(s?.p90 ?? NaN), us(s?.p99 ?? NaN), `${fmt(r.value, 3)}x`, `${us(Math.min(...p50s))}-${us(Math.max(...p50s))}`, versions(side.key)];
          }),
          notes: ['One function (the floor runtime loop, 3008 MB), one server process without kernel limits; the aliases are made through the registry as PublishVersion and CreateAlias make them.'],
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
