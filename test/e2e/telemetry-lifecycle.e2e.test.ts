/**
 * The Telemetry API end to end, beyond the invoke phases of telemetry.e2e.test.ts
 * (docs/telemetry.md): an external extension's own lines as `extension` records, up to and during
 * SHUTDOWN; the Logs API's own record shapes; and a TCP subscriber that stops reading, which must
 * neither slow the function nor grow the platform's memory, and hears of its loss afterwards.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Platform } from '../../src/platform/platform.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';
import { httpSubscriber as httpSubscriberOf, telemetryTestState } from '../helpers/telemetry-listener.js';

interface Event {
  time: string;
  type: string;
  record: unknown;
}
type Fields = Record<string, unknown> & { metrics?: Record<string, number>; spans?: { name: string }[] };
const fields = (event: Event | undefined): Fields => (event?.record ?? {}) as Fields;

const state = telemetryTestState();
const httpSubscriber = (): Promise<{ port: number; events: Event[]; batches: number[] }> => httpSubscriberOf<Event>(state);

function subscribeBody(protocol: 'HTTP' | 'TCP', uri: string, types: string[], buffering: Record<string, number> = { timeoutMs: 25 }): string {
  return JSON.stringify({ schemaVersion: '2022-12-13', destination: { protocol, URI: uri }, types, buffering });
}

/** A Node extension that prints a line at registration, per INVOKE, and at SHUTDOWN before it exits. */
function extensionLayer(): string {
  const layer = mkdtempSync(join(tmpdir(), 'lamina-telemetry-ext-'));
  mkdirSync(join(layer, 'extensions'));
  const path = join(layer, 'extensions', 'chatty');
  writeFileSync(path, `#!${process.execPath}
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
(async () => {
  const registered = await fetch(api + '/register', { method: 'POST', headers: { 'Lambda-Extension-Name': 'chatty' }, body: JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }) });
  const id = registered.headers.get('lambda-extension-identifier');
  console.log('[chatty] registered');
  // Forged by the extension itself: an exit report without the wrapper's secret is a plain line.
  console.error('\\x1elamina-extension-exit 1 chatty');
  for (;;) {
    const event = await (await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } })).json();
    if (event.eventType === 'SHUTDOWN') {
      console.log('[chatty] SHUTDOWN ' + event.shutdownReason);
      console.error('[chatty] bye');
      process.exit(0);
    }
    console.log('[chatty] INVOKE ' + event.requestId);
  }
})();
`);
  chmodSync(path, 0o755);
  return layer;
}

