/**
 * How long checking a payload holds the front door's event loop: the longest event-loop delay
 * (perf_hooks.monitorEventLoopDelay) while a 6 MB payload goes through an HTTP server on this
 * process, for the old rule (collect, then `JSON.parse(body.toString())`) and the front door's
 * incremental validator, against `JSON.parse` of a flat 6 MB document measured in the same run.
 * Also the cost per 100-byte payload, validator against JSON.parse (small payloads must not pay).
 *
 *   npm run build && node dist/bench/payload-validation.js [--rounds 3]
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createFrontDoor, listen } from '../src/invoke/front-door-server.js';
import { validateJson } from '../src/invoke/json-validator.js';
import { collectBody } from '../src/invoke/read-body.js';
import type { InvokePort, InvokeRequest } from '../src/platform/invoke-types.js';

const SIX_MB = 6_000_000;

/** Answers every invoke with a two-byte payload: only the request side is measured. */
const port: InvokePort = {
  invoke: async (req: InvokeRequest) => ({
    requestId: 'bench',
    executedVersion: '$LATEST',
    result: { kind: 'response', payload: Buffer.from('{}'), contentType: 'application/json' },
    logs: () => `${req.functionName}\n`,
  }),
  accept: () => ({ requestId: 'bench', executedVersion: '$LATEST' }),
};

/**
 * The front door's rule before the validator: collect the body, then JSON.parse all of it; or,
 * with `check` false, collect it and check nothing (the transport's own share of the delay).
 */
function collectingServer(check: boolean): Server {
  return createServer((req, res) => {
    void collectBody(req, 6_291_456, 16 * 1024 * 1024).then((body) => {
      let status = 200;
      try {
        if (check && body.ok && body.body.toString('utf8').trim() !== '') JSON.parse(body.body.toString('utf8'));
      } catch {
        status = 400;
      }
      res.writeHead(status, { 'Content-Length': 2 }).end('{}');
    });
  });
}

function post(address: AddressInfo, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: address.port, method: 'POST', path: '/2015-03-31/functions/f/invocations', headers: { 'Content-Length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Longest event-loop delay, ms, while `work` runs. */
async function maxDelayDuring(work: () => Promise<unknown> | unknown): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  // Let the monitor's timer start before the work.
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await work();
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.disable();
  return histogram.max / 1e6;
}

function nested(depth: number): Buffer {
  const body = Buffer.alloc(depth * 2);
  body.fill(0x5b, 0, depth);
  body.fill(0x5d, depth);
  return body;
}

function flatDocument(bytes: number): Buffer {
  const items: string[] = [];
  let size = 2;
  for (let i = 0; size < bytes; i += 1) {
    const item = JSON.stringify({ id: i, name: `item number ${i}`, tags: ['a', 'b', 'c'], price: i * 1.25, ok: i % 2 === 0, note: null });
    items.push(item);
    size += item.length + 1;
  }
  return Buffer.from(`[${items.join(',')}]`);
}

/** Nanoseconds per call, best of a few batches. */
function perCall(fn: () => unknown, calls: number): number {
  let best = Infinity;
  for (let batch = 0; batch < 5; batch += 1) {
    const start = performance.now();
    for (let i = 0; i < calls; i += 1) fn();
    best = Math.min(best, ((performance.now() - start) * 1e6) / calls);
  }
  return best;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
  const rounds = Number(values.rounds);
  const deepArrays = nested(SIX_MB / 2);
  const deepObjects = Buffer.from('{"a":'.repeat(SIX_MB / 6) + '0' + '}'.repeat(SIX_MB / 6));
  const flat = flatDocument(SIX_MB);
  const frontDoor = createFrontDoor(port);
  const oldRule = collectingServer(true);
  const transport = collectingServer(false);
  const frontAddress = await listen(frontDoor, '127.0.0.1', 0);
  const oldAddress = await listen(oldRule, '127.0.0.1', 0);
  const transportAddress = await listen(transport, '127.0.0.1', 0);
  const rows: Record<string, number[]> = {};
  const record = (name: string, value: number): void => void (rows[name] ??= []).push(value);
  for (let round = 0; round < rounds; round += 1) {
    record('JSON.parse of a flat 6 MB document (in-process, the yardstick)', await maxDelayDuring(() => JSON.parse(flat.toString('utf8'))));
    for (const [name, body] of [['[[[...]]] 6 MB', deepArrays], ['{"a":{"a":...}} 6 MB', deepObjects], ['flat 6 MB', flat]] as const) {
      record(`transport only (collect, no check), ${name}`, await maxDelayDuring(() => post(transportAddress, body)));
      record(`old rule (JSON.parse after the body), ${name}`, await maxDelayDuring(() => post(oldAddress, body)));
      record(`front door (incremental validator), ${name}`, await maxDelayDuring(async () => {
        const status = await post(frontAddress, body);
        if (status !== 200) throw new Error(`front door answered ${status} to ${name}`);
      }));
    }
  }
  frontDoor.close();
  oldRule.close();
  transport.close();
  const yardstick = median(rows['JSON.parse of a flat 6 MB document (in-process, the yardstick)'] ?? []);
  process.stdout.write(`Longest event-loop delay while the payload is checked (median of ${rounds} rounds; ratio to JSON.parse of a flat 6 MB document)\n`);
  for (const [name, samples] of Object.entries(rows)) {
    const m = median(samples);
    process.stdout.write(`  ${name.padEnd(62)} ${m.toFixed(1).padStart(8)} ms   x${(m / yardstick).toFixed(2)}\n`);
  }
  const small = Buffer.from(JSON.stringify({ key: 'value', count: 12345, list: [1, 2, 3], nested: { flag: true, name: 'a small event' } }));
  const validator = perCall(() => validateJson(small), 200_000);
  const parse = perCall(() => JSON.parse(small.toString('utf8')), 200_000);
  process.stdout.write(`${small.length}-byte payload: validator ${validator.toFixed(0)} ns, JSON.parse(toString) ${parse.toFixed(0)} ns per check (ratio ${(validator / parse).toFixed(2)})\n`);
}

await main();
