/**
 * http: the HTTP front end's own cost (issue 13, docs/http-front-ends.md).
 *
 * One echo function (Lamina's RIC, nodejs20.x) with an `HttpApi` event `GET /hello`, reached two
 * ways in the same `lamina serve`: the Invoke API (a 1 KB JSON payload, about the size of the
 * HTTP API's 2.0 event) and the HTTP API (`GET /hello?name=bench`: the front end builds the 2.0
 * event, invokes through the same `InvokePort`, and maps the echoed event back as a bare value,
 * 200 `application/json`). Beside them, serverless-offline's HTTP front end for the same handler
 * and route (an `httpApi` event) and its Invoke API. Sequential requests from one keep-alive
 * caller, sides alternating in rounds; p50 of each round.
 *
 * Targets: HTTP API p50 / Invoke API p50 <= 1.2 (same function, same run); Lamina's HTTP API p50 /
 * serverless-offline's HTTP API p50 <= 0.5.
 */
import { Pool } from 'undici';
import type { BenchFunction } from '../harness/bench-functions.js';
import { callerPool, invoke, jsonPayload, LOST_AFTER_MS } from '../harness/invoke-client.js';
import { LatencyRecorder } from '../harness/latency.js';
import { sequential, type Call } from '../harness/load.js';
import { startLaminaServe } from '../harness/lamina-process.js';
import { fmt, type ScenarioResult, type Target } from '../harness/result.js';
import { alternation, ratioOf } from '../harness/stats.js';
import { freePort } from '../peers/peer-process.js';
import type { RunningPeer } from '../peers/types.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

interface Side {
  readonly key: string;
  readonly label: string;
  readonly call: Call;
}

const ROUTE = { method: 'GET', path: '/hello' } as const;
const QUERY = '?name=bench';

/** A GET through an HTTP front end: a 200 whose JSON body is the echoed event naming the route. */
export function httpSide(key: string, label: string, pool: Pool, expectRoute: boolean): Side {
  return {
    key,
    label,
    async call() {
      const answer = await pool.request({ method: 'GET', path: `${ROUTE.path}${QUERY}` });
      const body = await answer.body.text();
      // A wrong answer must not count as a fast one.
      if (answer.statusCode !== 200 || (expectRoute && !body.includes('"routeKey":"GET /hello"')) || !body.includes('bench')) throw new Error(`${label}: answered ${answer.statusCode} ${body.slice(0, 200)}`);
    },
  };
}

function invokeSide(key: string, label: string, send: (payload: string) => Promise<{ status: number; bytes: number }>): Side {
  const payload = jsonPayload(1024);
  return {
    key,
    label,
    async call() {
      const { status, bytes } = await send(payload);
      if (status !== 200 || bytes !== payload.length) throw new Error(`${label}: answered ${status} with ${bytes} bytes, expected 200 with ${payload.length}`);
    },
  };
}

