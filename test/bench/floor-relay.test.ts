/**
 * The floor relay (bench/floor/relay-server.ts) relays for real: callers get their own runtime's
 * answers back under concurrency, slots are reused, bodies of many chunks arrive whole, and a
 * runtime answering an unknown or malformed request id breaks nothing. Plus the /proc reader of
 * the CPU-per-invoke comparison (bench/floor/process-cpu.ts).
 */
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuMsOfStat, cpuPerInvokeUs, processCpuMs, processCpuSplitMs } from '../../bench/floor/process-cpu.js';
import { createFloorRelay } from '../../bench/floor/relay-server.js';

const relay = createFloorRelay();
let port = 0;
const agent = new Agent({ keepAlive: true });

beforeAll(async () => {
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  port = (relay.address() as AddressInfo).port;
});
afterAll(async () => {
  agent.destroy();
  relay.closeAllConnections();
  await new Promise((resolve) => relay.close(resolve));
});

function call(method: string, path: string, body?: Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, agent, method, path, headers: body === undefined ? {} : { 'Content-Length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A runtime that answers `count` invocations with `answer(event)`, each on its own connection's long-poll. */
async function runtime(count: number, answer: (event: Buffer) => Buffer): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const next = await call('GET', '/2018-06-01/runtime/invocation/next');
    const id = String(next.headers['lambda-runtime-aws-request-id']);
    const accepted = await call('POST', `/2018-06-01/runtime/invocation/${id}/response`, answer(next.body));
    expect(accepted.status).toBe(202);
  }
}

describe('floor relay', () => {
  it('hands every caller its own answer, with runtimes and callers in any order', async () => {
    const events = Array.from({ length: 40 }, (_, i) => Buffer.from(JSON.stringify({ i })));
    const runtimes = [runtime(20, (e) => Buffer.concat([Buffer.from('A'), e])), runtime(20, (e) => Buffer.concat([Buffer.from('B'), e]))];
    const answers = await Promise.all(events.map((e) => call('POST', '/2015-03-31/functions/floor/invocations', e)));
    await Promise.all(runtimes);
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.body.subarray(1).toString()).toBe(JSON.stringify({ i }));
      expect(['A', 'B']).toContain(answer.body.subarray(0, 1).toString());
      expect(answer.headers['content-length']).toBe(String(answer.body.length));
    }
  });

  it('relays a body of many chunks whole, both ways', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const done = runtime(1, (e) => e);
    const answer = await call('POST', '/2015-03-31/functions/floor/invocations', big);
    await done;
    expect(answer.body.equals(big)).toBe(true);
  });

  it('accepts answers for unknown or malformed ids without harm, and still relays after', async () => {
    for (const id of ['999999', 'abc', '', '12345678901', '-1']) {
      expect((await call('POST', `/2018-06-01/runtime/invocation/${id}/response`, Buffer.from('{}'))).status).toBe(202);
    }
    const done = runtime(1, () => Buffer.from('"ok"'));
    const answer = await call('POST', '/2015-03-31/functions/floor/invocations', Buffer.from('{}'));
    await done;
    expect(answer.body.toString()).toBe('"ok"');
  });
});

describe('process CPU from /proc', () => {
  it('reads utime and stime after the command name, whatever the name holds', () => {
    expect(cpuMsOfStat('42 (a) b) c) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 1 0')).toBe(3000);
    expect(cpuMsOfStat('garbage')).toBeUndefined();
    expect(cpuMsOfStat('1 (x) S 1 2')).toBeUndefined();
  });

  it('measures this process and divides per invoke', () => {
    const split = processCpuSplitMs(process.pid);
    expect(split?.user).toBeGreaterThan(0);
    expect(processCpuMs(process.pid)).toBeGreaterThanOrEqual((split?.user ?? 0) + (split?.system ?? 0));
    expect(processCpuMs(2 ** 30)).toBeUndefined();
    expect(cpuPerInvokeUs(1000, 1500, 1000)).toBe(500);
    expect(cpuPerInvokeUs(undefined, 1500, 1000)).toBeNaN();
  });
});
