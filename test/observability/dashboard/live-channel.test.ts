/**
 * The dashboard's WebSocket (src/observability/dashboard/live-channel.ts) on a real HTTP server
 * with real `ws` clients: a snapshot then coalesced deltas, cross-origin and rebinding handshakes
 * refused, and a client that never reads cut off without the server holding more than its bound.
 */
import { createServer, type Server } from 'node:http';
import { connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DashboardMessage, DeltaMessage } from '../../../src/observability/dashboard/dashboard-protocol.js';
import { DashboardModel } from '../../../src/observability/dashboard/dashboard-model.js';
import { LiveChannel, type LiveOptions } from '../../../src/observability/dashboard/live-channel.js';
import type { ObservedEnvironment } from '../../../src/observability/platform-observer.js';

const ENV: ObservedEnvironment = { functionName: 'fn', version: '$LATEST', logStream: '2026/11/30/[$LATEST]0123', provisioned: false };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Partial<LiveOptions> = {}): Promise<{ model: DashboardModel; live: LiveChannel; server: Server; port: number }> {
  const model = new DashboardModel({ limits: { logs: 500, lineChars: 2000 } });
  const live = new LiveChannel(model, { boundHost: '127.0.0.1', intervalMs: 20, ...options });
  const server = createServer((_req, res) => res.end('plain'));
  live.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => {
    live.close();
    server.closeAllConnections();
    server.close(resolve);
  }));
  return { model, live, server, port: (server.address() as AddressInfo).port };
}

interface Page {
  readonly ws: WebSocket;
  readonly messages: DashboardMessage[];
  /** Resolves with the first message (from the start) that `match` accepts. */
  next(match: (m: DashboardMessage) => boolean): Promise<DashboardMessage>;
}