describe('extension records', () => {
  it('delivers an external extension\'s lines as `extension` records, SHUTDOWN ones included, and writes them to the log', async () => {
    const sub = await httpSubscriber();
    const log: string[] = [];
    // The runtime outlives its SIGTERM, so the extensions' shutdown runs to its end (their exit).
    const environment = { ECHO_TELEMETRY: subscribeBody('HTTP', `http://sandbox.localdomain:${sub.port}`, ['platform', 'function', 'extension']), ECHO_IGNORE_TERM: '1' };
    const fn = bootstrapFunction('chat', { environment, layers: [extensionLayer()], timeout: 5 });
    state.platform = new Platform({ functions: [fn], shutdownGraceMs: 200, logOutput: (text) => log.push(text) });
    // A function that prints the wrapper's marker (an echoed request, say) cannot pass as the extension.
    const forged = '\x1elx0123456789abcdef01234567 0 [chatty] forged';
    const first = await state.platform.invoke(invokeRequest('chat', { echo: 1, log: forged }));
    expect(first.result.kind).toBe('response');
    await expect.poll(() => sub.events.filter((e) => e.type === 'extension').map((e) => e.record), { timeout: 5000 }).toContain(`[chatty] INVOKE ${first.requestId}`);
    await state.platform.stop();
    state.platform = undefined;

    // Sent when the environment is gone (its last batch), to a listener outside it.
    const extensionLines = (): unknown[] => sub.events.filter((e) => e.type === 'extension').map((e) => e.record);
    await expect.poll(extensionLines, { timeout: 5000 }).toContain('[chatty] bye');
    expect(extensionLines()).toEqual(['[chatty] registered', '\x1elamina-extension-exit 1 chatty', `[chatty] INVOKE ${first.requestId}`, '[chatty] SHUTDOWN spindown', '[chatty] bye']);
    const functionLines = sub.events.filter((e) => e.type === 'function').map((e) => e.record);
    expect(functionLines).toContain(forged);
    expect(functionLines.filter((line) => String(line).includes('[chatty]') && line !== forged)).toEqual([]);
    // In order: the invoke's platform events, the extension's line of it, the SHUTDOWN lines last.
    const types = sub.events.map((e) => (e.type === 'extension' ? String(e.record) : e.type));
    const at = (entry: string): number => types.indexOf(entry);
    expect(at('platform.start')).toBeLessThan(at(`[chatty] INVOKE ${first.requestId}`));
    expect(at('platform.report')).toBeLessThan(at('[chatty] SHUTDOWN spindown'));
    // The SHUTDOWN lines are the environment's last words (the runtime's own "got SIGTERM" may interleave).
    expect(at('[chatty] SHUTDOWN spindown')).toBeLessThan(at('[chatty] bye'));
    expect(types.slice(at('[chatty] SHUTDOWN spindown')).filter((type) => type.startsWith('platform.'))).toEqual([]);
    const extension = sub.events.find((e) => e.type === 'platform.extension' && fields(e).name === 'chatty');
    expect(fields(extension)).toEqual({ name: 'chatty', state: 'Ready', events: ['INVOKE', 'SHUTDOWN'] });
    // The log (CloudWatch's stream) still has them, untagged; the extension's own fake report too.
    const text = log.join('');
    expect(text).toContain('[chatty] registered\n');
    expect(text).toContain('[chatty] SHUTDOWN spindown\n');
    expect(text).toContain('\x1elamina-extension-exit 1 chatty');
    // No tag of the wrapper's is left in the log: the only one there is the function's forgery.
    expect(text.match(/\x1elx[0-9a-f]{24} \d/g)).toEqual([forged.slice(0, 29)]);
  });
});

describe('the Logs API', () => {
  it('delivers its own shapes: platform.start, platform.end, platform.report with metrics, platform.fault, lines as strings', async () => {
    const sub = await httpSubscriber();
    const environment = {
      ECHO_TELEMETRY: JSON.stringify({ destination: { protocol: 'HTTP', URI: `http://sandbox.localdomain:${sub.port}` }, types: ['platform', 'function'], buffering: { timeoutMs: 25 } }),
      ECHO_TELEMETRY_PATH: '/2020-08-15/logs',
    };
    state.platform = new Platform({ functions: [bootstrapFunction('logs', { environment, logFormat: 'JSON' })], logOutput: () => undefined });
    const cold = await state.platform.invoke(invokeRequest('logs', { echo: 1, log: '{"message":"⚡. a JSON line"}' }));
    const failed = await state.platform.invoke(invokeRequest('logs', { fail: 'boom' }));
    const crashed = await state.platform.invoke(invokeRequest('logs', { exit: 3 }));
    await expect.poll(() => sub.events.filter((e) => e.type === 'platform.report').length, { timeout: 5000 }).toBe(3);
    const platformEvents = sub.events.filter((e) => e.type.startsWith('platform.'));
    expect(platformEvents.map((e) => e.type)).toEqual([
      'platform.logsSubscription', 'platform.extension',
      'platform.start', 'platform.runtimeDone', 'platform.end', 'platform.report',
      'platform.start', 'platform.runtimeDone', 'platform.end', 'platform.report',
      'platform.start', 'platform.fault', 'platform.runtimeDone', 'platform.end', 'platform.report',
    ]);
    // The runtime died mid-invoke: the platform's fault line, as a string.
    expect(platformEvents[11]?.record).toBe(`RequestId: ${crashed.requestId} Error: Runtime exited with error: exit status 3`);
    expect(fields(platformEvents[12])).toEqual({ requestId: crashed.requestId, status: 'error' });
    expect(fields(platformEvents[0])).toEqual({ name: 'echo-telemetry', state: 'Subscribed', types: ['platform', 'function'] });
    expect(fields(platformEvents[2])).toEqual({ requestId: cold.requestId, version: '$LATEST' });
    expect(fields(platformEvents[3])).toEqual({ requestId: cold.requestId, status: 'success' });
    expect(fields(platformEvents[4])).toEqual({ requestId: cold.requestId });
    const report = fields(platformEvents[5]);
    expect(Object.keys(report)).toEqual(['requestId', 'metrics']);
    expect(Object.keys(report.metrics ?? {})).toEqual(['durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB', 'initDurationMs']);
    expect(fields(platformEvents[7])).toEqual({ requestId: failed.requestId, status: 'error' });
    expect(Object.keys(fields(platformEvents[9]).metrics ?? {})).not.toContain('initDurationMs');
    // What the Serverless OpenTelemetry extension reads: `function` records it can `includes()` on.
    const lines = sub.events.filter((e) => e.type === 'function').map((e) => e.record);
    expect(lines.every((line) => typeof line === 'string')).toBe(true);
    expect(lines).toContain('{"message":"⚡. a JSON line"}');
  });
});

