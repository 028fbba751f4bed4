/**
 * The process-wide budget of Runtime API connections (connection-budget.ts, docs/limits.md), on
 * real listeners: each is capped; at the total every listener is held at what it has, new ones
 * still get the assured few; under nine tenths of the total the caps come back.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { ASSURED_CONNECTIONS, ConnectionBudget, descriptorLimit } from '../../src/runtime-api/connection-budget.js';

const servers: Server[] = [];
const clients: Socket[] = [];
afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listener(budget: ConnectionBudget): Promise<Server> {
  const server = createServer(() => undefined);
  budget.attach(server);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Open `count` connections to `server`; resolves to how many are still open a moment later. */
async function openTo(server: Server, count: number): Promise<Socket[]> {
  const { port } = server.address() as AddressInfo;
  const opened = await Promise.all(Array.from({ length: count }, () => new Promise<Socket>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    clients.push(socket);
    socket.on('error', () => undefined);
    socket.on('connect', () => resolve(socket));
    socket.on('close', () => resolve(socket));
  })));
  await new Promise((resolve) => setTimeout(resolve, 100));
  return opened.filter((socket) => !socket.destroyed);
}

it('caps each listener, holds them all at the total, assures a few to each, and loosens below nine tenths', async () => {
  const budget = new ConnectionBudget(10, 8);
  const a = await listener(budget);
  const b = await listener(budget);
  // Each listener alone: its own cap.
  const onA = await openTo(a, 12);
  expect(onA.length).toBe(8);
  // B reaches the total of 10 at its second connection; from then on every listener is held at what
  // it has, and B, below the assured few, at those.
  expect((await openTo(b, 6)).length).toBe(ASSURED_CONNECTIONS);
  expect(budget.open).toBe(8 + ASSURED_CONNECTIONS);
  // A new listener still gets the assured few while tight.
  const c = await listener(budget);
  expect((await openTo(c, 6)).length).toBe(ASSURED_CONNECTIONS);
  // A may replace what it closes, not more.
  onA.slice(0, 2).forEach((socket) => socket.destroy());
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(budget.open).toBe(6 + 2 * ASSURED_CONNECTIONS);
  // 14 open, total 10: still tight; A refills its 8 at most.
  expect((await openTo(a, 4)).length).toBe(2);
  // Closing everything but two brings the total under 9: every listener has its cap again.
  for (const socket of clients.slice(0, -2)) socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(budget.open).toBeLessThan(9);
  expect((await openTo(c, 8)).length).toBe(8);
});

it('reads the process\'s descriptor limit', () => {
  expect(descriptorLimit()).toBeGreaterThanOrEqual(256);
});
