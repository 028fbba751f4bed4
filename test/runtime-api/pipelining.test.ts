/**
 * The Runtime API answers pipelined requests whole and in order, including the 400 for bytes that
 * are not HTTP and the `100 Continue` of an `Expect: 100-continue` request (found by the fuzz
 * suite, bench/fuzz; docs/pipelining.md). Real environment, raw sockets playing the runtime.
 */
import { afterEach, expect, it } from 'vitest';
import type { ParsedResponse } from '../../bench/fuzz/http-response.js';
import type { Platform } from '../../src/platform/platform.js';
import { invokeRequest } from '../helpers/invoke-request.js';
import { idleManualPlatform, runtimeCall, type RawAnswer } from '../helpers/manual-runtime.js';
import { rawConnection } from '../helpers/raw-connection.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

async function idleEnvironment(): Promise<{ address: string; port: number; platform: Platform }> {
  const idle = await idleManualPlatform();
  platform = idle.platform;
  return { ...idle, port: Number(idle.address.split(':')[1]) };
}

/** The next invocation goes to a new GET /next, not to a waiter whose connection ended. */
async function servedByAFreshNext(address: string, p: Platform): Promise<void> {
  const second = p.invoke(invokeRequest('manual', { n: 2 }));
  const again = await runtimeCall(address, 'GET', '/runtime/invocation/next');
  expect(again.status).toBe(200);
  expect(again.body).toBe('{"n":2}');
  await runtimeCall(address, 'POST', `/runtime/invocation/${again.headers['lambda-runtime-aws-request-id'] as string}/response`, '2');
  await second;
}

const NEXT = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n';
const summary = (responses: readonly ParsedResponse[]): string[] => responses.map((r) => `${r.status} ${r.body.toString()}`);

it('answers a parked GET /next before the 400 for the bytes pipelined behind it', async () => {
  const { address, port, platform: p } = await idleEnvironment();
  const conn = await rawConnection(port);
  // A first exchange, so the server is reading this connection before the probe below is sent.
  conn.socket.write('GET /2018-06-01/nope HTTP/1.1\r\nHost: x\r\n\r\n');
  await conn.until((r) => r.responses.length === 1);
  // One write: the GET /next parks and the parser meets the bad bytes in the same turn.
  conn.socket.write(`${NEXT}\r\n}}}}\x01 NOT HTTP\r\n\r\n`);
  // Another runtime call is refused while that waiter is alive. Before the fix the server had
  // already answered 400 and ended the socket, dropping the waiter (this call would park instead).
  const probe: Promise<RawAnswer | 'ended'> = runtimeCall(address, 'GET', '/runtime/invocation/next');
  const first = await Promise.race([probe, conn.ended.then(() => 'ended' as const)]);
  probe.catch(() => undefined);
  expect(conn.parsed().responses.map((r) => r.status)).toEqual([404]);
  expect(first).not.toBe('ended');
  expect(first !== 'ended' && first.status).toBe(403);

  // The invocation goes to the waiter it is owed to, then come the 400 and the close.
  const second = p.invoke(invokeRequest('manual', { n: 2 }));
  await conn.ended;
  const parsed = conn.parsed();
  expect(parsed.malformed).toBeUndefined();
  expect(summary(parsed.responses.slice(1))).toEqual(['200 {"n":2}', '400 ']);
  const requestId = parsed.responses[1]?.headers.get('lambda-runtime-aws-request-id') ?? '';
  expect(requestId).not.toBe('');
  conn.socket.destroy();
  await runtimeCall(address, 'POST', `/runtime/invocation/${requestId}/response`, '2');
  const done = await second;
  expect(done.result.kind === 'response' && done.result.payload.toString()).toBe('2');
});

it('drops a parked GET /next whose runtime half-closes after bad bytes, so the next invocation is not lost', async () => {
  const { address, port, platform: p } = await idleEnvironment();
  const conn = await rawConnection(port);
  conn.socket.end(`${NEXT}\r\n}}}}\x01 NOT HTTP\r\n\r\n`);
  // The Runtime API does not serve half-closed runtimes: it ends the socket, and the waiter with it.
  await conn.ended;

  await servedByAFreshNext(address, p);
  conn.socket.destroy();
});

it('ends the connection of a parked GET /next at the runtime\'s FIN, also when bad bytes broke the request behind it', async () => {
  const { address, port, platform: p } = await idleEnvironment();
  const conn = await rawConnection(port);
  // The bad chunk size leaves the parser in error inside the body of the POST, so the FIN finds
  // it in error too and Node does not end the socket on its own (found by the fuzz suite:
  // --surface runtime-api --seed 777 --case 5843; also case 3935).
  const broken = 'POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab\r\n';
  conn.socket.end(`${NEXT}\r\n${broken}`);
  await conn.ended;

  await servedByAFreshNext(address, p);
  conn.socket.destroy();
});

it('writes the 100 Continue of a pipelined GET /next after the answer before it, not inside its own', async () => {
  const { address, port, platform: p } = await idleEnvironment();
  // An invocation waits for the runtime's next GET /next.
  const second = p.invoke(invokeRequest('manual', { n: 2 }));
  const conn = await rawConnection(port);
  // A 404 is answered at once, but its bytes are still being written when the GET /next behind
  // it is parsed and, with the invocation waiting, answered too.
  conn.socket.write(`GET /2018-06-01/nope HTTP/1.1\r\nHost: x\r\n\r\n${NEXT}Expect: 100-continue\r\n\r\n`);
  const parsed = await conn.until((r) => r.responses.filter((x) => x.status >= 200).length === 2);
  expect(parsed.malformed).toBeUndefined();
  expect(parsed.responses.map((r) => r.status)).toEqual([404, 100, 200]);
  expect(parsed.responses[2]?.body.toString()).toBe('{"n":2}');
  const requestId = parsed.responses[2]?.headers.get('lambda-runtime-aws-request-id') ?? '';
  await runtimeCall(address, 'POST', `/runtime/invocation/${requestId}/response`, '2');
  await second;
  conn.socket.destroy();
});
