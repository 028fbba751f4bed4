/**
 * Warm invoke latency and throughput through `lamina serve`, against the floor measured in the
 * same run: a bare node HTTP echo server (one loopback round trip, no platform at all).
 *
 *   npm run build && node dist/bench/warm-invoke.js [--requests 3000] [--payload-bytes 1024]
 *
 * Lamina's path has two loopback hops (caller -> front door, front door <-> runtime) plus the
 * runtime's own work, so the ratio to the floor says what the platform costs per invoke.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { Client } from 'undici';
import { ECHO_SERVER_SOURCE, startProcess } from './lib/processes.js';

interface Measured {
  readonly name: string;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly perSecond: number;
}

async function measure(name: string, base: string, path: string, body: Buffer, expectedBytes: number, requests: number): Promise<Measured> {
  const client = new Client(base, { keepAliveTimeout: 60_000, pipelining: 1 });
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const call = async (): Promise<void> => {
    const answer = await client.request({ method: 'POST', path, body, headers: { 'content-type': 'application/json' } });
    const text = await answer.body.arrayBuffer();
    if (answer.statusCode !== 200 || text.byteLength !== expectedBytes) {
      throw new Error(`${name}: unexpected answer ${answer.statusCode} (${text.byteLength} bytes)`);
    }
  };
  for (let i = 0; i < Math.min(200, requests / 10); i += 1) await call(); // warm up
  const started = performance.now();
  for (let i = 0; i < requests; i += 1) {
    const t0 = performance.now();
    await call();
    histogram.recordValue(Math.round((performance.now() - t0) * 1000));
  }
  const elapsed = performance.now() - started;
  await client.close();
  const us = (q: number): number => histogram.getValueAtPercentile(q);
  return { name, p50: us(50), p90: us(90), p99: us(99), p999: us(99.9), perSecond: (requests / elapsed) * 1000 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '3000' }, 'payload-bytes': { type: 'string', default: '1024' } },
  });
  const requests = Number(values.requests);
  const payloadBytes = Number(values['payload-bytes']);
  // The echo runtime answers {"echo": x} with x, so send a JSON string of the wanted size.
  const inner = JSON.stringify('x'.repeat(Math.max(0, payloadBytes - 2)));
  const lambdaBody = Buffer.from(`{"echo":${inner}}`);
  const floorBody = Buffer.from(inner);

  const floor = await startProcess(process.execPath, ['-e', ECHO_SERVER_SOURCE], /floor on (http:\/\/[\d.:]+)/);
  const lamina = await startProcess(
    process.execPath,
    ['bin/lamina.js', 'serve', '--quiet', '--port', '0', '--template', 'bench/fixtures/template.yaml'],
    /on (http:\/\/[\d.:]+)/,
  );
  try {
    const results: Measured[] = [];
    // Interleave rounds so that machine noise hits both sides alike.
    for (let round = 0; round < 2; round += 1) {
      results.push(await measure('floor: bare node HTTP echo', floor.url, '/', floorBody, floorBody.length, requests / 2));
      results.push(await measure('lamina: warm invoke, custom runtime', lamina.url, '/2015-03-31/functions/EchoCustom/invocations', lambdaBody, floorBody.length, requests / 2));
    }
    const merged = new Map<string, Measured[]>();
    for (const r of results) merged.set(r.name, [...(merged.get(r.name) ?? []), r]);
    const rows = [...merged.values()].map((rs) => ({
      name: rs[0]?.name ?? '',
      p50: Math.min(...rs.map((r) => r.p50)),
      p99: Math.min(...rs.map((r) => r.p99)),
      perSecond: Math.max(...rs.map((r) => r.perSecond)),
    }));
    console.log(`warm invoke, ${requests} sequential requests per side, ${payloadBytes}-byte payload, node ${process.version}`);
    console.log('| what | p50 (µs) | p99 (µs) | invokes/s |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const row of rows) console.log(`| ${row.name} | ${row.p50} | ${row.p99} | ${row.perSecond.toFixed(0)} |`);
    const [floorRow, laminaRow] = rows;
    if (floorRow !== undefined && laminaRow !== undefined) {
      console.log(`ratio lamina/floor: p50 ${(laminaRow.p50 / floorRow.p50).toFixed(2)}x, throughput ${(floorRow.perSecond / laminaRow.perSecond).toFixed(2)}x slower`);
    }
  } finally {
    await lamina.stop();
    await floor.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
