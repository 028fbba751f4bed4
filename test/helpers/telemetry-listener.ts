/** A test's Telemetry API subscriber on the host's loopback, and the cleanup of its platform. */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';

/** What a test started: stopped and closed after each test. */
export interface TelemetryTestState {
  platform: Platform | undefined;
  listener: Server | TcpServer | undefined;
}

/** Register the cleanup; the test sets `platform` and `listener` as it starts them. */
export function telemetryTestState(): TelemetryTestState {
  const state: TelemetryTestState = { platform: undefined, listener: undefined };
  afterEach(async () => {
    await state.platform?.stop();
    state.platform = undefined;
    const listener = state.listener;
    await new Promise((resolve) => (listener === undefined ? resolve(undefined) : listener.close(resolve)));
    state.listener = undefined;
  });
  return state;
}

/** An HTTP listener that keeps every event of every batch it is sent, and each batch's size. */
export async function httpSubscriber<E>(state: TelemetryTestState): Promise<{ port: number; events: E[]; batches: number[] }> {
  const events: E[] = [];
  const batches: number[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const batch = JSON.parse(Buffer.concat(chunks).toString()) as E[];
      batches.push(batch.length);
      events.push(...batch);
      res.end();
    });
  });
  state.listener = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, events, batches };
}
