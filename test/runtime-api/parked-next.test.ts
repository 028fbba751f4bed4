/**
 * A parked `GET /next` whose caller went away must not take the next invocation with it (found
 * by the fuzz suite, bench/fuzz: a GET /next carrying a large body, then a hang-up).
 */
import { connect } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import { invokeRequest } from '../helpers/invoke-request.js';
import { idleManualPlatform, runtimeCall } from '../helpers/manual-runtime.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

/** A platform whose one environment has answered its first invocation and is idle. */
async function idleEnvironment(): Promise<{ address: string; platform: Platform }> {
  const idle = await idleManualPlatform();
  platform = idle.platform;
  return idle;
}

it('drains the body of a parked GET /next, so a caller that hangs up frees it and the next invocation is not lost', async () => {
  const { address, platform: p } = await idleEnvironment();

  // Idle now: this GET /next parks. Its 600 KB body is more than the socket buffers hold, so the
  // server sees the hang-up only if it reads the body.
  const [host, port] = address.split(':');
  const socket = connect(Number(port), host);
  socket.on('error', () => undefined);
  socket.write(`GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nContent-Length: 600000\r\n\r\n`);
  socket.end(Buffer.alloc(600_000, 0x61));
  // Before the fix the server never read this far: it never saw the hang-up and never closed.
  await new Promise((resolve) => socket.on('close', resolve));

  const second = p.invoke(invokeRequest('manual', { n: 2 }));
  const again = await runtimeCall(address, 'GET', '/runtime/invocation/next');
  expect(again.status).toBe(200);
  expect(again.body).toBe('{"n":2}');
  await runtimeCall(address, 'POST', `/runtime/invocation/${again.headers['lambda-runtime-aws-request-id'] as string}/response`, '2');
  const done = await second;
  expect(done.result.kind === 'response' && done.result.payload.toString()).toBe('2');
});
