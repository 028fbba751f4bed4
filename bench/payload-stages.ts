/**
 * The CPU cost of each stage a payload goes through, in this process, with the real modules: the
 * front door's JSON validator (fed in 64 KB reads) and the body's `Buffer.concat`, the RIC's
 * reading of a `/next` answer (64 KB reads), its `toString` + `JSON.parse` of the event, the
 * handler's `JSON.stringify`, and the RIC's writing of the `/response` request to a socket whose
 * peer (a child process) discards it. An A/B of a change is this run before and after it.
 * Page faults per call are counted too (minor faults of this process, /proc/self/stat): a fresh
 * 1 MB buffer or string is 256 new pages, and on a paravirtualised guest each costs 10-20 µs.
 *
 *   npm run build && node dist/bench/payload-stages.js [--rounds 3]
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Http1Connection } from '../runtime-interface/api-client/http1-connection.js';
import { Http1ResponseParser } from '../runtime-interface/api-client/http1-response-parser.js';
import { responseRequest } from '../runtime-interface/api-client/runtime-api-requests.js';
import { JsonValidator } from '../src/invoke/json-validator.js';
import { median } from './harness/stats.js';

const SIZES = [1024, 65_536, 1_048_576] as const;
const READ = 65_536;

function reads(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += READ) parts.push(Buffer.from(bytes.subarray(at, at + READ)));
  return parts;
}

/** Minor page faults of this process so far (field 10 of /proc/self/stat); 0 where unreadable. */
function minorFaults(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU µs and page faults per call of `fn`, after a warm-up. */
async function cpuPerCall(count: number, fn: () => unknown): Promise<{ cpu: number; faults: number }> {
  for (let i = 0; i < 5; i += 1) await fn();
  const faults = minorFaults();
  const start = process.cpuUsage();
  for (let i = 0; i < count; i += 1) await fn();
  const used = process.cpuUsage(start);
  return { cpu: (used.user + used.system) / count, faults: (minorFaults() - faults) / count };
}

/** A server in a child process that answers each request 202 once its Content-Length bytes came. */
async function startSink(): Promise<{ port: number; stop(): void }> {
  const child = fork(new URL(import.meta.url), ['--sink'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (message) => resolve(Number(message))));
  return { port, stop: () => child.kill() };
}

function runSink(): void {
  const server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    let remaining = -1;
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        if (remaining < 0) {
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return;
          remaining = Number(/content-length: (\d+)/i.exec(pending.toString('latin1', 0, end))?.[1] ?? 0);
          pending = pending.subarray(end + 4);
        }
        if (pending.length < remaining) {
          remaining -= pending.length;
          pending = Buffer.alloc(0);
          return;
        }
        pending = pending.subarray(remaining);
        remaining = -1;
        socket.write('HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}');
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, sink: { type: 'boolean', default: false } } });
  if (values.sink) return runSink();
  const rounds = Number(values.rounds);
  const sink = await startSink();
  const connection = new Http1Connection('127.0.0.1', sink.port);
  const rows: string[] = [];
  for (const size of SIZES) {
    const count = size > 100_000 ? 40 : size > 10_000 ? 400 : 4000;
    const payload = Buffer.from(JSON.stringify('x'.repeat(size - 2)));
    const body = reads(payload);
    const answer = reads(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\nLambda-Runtime-Aws-Request-Id: r-1\r\n\r\n`), payload]));
    const event: unknown = JSON.parse(payload.toString('utf8'));
    const json = JSON.stringify(event);
    const stages: [string, () => unknown][] = [
      ['front door: JSON validator', () => {
        const validator = new JsonValidator();
        for (const part of body) validator.feed(part);
        return validator.end();
      }],
      ['front door: Buffer.concat of the reads', () => Buffer.concat(body, payload.length)],
      ['RIC: read the /next answer', () => {
        const parser = new Http1ResponseParser();
        for (const part of answer) parser.push(part, () => undefined);
      }],
      ['RIC: toString + JSON.parse', () => JSON.parse(payload.toString('utf8'))],
      ['RIC: JSON.stringify of the result', () => JSON.stringify(event)],
      ['RIC: write the /response (and read its 202)', () => connection.send(responseRequest('r-1', json))],
    ];
    const samples = new Map<string, { cpu: number; faults: number }[]>();
    for (let round = 0; round < rounds; round += 1) {
      for (const [name, fn] of stages) samples.set(name, [...(samples.get(name) ?? []), await cpuPerCall(count, fn)]);
    }
    for (const [name] of stages) {
      const taken = samples.get(name) ?? [];
      rows.push(`| ${size / 1024} KB | ${name} | ${median(taken.map((t) => t.cpu)).toFixed(1)} | ${median(taken.map((t) => t.faults)).toFixed(1)} |`);
    }
  }
  connection.close();
  sink.stop();
  process.stdout.write(`payload stages, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, median of ${rounds} rounds\n| payload | stage | CPU µs per call | page faults per call |\n| --- | --- | ---: | ---: |\n${rows.join('\n')}\n`);
}

await main();
