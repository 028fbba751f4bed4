/**
 * Unfinished request bodies count against one budget per environment (read-body.ts, docs/limits.md):
 * a body that would pass it costs its connection, the others go on, and what a closed connection
 * held is given back. The attack through a real sandbox is test/sandbox/hostile-runtime-api.e2e.test.ts.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HELD_BODY_BYTES } from '../../src/runtime-api/node-http-server.js';
import { BodyBudget } from '../../src/runtime-api/read-body.js';
import { idleManualPlatformPerTest, runtimeCall } from '../helpers/manual-runtime.js';

const SENT = 5_000_000;

const start = idleManualPlatformPerTest();

it('takes bytes up to its limit and no further, and gives them back', () => {
  const budget = new BodyBudget(100);
  expect(budget.take(60)).toBe(true);
  expect(budget.take(41)).toBe(false);
  expect(budget.held).toBe(60);
  expect(budget.take(40)).toBe(true);
  budget.give(60);
  expect(budget.held).toBe(40);
});

/** POST an init error declaring 6,000,000 bytes and send `SENT` of them; resolves once they are read or the connection is closed. */
function unfinishedInitError(address: string): Promise<{ socket: Socket; closed: () => boolean }> {
  const [host, port] = address.split(':');
  const socket = connect(Number(port), host);
  let closed = false;
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    const done = (): void => resolve({ socket, closed: () => closed });
    socket.on('close', () => { closed = true; done(); });
    socket.on('connect', () => {
      socket.write(`POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nContent-Length: 6000000\r\nLambda-Runtime-Function-Error-Type: Test\r\n\r\n`);
      socket.write(Buffer.alloc(SENT, 0x61), done);
    });
  });
}

describe.each(['lean', 'node'] as const)('with the %s listener', (kind) => {
  it('closes the connection whose body would pass the budget; the budget comes back when bodies end', async () => {
    const idle = await start(kind);
    const count = Math.ceil(HELD_BODY_BYTES / SENT) + 1;
    const held = [];
    for (let i = 0; i < count; i += 1) held.push(await unfinishedInitError(idle.address));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = held.filter((h) => h.closed()).length;
    expect(closed).toBeGreaterThanOrEqual(1);
    expect(closed).toBeLessThan(count);
    for (const h of held) h.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Given back: a whole report is read and judged (init is over: 403).
    const answer = await runtimeCall(idle.address, 'POST', '/runtime/init/error', 'x'.repeat(SENT), { 'Lambda-Runtime-Function-Error-Type': 'Test' });
    expect(answer.status).toBe(403);
  });
});
