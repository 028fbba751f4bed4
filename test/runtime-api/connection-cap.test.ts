/**
 * The Runtime API keeps at most RUNTIME_API_MAX_CONNECTIONS connections of one environment open
 * (docs/limits.md), with either listener; the connections past it are closed at once, the open
 * ones keep working, and a closed one frees its place. The attack through a real sandbox is
 * test/sandbox/hostile-runtime-api.e2e.test.ts.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RUNTIME_API_MAX_CONNECTIONS } from '../../src/runtime-api/runtime-api-server.js';
import { invokeRequest } from '../helpers/invoke-request.js';
import { idleManualPlatformPerTest } from '../helpers/manual-runtime.js';

const EXTRA = 16;

const start = idleManualPlatformPerTest();

interface Held {
  socket: Socket;
  closed: boolean;
}

/** Open `count` connections to `address`; resolves once each has connected or failed. */
async function open(address: string, count: number): Promise<Held[]> {
  const [host, port] = address.split(':');
  return Promise.all(Array.from({ length: count }, () => new Promise<Held>((resolve) => {
    const held: Held = { socket: connect(Number(port), host), closed: false };
    held.socket.on('error', () => undefined);
    held.socket.on('close', () => { held.closed = true; });
    held.socket.on('connect', () => resolve(held));
    held.socket.on('error', () => resolve(held));
  })));
}

/** One raw GET /next on `socket`: the first bytes of the answer. */
function next(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('data', (data) => resolve(data.toString('latin1')));
    socket.once('close', () => reject(new Error('closed')));
    socket.write('GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n');
  });
}

describe.each(['lean', 'node'] as const)('with the %s listener', (kind) => {
  it(`keeps ${RUNTIME_API_MAX_CONNECTIONS} connections open at most; the others are closed, the open ones still serve`, async () => {
    const idle = await start(kind);
    const held = await open(idle.address, RUNTIME_API_MAX_CONNECTIONS + EXTRA);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const live = held.filter((h) => !h.closed);
    // Some of the cap may be the test's own earlier runtime calls (undici keeps them alive).
    expect(held.length - live.length).toBeGreaterThanOrEqual(EXTRA);
    expect(live.length).toBeLessThanOrEqual(RUNTIME_API_MAX_CONNECTIONS);
    expect(live.length).toBeGreaterThan(RUNTIME_API_MAX_CONNECTIONS - 8);

    // An open one still serves: it gets the next invocation.
    const last = live.at(-1) as Held;
    const invoking = idle.platform.invoke(invokeRequest('manual', { n: 2 }));
    expect(await next(last.socket)).toMatch(/^HTTP\/1\.1 200 OK\r\n/);

    // Closing one frees its place for a new connection.
    const first = live[0] as Held;
    first.socket.destroy();
    await new Promise((resolve) => first.socket.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [fresh] = await open(idle.address, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fresh?.closed).toBe(false);
    for (const h of [...held, fresh]) h?.socket.destroy();
    void invoking.catch(() => undefined);
  });
});