describe('a TCP subscriber that stops reading', () => {
  it('does not slow the function or grow the platform\'s memory, and is told of its loss once it reads again', async () => {
    let reading = false;
    const sockets: Socket[] = [];
    const lines: string[] = [];
    const server = createTcpServer((socket) => {
      sockets.push(socket);
      let rest = '';
      socket.on('data', (chunk: Buffer) => {
        const parts = (rest + chunk.toString()).split('\n');
        rest = parts.pop() ?? '';
        lines.push(...parts);
      });
      // Accepts, never reads (until the test says so): the kernel's buffers fill, then Lamina's.
      if (!reading) socket.pause();
    });
    state.listener = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const environment = { ECHO_TELEMETRY: subscribeBody('TCP', `sandbox.localdomain:${port}`, ['platform', 'function'], { timeoutMs: 25, maxBytes: 1_048_576 }) };
    state.platform = new Platform({ functions: [bootstrapFunction('flood', { environment, timeout: 30 })], logOutput: () => undefined });
    await state.platform.invoke(invokeRequest('flood', { echo: 0 }));

    const rssBefore = process.memoryUsage().rss;
    const durations: number[] = [];
    // 80 invocations of 2 MB of log lines each: 160 MB the subscriber never reads (a platform that
    // kept them would grow by at least that; this process's RSS moves by 40-60 MB on its own).
    for (let n = 0; n < 80; n += 1) {
      const started = Date.now();
      const outcome = await state.platform.invoke(invokeRequest('flood', { echo: n, spew: [2000, 1000] }));
      durations.push(Date.now() - started);
      expect(outcome.result.kind).toBe('response');
    }
    const grewMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    // Not blocked: Lamina drops what the subscriber cannot take (the platform.logsDropped record
    // checked below) instead of waiting for it; a platform that waited would spend the delivery
    // timeout per batch and this loop would outlast the test's timeout. No wall-clock threshold
    // here (the machine is shared): the durations are printed for whoever looks.
    console.log(`invocation durations with a stalled subscriber (ms): max ${Math.max(...durations)}, sum ${durations.reduce((a, b) => a + b, 0)}; RSS grew ${grewMb.toFixed(1)} MB`);
    // Bounded: 8 pending batches of at most 1 MiB (plus a socket's worth), not 160 MB.
    expect({ durations, grewMb }).toSatisfy(() => grewMb < 100);
    expect(lines).toEqual([]);

    // It reads again: the next batch that reaches it leads with what it lost.
    reading = true;
    for (const socket of sockets) socket.resume();
    const told = (): boolean => lines.some((line) => line.includes('"platform.logsDropped"'));
    for (let n = 0; n < 40 && !told(); n += 1) {
      await state.platform.invoke(invokeRequest('flood', { echo: 'again' }));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const pool = state.platform.pool('flood');
    expect({ told: told(), lines: lines.length, sockets: sockets.length, environments: pool?.size }).toMatchObject({ told: true, environments: 1 });
    const dropped = lines.map((line) => JSON.parse(line) as Event).filter((event) => event.type === 'platform.logsDropped');
    const record = fields(dropped[0]);
    expect(record.reason).toBe('Consumer seems to have fallen behind as it has not acknowledged receipt of logs.');
    expect(Number(record.droppedRecords)).toBeGreaterThan(10_000);
    expect(Number(record.droppedBytes)).toBeGreaterThan(Number(record.droppedRecords) * 1000);
  }, 60_000);
});
