/**
 * A barrier the tiny C runtime (test/fixtures/runtimes/tiny-c/runtime.c, `BARRIER_PORT`) waits on:
 * each runtime connects once it holds its first event, and every `count` connections are released
 * together with one byte each. So N concurrent invocations need N environments, in every mode:
 * a folder barrier cannot work under full isolation, where no host folder is visible and only
 * the environment's link to the host leads out (docs/isolation.md). It listens on every address,
 * so an isolated runtime reaches it at its link's host end and the others at 127.0.0.1.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpBarrier {
  readonly port: number;
  /** Connections released so far. */
  readonly released: number;
  /** Connections waiting now. */
  readonly waiting: number;
  /** Release the waiting ones now, fewer than `count` (some will never come: their invokes failed). */
  releaseNow(): void;
  close(): Promise<void>;
}

/**
 * @example
 * const barrier = await startTcpBarrier(200); // env: BARRIER_PORT=String(barrier.port), BARRIER_COUNT=200
 */
export async function startTcpBarrier(count: number, host = '0.0.0.0'): Promise<TcpBarrier> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`a barrier needs a positive count, not ${count}`);
  let held: Socket[] = [];
  let released = 0;
  const release = (): void => {
    const batch = held;
    held = [];
    released += batch.length;
    for (const waiting of batch) waiting.end('g');
  };
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined); // a runtime killed while it waits
    socket.on('close', () => {
      held = held.filter((other) => other !== socket);
    });
    held.push(socket);
    if (held.length >= count) release();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    get released() {
      return released;
    },
    get waiting() {
      return held.length;
    },
    releaseNow: release,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of held) socket.destroy();
        held = [];
        server.close(() => resolve());
      }),
  };
}
