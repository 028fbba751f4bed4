/**
 * Which open-loop generator tells the truth: a server that stalls 200 ms once a second (as a
 * GC pause or a blocked event loop would), loaded at a fixed rate by our generator (open-loop.ts)
 * and, when it can be loaded, by autocannon with the same rate and connections. For arrivals
 * spread evenly in time, 20 % of requests arrive during a stall and wait for its end: the true
 * p90 is about 100 ms and the true p99 about 190 ms. Whoever reports much less omits the waits.
 *
 *   node dist/bench/harness/generator-check.js [--rate 1000] [--seconds 5] [--connections 10]
 *     [--autocannon <dir holding node_modules/autocannon>]
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { callerPool } from './invoke-client.js';
import { openLoop } from './open-loop.js';
import { startProcess, type Started } from '../lib/processes.js';

/** A server holding every request that arrives in the first `stallMs` of each second of its clock. */
export const STALLING_SERVER_SOURCE = `
const http = require('node:http');
const stallMs = Number(process.argv[1] ?? 200);
const t0 = Date.now();
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const into = (Date.now() - t0) % 1000;
    const answer = () => { res.writeHead(200, { 'content-length': 2 }); res.end('ok'); };
    if (into < stallMs) setTimeout(answer, stallMs - into); else answer();
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log('stalling server on http://127.0.0.1:' + server.address().port));
`;

/** The latency percentile (ms) of a fixed-rate load on that server, service time left out. */
export function trueStallPercentile(percentile: number, stallMs = 200): number {
  const stalledShare = stallMs / 1000;
  const above = 1 - percentile / 100;
  return above >= stalledShare ? 0 : stallMs * (1 - above / stalledShare);
}

export interface CheckRow {
  readonly generator: string;
  readonly requests: number;
  /** Answers per second achieved. */
  readonly perSecond: number;
  /** CPU time (user + system) of this process per request, µs: the generator's own cost. */
  readonly cpuPerRequestUs: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly latency: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

function loadAutocannon(dir: string | undefined): Autocannon | string {
  try {
    const require = createRequire(join(dir ?? process.cwd(), 'package.json'));
    return require('autocannon') as Autocannon;
  } catch (error) {
    return `autocannon not found (${(error as Error).message.split('\n')[0] ?? ''}); give --autocannon <dir>`;
  }
}

/**
 * @example const rows = await generatorCheck({ rate: 1000, seconds: 5, connections: 10 });
 */
export async function generatorCheck(options: { rate: number; seconds: number; connections: number; autocannonDir?: string }): Promise<{ rows: CheckRow[]; skipped: string[] }> {
  const server: Started = await startProcess(process.execPath, ['-e', STALLING_SERVER_SOURCE, '200'], /stalling server on (http:\/\/[\d.:]+)/);
  const rows: CheckRow[] = [];
  const skipped: string[] = [];
  try {
    const ms = (us: number): number => us / 1000;
    const autocannon = loadAutocannon(options.autocannonDir);
    if (typeof autocannon === 'string') skipped.push(autocannon);
    // Both generators run in this process: its CPU time per request is the generator's cost.
    const cpu = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
      const before = process.cpuUsage();
      const value = await run();
      const used = process.cpuUsage(before);
      return [value, used.user + used.system];
    };
    const runOurs = async (round: number): Promise<void> => {
      const pool = callerPool(server.url, options.connections);
      const call = async (): Promise<void> => {
        const answer = await pool.request({ method: 'GET', path: '/' });
        await answer.body.arrayBuffer();
      };
      const [ours, used] = await cpu(() => openLoop(call, { rate: options.rate, durationMs: options.seconds * 1000, maxInFlight: options.connections }));
      await pool.close();
      for (const [generator, recorder] of [['ours, from the intended send (corrected)', ours.corrected], ['ours, from the actual send (uncorrected)', ours.service]] as const) {
        const s = recorder.summary();
        rows.push({ generator: `${generator}, round ${round}`, requests: s.count, perSecond: ours.achievedPerSecond, cpuPerRequestUs: used / Math.max(1, s.count), p50: ms(s.p50), p90: ms(s.p90), p99: ms(s.p99), max: ms(s.max) });
      }
    };
    const runAutocannon = async (round: number): Promise<void> => {
      if (typeof autocannon === 'string') return;
      for (const ignore of [false, true]) {
        const [r, used] = await cpu(() => autocannon({ url: server.url, connections: options.connections, overallRate: options.rate, duration: options.seconds, ignoreCoordinatedOmission: ignore }));
        rows.push({ generator: `autocannon overallRate${ignore ? ' --ignoreCoordinatedOmission' : ' (its correction)'}, round ${round}`, requests: r.requests.total, perSecond: r.requests.total / options.seconds, cpuPerRequestUs: used / Math.max(1, r.requests.total), p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max });
      }
    };
    // Unrecorded warm-ups (the first use of undici and of autocannon in a process pays its JIT),
    // then two rounds, the first generator of one going second in the next (the load drifts).
    await runOurs(0);
    await runAutocannon(0);
    rows.length = 0;
    await runOurs(1);
    await runAutocannon(1);
    await runAutocannon(2);
    await runOurs(2);
  } finally {
    await server.stop();
  }
  return { rows, skipped };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '10' }, autocannon: { type: 'string' } } });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const { rows, skipped } = await generatorCheck({ rate, seconds, connections, ...(values.autocannon === undefined ? {} : { autocannonDir: values.autocannon }) });
  const f = (v: number): string => v.toFixed(1);
  console.log(`server stalling 200 ms once a second; ${rate}/s for ${seconds} s over ${connections} connections`);
  console.log(`true (arrivals evenly spread): p50 ${f(trueStallPercentile(50))} ms, p90 ${f(trueStallPercentile(90))} ms, p99 ${f(trueStallPercentile(99))} ms (+ service time)`);
  console.log('| generator | requests | answers/s | CPU µs/request | p50 ms | p90 ms | p99 ms | max ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.generator} | ${r.requests} | ${f(r.perSecond)} | ${f(r.cpuPerRequestUs)} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.p99)} | ${f(r.max)} |`);
  for (const s of skipped) console.log(`skipped: ${s}`);
}
