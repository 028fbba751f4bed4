/** The per-environment hub: init backlog replay, types filtering, JSON log lines, closing. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HOST_LOOPBACK } from '../../src/observability/telemetry-delivery.js';
import { TelemetryHub } from '../../src/observability/telemetry-hub.js';
import { parseTelemetrySubscription, type TelemetrySubscription, type TelemetryType } from '../../src/runtime-api/telemetry-subscription.js';

let server: Server | undefined;
afterEach(() => new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve))));

async function listener(): Promise<{ port: number; events: { type: string; record: unknown }[] }> {
  const events: { type: string; record: unknown }[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      events.push(...(JSON.parse(Buffer.concat(chunks).toString()) as typeof events));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, events };
}

function subscription(port: number, types: TelemetryType[], api: 'telemetry' | 'logs' = 'telemetry'): TelemetrySubscription {
  const parsed = parseTelemetrySubscription({ schemaVersion: '2022-12-13', destination: { protocol: 'HTTP', URI: `http://sandbox:${port}` }, types }, api);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

const initStart = { type: 'platform.initStart', record: { initializationType: 'on-demand', phase: 'init', functionName: 'f', functionVersion: '$LATEST' } } as const;

describe('TelemetryHub', () => {
  it('replays init events to a late subscriber, filtered by its types, and closes subscriptions after init', async () => {
    const { port, events } = await listener();
    const hub = new TelemetryHub(HOST_LOOPBACK);
    hub.platform(initStart);
    hub.functionLine('printed during init');
    expect(hub.subscribe('ext', subscription(port, ['platform']))).toBe('subscribed');
    hub.closeSubscriptions();
    expect(hub.subscribe('other', subscription(port, ['platform']))).toBe('closed');
    hub.functionLine('not asked for');
    hub.platform({ type: 'platform.start', record: { requestId: 'r1', version: '$LATEST' } });
    // The Telemetry API has no fault record: only Logs API subscribers get one.
    hub.fault('RequestId: r1 Error: Runtime exited with error: exit status 3');
    await hub.close();
    expect(events.map((e) => e.type)).toEqual(['platform.initStart', 'platform.telemetrySubscription', 'platform.start']);
  });

  it('delivers JSON-format lines as objects and anything else as the line', async () => {
    const { port, events } = await listener();
    const hub = new TelemetryHub(HOST_LOOPBACK, true);
    hub.subscribe('ext', subscription(port, ['function']));
    hub.functionLine('{"level":"INFO","message":"hi"}');
    hub.functionLine('{not json');
    hub.functionLine('plain');
    await hub.close();
    expect(events.map((e) => e.record)).toEqual([{ level: 'INFO', message: 'hi' }, '{not json', 'plain']);
  });

  it('delivers extension lines to `extension` subscribers only, formatted as the function\'s', async () => {
    const { port, events } = await listener();
    const hub = new TelemetryHub(HOST_LOOPBACK, true);
    hub.subscribe('fn-only', subscription(port, ['function']));
    hub.subscribe('ext-only', subscription(port, ['extension']));
    hub.extensionLine('{"level":"INFO","message":"from the extension"}');
    hub.extensionLine('plain from the extension');
    hub.functionLine('from the function');
    await hub.close();
    // Two subscribers, one listener: each gets its own type, once (their batches may interleave).
    expect(events.filter((e) => e.type === 'function').map((e) => e.record)).toEqual(['from the function']);
    expect(events.filter((e) => e.type === 'extension').map((e) => e.record)).toEqual([{ level: 'INFO', message: 'from the extension' }, 'plain from the extension']);
    expect(events.filter((e) => !e.type.startsWith('platform.'))).toHaveLength(3);
  });

  it('gives a Logs API subscriber the Logs API\'s shapes: no init records, platform.end, report metrics only, lines as strings', async () => {
    const { port, events } = await listener();
    const hub = new TelemetryHub(HOST_LOOPBACK, true);
    hub.platform(initStart);
    hub.functionLine('{"message":"early"}');
    hub.subscribe('otel', subscription(port, ['platform', 'function', 'extension'], 'logs'));
    hub.platform({ type: 'platform.initRuntimeDone', record: { initializationType: 'on-demand', phase: 'init', status: 'success' } });
    hub.platform({ type: 'platform.extension', record: { name: 'otel', state: 'Ready', events: ['INVOKE'] } });
    hub.closeSubscriptions();
    const tracing = { type: 'X-Amzn-Trace-Id', value: 'Root=1-2-3' } as const;
    hub.platform({ type: 'platform.start', record: { requestId: 'r1', version: '$LATEST', tracing } });
    hub.extensionLine('ext says hi');
    const metrics = { durationMs: 1.5, billedDurationMs: 2, memorySizeMB: 128, maxMemoryUsedMB: 40, initDurationMs: 12.25 };
    hub.fault('RequestId: r1 Error: Runtime exited with error: exit status 3');
    hub.platform({ type: 'platform.runtimeDone', record: { requestId: 'r1', status: 'error', errorType: 'E', metrics: { durationMs: 1.5 }, spans: [], tracing } });
    hub.platform({ type: 'platform.report', record: { requestId: 'r1', status: 'error', errorType: 'E', metrics, tracing } });
    await hub.close();
    expect(events.map((e) => [e.type, e.record])).toEqual([
      ['function', '{"message":"early"}'],
      ['platform.logsSubscription', { name: 'otel', state: 'Subscribed', types: ['platform', 'function', 'extension'] }],
      ['platform.extension', { name: 'otel', state: 'Ready', events: ['INVOKE'] }],
      ['platform.start', { requestId: 'r1', version: '$LATEST' }],
      ['extension', 'ext says hi'],
      ['platform.fault', 'RequestId: r1 Error: Runtime exited with error: exit status 3'],
      ['platform.runtimeDone', { requestId: 'r1', status: 'error' }],
      ['platform.end', { requestId: 'r1' }],
      ['platform.report', { requestId: 'r1', metrics }],
    ]);
  });

  it('refuses to subscribe when the subscriber cannot be reached', () => {
    expect(new TelemetryHub(undefined).subscribe('ext', subscription(9, ['platform']))).toBe('unreachable');
  });
});

describe('TelemetryHub memory', () => {
  it('keeps at most 1 MiB of init output for replay', async () => {
    const { port, events } = await listener();
    const hub = new TelemetryHub(HOST_LOOPBACK);
    const line = 'x'.repeat(100_000);
    for (let n = 0; n < 20; n += 1) hub.functionLine(line);
    hub.subscribe('ext', subscription(port, ['function']));
    await hub.close();
    expect(events.length).toBe(10);
  });
});