export const httpScenario: Scenario = {
  name: 'http',
  title: 'HTTP front end: HTTP API requests against direct invokes, and against serverless-offline',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const rounds = options.quick ? 2 : options.rounds * 2;
    const requests = sized(options, 2000, 100);
    const skipped: string[] = [];
    const functions: BenchFunction[] = [{ name: 'HttpEcho', runtime: 'lamina-ric', memoryMb: 1769, httpApi: ROUTE }];
    // A port of ours: the banner line with the API's URL may come after the line startLaminaServe waits for.
    const apiPort = await freePort();
    const lamina = await startLaminaServe(workspace.template(functions, 'http.yaml'), ['--api-port', String(apiPort)]);
    const pools: Pool[] = [];
    const running: RunningPeer[] = [];
    try {
      const invokePool = callerPool(lamina.url, 1, LOST_AFTER_MS);
      const httpPool = callerPool(`http://127.0.0.1:${apiPort}`, 1, LOST_AFTER_MS);
      pools.push(invokePool, httpPool);
      const sides: Side[] = [
        invokeSide('invoke', 'lamina serve: Invoke API (1 KB payload)', async (payload) => {
          const answer = await invoke(invokePool, 'HttpEcho', payload);
          return { status: answer.status, bytes: answer.body.length };
        }),
        httpSide('http-api', 'lamina serve: HTTP API GET /hello (payload 2.0)', httpPool, true),
      ];
      if (options.peers) {
        const loaded = await context.loadPeers();
        const offline = loaded.peers.find((peer) => peer.name.startsWith('serverless-offline'));
        skipped.push(...loaded.skipped.filter((reason) => reason.includes('serverless-offline')));
        if (offline === undefined && !skipped.some((reason) => reason.includes('serverless-offline'))) skipped.push('peer skipped: serverless-offline is not among the peers');
        if (offline !== undefined) {
          try {
            const started = await offline.start({ name: 'HttpEcho', handlerDir: workspace.handlerDir, handler: 'index.handler', memoryMb: 1024, timeoutSeconds: 30, httpApi: ROUTE }, { cold: false });
            running.push(started);
            if (started.httpUrl === undefined) throw new Error('no HTTP front end URL');
            const peerPool = callerPool(started.httpUrl, 1, LOST_AFTER_MS);
            pools.push(peerPool);
            sides.push(
              httpSide('peer-http', `${offline.name}: HTTP API GET /hello`, peerPool, true),
              invokeSide('peer-invoke', `${offline.name}: Invoke API (1 KB payload)`, async (payload) => {
                const answer = await started.invoke(Buffer.from(payload));
                return { status: answer.status, bytes: answer.body.byteLength };
              }),
            );
          } catch (error) {
            skipped.push(`peer skipped: ${offline.name}: start failed: ${(error as Error).message}`);
          }
        }
      }
      const bar = context.progress(rounds * sides.length);
      const roundP50 = new Map<string, number[]>();
      const all = new Map<string, LatencyRecorder>();
      for (const order of alternation(sides, rounds)) {
        for (const side of order) {
          const recorder = new LatencyRecorder();
          await sequential(side.call, requests, recorder, Math.max(5, Math.round(requests / 10)));
          roundP50.set(side.key, [...(roundP50.get(side.key) ?? []), recorder.summary().p50]);
          (all.get(side.key) ?? all.set(side.key, new LatencyRecorder()).get(side.key))?.add(recorder);
          bar.tick(side.key);
        }
      }
      bar.done();

      const p50s = (key: string): number[] => roundP50.get(key) ?? [];
      const targets: Target[] = [];
      const overhead = ratioOf(p50s('http-api'), p50s('invoke'));
      targets.push({ what: 'warm p50: HTTP API request / direct Invoke API call (same function, same lamina serve)', ratio: overhead.value, goal: '<= 1.2', range: overhead });
      if (roundP50.has('peer-http')) {
        const peer = ratioOf(p50s('http-api'), p50s('peer-http'));
        targets.push({ what: 'warm p50: Lamina\'s HTTP API / serverless-offline\'s HTTP API (same handler, same route)', ratio: peer.value, goal: '<= 0.5', range: peer });
      }
      const us = (v: number): string => fmt(v, 0);
      const range = (values: readonly number[]): string => `${fmt(Math.min(...values), 0)}-${fmt(Math.max(...values), 0)}`;
      return {
        scenario: 'http',
        title: this.title,
        command: context.command,
        tables: [
          {
            title: `Warm sequential latency (µs; ${requests} requests x ${rounds} rounds per side, alternating)`,
            columns: ['what', 'p50', 'p90', 'p99', 'p50 range of rounds', 'p50 / Lamina Invoke API'],
            rows: sides.map((side) => {
              const s = all.get(side.key)?.summary();
              const r = ratioOf(p50s(side.key), p50s('invoke'));
              return [side.label, us(s?.p50 ?? NaN), us(s?.p90 ?? NaN), us(s?.p99 ?? NaN), range(p50s(side.key)), `${fmt(r.value, 2)}x (${fmt(r.low, 2)}-${fmt(r.high, 2)})`];
            }),
            notes: [`lamina serve limits: ${lamina.limits}`, 'One echo handler (exports.handler = async (event) => event) everywhere; one caller, keep-alive. The HTTP sides answer the echoed 2.0 event as a bare value (200, application/json).'],
          },
        ],
        targets,
        charts: [],
        skipped,
        raw: { limits: lamina.limits, roundP50: Object.fromEntries(roundP50), summaries: Object.fromEntries([...all].map(([k, r]) => [k, r.summary()])) },
      };
    } finally {
      await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
      for (const peer of running) await peer.stop().catch(() => undefined);
      await lamina.stop();
    }
  },
};
