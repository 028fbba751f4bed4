/**
 * The Telemetry API end to end (docs/telemetry.md): the echo runtime subscribes during init to a
 * listener of this test (the environment shares the host's loopback), and the listener receives
 * the platform events of a cold invoke, a warm invoke, a function error and a timeout, in order.
 */
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Platform } from '../../src/platform/platform.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';
import { httpSubscriber as httpSubscriberOf, telemetryTestState } from '../helpers/telemetry-listener.js';

interface Event {
  time: string;
  type: string;
  record: Record<string, unknown> & { metrics?: Record<string, number>; spans?: { name: string; durationMs: number }[] };
}

const state = telemetryTestState();
const httpSubscriber = (): Promise<{ port: number; events: Event[]; batches: number[] }> => httpSubscriberOf<Event>(state);

function subscribeBody(protocol: 'HTTP' | 'TCP', uri: string, types: string[]): string {
  return JSON.stringify({ schemaVersion: '2022-12-13', destination: { protocol, URI: uri }, types, buffering: { timeoutMs: 25 } });
}

const platformTypes = (events: Event[]): string[] => events.filter((e) => e.type.startsWith('platform.')).map((e) => e.type);
const INVOKE = ['platform.start', 'platform.runtimeDone', 'platform.report'];

describe('Telemetry API over HTTP', () => {
  it('delivers the platform events of a cold, a warm, a failed and a timed-out invoke, in order', async () => {
    const sub = await httpSubscriber();
    const environment = { ECHO_TELEMETRY: subscribeBody('HTTP', `http://sandbox.localdomain:${sub.port}/telemetry`, ['platform', 'function']) };
    const log: string[] = [];
    state.platform = new Platform({ functions: [bootstrapFunction('tele', { environment, timeout: 1 })], logOutput: (text) => log.push(text) });
    const cold = await state.platform.invoke(invokeRequest('tele', { echo: 'cold' }));
    const warm = await state.platform.invoke(invokeRequest('tele', { echo: 'warm', log: 'hello from the function' }));
    const failed = await state.platform.invoke(invokeRequest('tele', { fail: 'boom', errorType: 'Function.Boom' }));
    const late = await state.platform.invoke(invokeRequest('tele', { sleepMs: 3000 }));
    expect(late.result.kind).toBe('function-error');

    const expected = [
      'platform.initStart', 'platform.telemetrySubscription', 'platform.initRuntimeDone', 'platform.extension', 'platform.initReport',
      ...INVOKE, ...INVOKE, ...INVOKE, ...INVOKE,
    ];
    await expect.poll(() => platformTypes(sub.events), { timeout: 5000 }).toEqual(expected);
    const platformEvents = sub.events.filter((e) => e.type.startsWith('platform.'));
    const byType = (type: string): Event[] => platformEvents.filter((e) => e.type === type);

    expect(byType('platform.initStart')[0]?.record).toEqual({
      initializationType: 'on-demand', phase: 'init', functionName: 'tele', functionVersion: '$LATEST',
      runtimeVersion: 'provided:al2023.v1', runtimeVersionArn: expect.stringMatching(/^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$/),
    });
    // The log's INIT_START line is derived from that same record.
    const initStart = byType('platform.initStart')[0]?.record as { runtimeVersionArn?: string } | undefined;
    expect(log.join('')).toContain(`INIT_START Runtime Version: provided:al2023.v1\tRuntime Version ARN: ${initStart?.runtimeVersionArn ?? '?'}`);
    // The runtime's internal extension, as it stood at the end of init.
    expect(byType('platform.extension')[0]?.record).toEqual({ name: 'echo-telemetry', state: 'Ready', events: [] });
    expect(byType('platform.telemetrySubscription')[0]?.record).toEqual({ name: 'echo-telemetry', state: 'Subscribed', types: ['platform', 'function'] });
    expect(byType('platform.initReport')[0]?.record).toMatchObject({ initializationType: 'on-demand', phase: 'init', status: 'success' });

    const starts = byType('platform.start');
    expect(starts.map((e) => e.record.requestId)).toEqual([cold.requestId, warm.requestId, failed.requestId, late.requestId]);
    expect(starts[0]?.record).toMatchObject({ version: '$LATEST', tracing: { type: 'X-Amzn-Trace-Id' } });

    const reports = byType('platform.report');
    expect(reports.map((e) => e.record.status)).toEqual(['success', 'success', 'error', 'timeout']);
    expect(reports[2]?.record.errorType).toBe('Function.Boom');
    expect(reports[0]?.record.metrics).toMatchObject({ memorySizeMB: 128 });
    expect(typeof reports[0]?.record.metrics?.initDurationMs).toBe('number');
    expect(reports[1]?.record.metrics?.initDurationMs).toBeUndefined();
    expect(reports[3]?.record.metrics?.durationMs).toBeGreaterThanOrEqual(1000);

    const done = byType('platform.runtimeDone');
    expect(done.map((e) => e.record.status)).toEqual(['success', 'success', 'error', 'timeout']);
    expect(done[0]?.record.metrics?.producedBytes).toBe(Buffer.byteLength('"cold"'));
    // Answered invocations: runtimeOverhead runs from the complete answer to the runtime's next
    // /next, so runtimeDone (and the report after it) go out once that comes. The timed-out one
    // never answered: no spans.
    for (const event of done.slice(0, 3)) expect(event.record.spans?.map((s) => s.name)).toEqual(['responseLatency', 'responseDuration', 'runtimeOverhead']);
    expect(done[3]?.record.spans).toEqual([]);
    const spans = done[1]?.record.spans ?? [];
    const spanStart = (n: number): number => Date.parse((spans[n] as unknown as { start: string }).start);
    expect(spanStart(2)).toBeGreaterThanOrEqual(spanStart(1));
    expect(spans.every((span) => span.durationMs >= 0 && span.durationMs < 1000)).toBe(true);
    expect(Date.parse(done[1]?.time ?? '')).toBeGreaterThanOrEqual(spanStart(2));

    // The REPORT line in the log is derived from the same record.
    const report = reports[0]?.record.metrics;
    expect(cold.logs()).toContain(`Duration: ${report?.durationMs?.toFixed(2)} ms\tBilled Duration: ${report?.billedDurationMs} ms`);

    const lines = sub.events.filter((e) => e.type === 'function').map((e) => e.record);
    expect(lines).toContain('telemetry subscribe 200 OK');
    expect(lines).toContain('hello from the function');
    expect(sub.events.map((e) => Date.parse(e.time))).toEqual([...sub.events.map((e) => Date.parse(e.time))].sort((a, b) => a - b));
  });
});