function open(port: number, origin: string | undefined, headers: Record<string, string> = {}): Promise<Page> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/_lamina/live`, { ...(origin === undefined ? {} : { origin }), headers });
    const messages: DashboardMessage[] = [];
    const waiters = new Set<() => void>();
    ws.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as DashboardMessage);
      for (const waiter of waiters) waiter();
    });
    const page: Page = {
      ws,
      messages,
      next: (match) => new Promise((done) => {
        const check = (): void => {
          const found = messages.find(match);
          if (found !== undefined) {
            waiters.delete(check);
            done(found);
          }
        };
        waiters.add(check);
        check();
      }),
    };
    ws.once('open', () => resolve(page));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
    cleanups.push(() => ws.terminate());
  });
}

describe('the live channel', () => {
  it('sends a snapshot, then one delta for ten thousand log lines that arrived at once', async () => {
    const { model, port } = await start();
    model.log(ENV, 'before the page', undefined);
    const page = await open(port, `http://127.0.0.1:${port}`);
    const snapshot = await page.next((m) => m.type === 'snapshot');
    expect(snapshot.type === 'snapshot' && snapshot.logs.map((l) => l.line)).toEqual(['before the page']);
    for (let i = 0; i < 10_000; i += 1) model.log(ENV, `line ${i}`, undefined);
    const burst = (await page.next((m) => m.type === 'delta')) as DeltaMessage;
    expect(burst.seq).toBe(snapshot.seq + 1);
    expect(burst.logs).toHaveLength(500);
    expect(burst.logs?.at(-1)?.line).toBe('line 9999');
    expect(burst.droppedLogs).toBe(9500);
    // The next line is the next message: nothing else was sent for the burst.
    model.log(ENV, 'after', undefined);
    await page.next((m) => m.type === 'delta' && m.logs?.[0]?.line === 'after');
    expect(page.messages.map((m) => `${m.type}:${m.seq}`)).toEqual([`snapshot:${snapshot.seq}`, `delta:${snapshot.seq + 1}`, `delta:${snapshot.seq + 2}`]);
  });

  it('gives a second page a snapshot that the first page\'s deltas agree with (nothing missed, nothing twice)', async () => {
    const { model, port } = await start();
    const one = await open(port, `http://127.0.0.1:${port}`);
    await one.next((m) => m.type === 'snapshot');
    model.log(ENV, 'a', undefined);
    const two = await open(port, `http://127.0.0.1:${port}`);
    const snapshot = await two.next((m) => m.type === 'snapshot');
    model.log(ENV, 'b', undefined);
    await two.next((m) => m.type === 'delta');
    await one.next((m) => m.type === 'delta' && m.logs?.[0]?.line === 'b');
    const linesOf = (page: Page): string[] => page.messages.flatMap((m) => (m.type === 'snapshot' ? m.logs : (m.logs ?? [])).map((l) => l.line));
    expect(linesOf(one)).toEqual(['a', 'b']);
    expect(snapshot.type === 'snapshot' && snapshot.logs.map((l) => l.line)).toEqual(['a']);
    expect(linesOf(two)).toEqual(['a', 'b']);
  });

  it('refuses handshakes that do not come from the dashboard page of this server', async () => {
    const { live, port } = await start();
    const refused = async (origin: string | undefined, headers: Record<string, string> = {}): Promise<string> => {
      const error = await open(port, origin, headers).then(() => undefined, (e: Error) => e);
      return error?.message ?? 'accepted';
    };
    expect(await refused('http://evil.example')).toBe('refused: 403');
    expect(await refused(undefined)).toBe('refused: 403');
    expect(await refused('null')).toBe('refused: 403');
    expect(await refused(`http://127.0.0.1:${port + 1}`)).toBe('refused: 403');
    expect(await refused(`ftp://127.0.0.1:${port}`)).toBe('refused: 403');
    // DNS rebinding: a hostile name resolving to 127.0.0.1 is "same-origin" with itself.
    expect(await refused(`http://evil.example:${port}`, { Host: `evil.example:${port}` })).toBe('refused: 403');
    expect(live.counters.refused).toBe(6);
    expect(live.clients).toBe(0);
    // The page as served under another loopback name works.
    await open(port, `http://localhost:${port}`, { Host: `localhost:${port}` });
    expect(live.clients).toBe(1);
  });

  it('refuses other upgrade paths and pages beyond the limit', async () => {
    const { port } = await start({ maxClients: 1 });
    const other = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`, { origin: `http://127.0.0.1:${port}` });
      ws.once('unexpected-response', (_req, res) => resolve(`refused: ${res.statusCode}`));
      ws.once('open', () => resolve('accepted'));
    });
    expect(other).toBe('refused: 404');
    await open(port, `http://127.0.0.1:${port}`);
    await expect(open(port, `http://127.0.0.1:${port}`)).rejects.toThrow('refused: 503');
  });

  it('sends nothing more to a client that never reads, closes it, and keeps serving the others', async () => {
    const maxBufferedBytes = 64 * 1024;
    const { model, live, port } = await start({ maxBufferedBytes, stallMs: 300, intervalMs: 10 });
    const healthy = await open(port, `http://127.0.0.1:${port}`);
    // A client that completes the handshake and then never reads a byte.
    const stalled = await new Promise<Socket>((resolve, reject) => {
      const socket = connectTcp(port, '127.0.0.1', () => {
        socket.write(`GET /_lamina/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      });
      socket.once('data', (chunk) => {
        if (!String(chunk).startsWith('HTTP/1.1 101')) reject(new Error(String(chunk)));
        socket.pause();
        resolve(socket);
      });
      socket.once('error', reject);
    });
    cleanups.push(() => stalled.destroy());
    expect(live.clients).toBe(2);
    let largest = 0;
    const line = 'y'.repeat(1900);
    let rounds = 0;
    while (live.counters.closedSlow === 0) {
      rounds += 1;
      for (let i = 0; i < 500; i += 1) model.log(ENV, `${rounds} ${line}`, undefined);
      await new Promise((resolve) => setTimeout(resolve, 15));
      largest = Math.max(largest, ...healthy.messages.slice(-3).map((m) => JSON.stringify(m).length));
    }
    expect(live.counters.closedSlow).toBe(1);
    expect(live.counters.skipped).toBeGreaterThan(0);
    // What the stalled socket held never went past the bound by more than one message.
    expect(live.counters.maxBufferedSeen).toBeLessThanOrEqual(maxBufferedBytes + largest);
    expect(live.clients).toBe(1);
    model.log(ENV, 'still here', undefined);
    await healthy.next((m) => m.type === 'delta' && m.logs?.some((l) => l.line === 'still here') === true);
  }, 60_000);
});
