/**
 * Pipelined requests on one connection are answered whole and in order, including the 400 for
 * bytes that are not HTTP and the `100 Continue` of an `Expect: 100-continue` request (found by the
 * fuzz suite, bench/fuzz; docs/pipelining.md). Real front door, real function, raw sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedResponse } from '../../bench/fuzz/http-response.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { rawConnection } from '../helpers/raw-connection.js';

let lamina: RunningLamina;
let port: number;

beforeAll(async () => {
  // Reserved concurrency 4: the pipelined invokes of one test never wait for a slot.
  lamina = await startLamina([bootstrapFunction('Echo', { reservedConcurrency: 4 })]);
  port = Number(new URL(lamina.url).port);
});

afterAll(async () => {
  await lamina.stop();
});

const PATH = '/2015-03-31/functions/Echo/invocations';

function invoke(payload: unknown, headers = ''): string {
  const body = JSON.stringify(payload);
  return `POST ${PATH} HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const summary = (responses: readonly ParsedResponse[]): string[] => responses.map((r) => `${r.status} ${r.body.toString()}`);

describe('bytes that are not HTTP, pipelined behind requests still being answered', () => {
  it('get their 400 after the answer owed to the request before them', async () => {
    const conn = await rawConnection(port);
    conn.socket.write(`${invoke({ echo: 'slow', sleepMs: 200 })}NOT HTTP\r\n\r\n`);
    await conn.ended;
    const parsed = conn.parsed();
    expect(parsed.malformed).toBeUndefined();
    expect(summary(parsed.responses)).toEqual(['200 "slow"', '400 ']);
    expect(parsed.rest).toBe(0);
    conn.socket.destroy();
  });

  it('wait for every owed answer, however late the bad bytes come', async () => {
    const conn = await rawConnection(port);
    conn.socket.write(invoke({ echo: 'first', sleepMs: 300 }) + invoke({ echo: 'second' }));
    // The second answer is ready (buffered behind the first) when the bad bytes arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    conn.socket.write('\x01\x02 garbage\r\n\r\n');
    await conn.ended;
    const parsed = conn.parsed();
    expect(parsed.malformed).toBeUndefined();
    expect(summary(parsed.responses)).toEqual(['200 "first"', '200 "second"', '400 ']);
    expect(parsed.rest).toBe(0);
    conn.socket.destroy();
  });

  it('break the body of the request they are in: 400 after the owed answers, without waiting for that body', async () => {
    const conn = await rawConnection(port);
    const broken = `POST ${PATH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"ech\r\nZZ\r\n`;
    conn.socket.write(invoke({ echo: 'slow', sleepMs: 200 }) + broken);
    await conn.ended;
    expect(summary(conn.parsed().responses)).toEqual(['200 "slow"', '400 ']);
    conn.socket.destroy();
  });

  it('alone on a connection, are answered 400 at once', async () => {
    const conn = await rawConnection(port);
    conn.socket.write('NOT HTTP\r\n\r\n');
    await conn.ended;
    expect(summary(conn.parsed().responses)).toEqual(['400 ']);
    conn.socket.destroy();
  });
});

describe('Expect: 100-continue, pipelined behind a request still being answered', () => {
  it('gets its 100 after the answer before it, never inside its own answer', async () => {
    const conn = await rawConnection(port);
    conn.socket.write(invoke({ echo: 'a', sleepMs: 300 }) + invoke({ echo: 'b' }, 'Expect: 100-continue\r\n'));
    const parsed = await conn.until((p) => p.responses.filter((r) => r.status >= 200).length === 2);
    expect(parsed.malformed).toBeUndefined();
    expect(summary(parsed.responses)).toEqual(['200 "a"', '100 ', '200 "b"']);
    expect(parsed.rest).toBe(0);
    // Still a kept connection.
    expect(conn.isEnded()).toBe(false);
    expect(parsed.responses[2]?.headers.get('connection')).toBe('keep-alive');
    conn.socket.destroy();
  });

  it('gets its 100 once the answer before it is written, from a client that waits for it', async () => {
    const conn = await rawConnection(port);
    const body = JSON.stringify({ echo: 'waited' });
    conn.socket.write(
      invoke({ echo: 'a', sleepMs: 200 }) +
        `POST ${PATH} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const continued = await conn.until((p) => p.responses.some((r) => r.status === 100));
    expect(summary(continued.responses)).toEqual(['200 "a"', '100 ']);
    conn.socket.write(body);
    const parsed = await conn.until((p) => p.responses.length === 3);
    expect(summary(parsed.responses)).toEqual(['200 "a"', '100 ', '200 "waited"']);
    conn.socket.destroy();
  });

  it('alone on a connection, gets its 100 at once', async () => {
    const conn = await rawConnection(port);
    const body = JSON.stringify({ echo: 'alone' });
    conn.socket.write(`POST ${PATH} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`);
    const continued = await conn.until((p) => p.responses.length === 1);
    expect(summary(continued.responses)).toEqual(['100 ']);
    conn.socket.write(body);
    const parsed = await conn.until((p) => p.responses.length === 2);
    expect(summary(parsed.responses)).toEqual(['100 ', '200 "alone"']);
    conn.socket.destroy();
  });
});