describe('Telemetry API and a failed init', () => {
  it('reports both failed inits, the second inside the invoke, and the invoke\'s error', async () => {
    const sub = await httpSubscriber();
    const environment = {
      ECHO_TELEMETRY: subscribeBody('HTTP', `http://sandbox.localdomain:${sub.port}`, ['platform']),
      ECHO_TELEMETRY_THEN_EXIT: '1',
    };
    state.platform = new Platform({ functions: [bootstrapFunction('broken', { environment })], logOutput: () => undefined });
    const outcome = await state.platform.invoke(invokeRequest('broken', {}));
    expect(outcome.result.kind).toBe('function-error');
    // Two environments, two batchers: their batches may arrive in either order, their times may not.
    const reports = (): Event[] =>
      sub.events.filter((e) => e.type === 'platform.initReport' || e.type === 'platform.report').sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    await expect.poll(() => reports().length, { timeout: 5000 }).toBe(3);
    expect(reports().map((e) => [e.type, e.record.phase, e.record.status])).toEqual([
      ['platform.initReport', 'init', 'error'],
      ['platform.initReport', 'invoke', 'error'],
      ['platform.report', undefined, 'error'],
    ]);
    expect(reports()[2]?.record.requestId).toBe(outcome.requestId);
    expect(reports()[2]?.record.errorType).toBe('Runtime.ExitError');
    const done = sub.events.filter((e) => e.type === 'platform.initRuntimeDone').map((e) => e.record.status);
    expect(done).toEqual(['error', 'error']);
    expect(outcome.logs()).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError\nSTART RequestId: /);
  });
});

describe('Telemetry API over TCP', () => {
  it('writes one JSON event per line, platform events only when only they are asked for', async () => {
    const lines: string[] = [];
    const server = createTcpServer((socket) => {
      let rest = '';
      socket.on('data', (chunk: Buffer) => {
        const parts = (rest + chunk.toString()).split('\n');
        rest = parts.pop() ?? '';
        lines.push(...parts);
      });
    });
    state.listener = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const environment = { ECHO_TELEMETRY: subscribeBody('TCP', `sandbox.localdomain:${port}`, ['platform']) };
    state.platform = new Platform({ functions: [bootstrapFunction('tcp', { environment })], logOutput: () => undefined });
    await state.platform.invoke(invokeRequest('tcp', { echo: 1, log: 'not asked for' }));
    const expected = ['platform.initStart', 'platform.telemetrySubscription', 'platform.initRuntimeDone', 'platform.extension', 'platform.initReport', ...INVOKE];
    await expect.poll(() => lines.map((line) => (JSON.parse(line) as Event).type), { timeout: 5000 }).toEqual(expected);
  });
});
