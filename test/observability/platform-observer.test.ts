import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import { Observers, type ObservedEnvironment, type ObservedState, type ObservedThrottle } from '../../src/observability/platform-observer.js';
import type { PhaseEvent } from '../../src/observability/phase-records.js';
import { Platform } from '../../src/platform/platform.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

const ENV: ObservedEnvironment = { functionName: 'fn', version: '$LATEST', logStream: 's', provisioned: false };

describe('Observers', () => {
  it('calls every observer of a kind, and stops calling one once removed', () => {
    const observers = new Observers();
    const heard: string[] = [];
    const stopA = observers.add({ log: (_env, line) => heard.push(`a:${line}`) });
    observers.add({ log: (_env, line) => heard.push(`b:${line}`), environment: (_env, state) => heard.push(`b:${state}`) });
    expect(observers.hearsLogs).toBe(true);
    observers.log(ENV, 'one', undefined);
    stopA();
    observers.log(ENV, 'two', undefined);
    observers.environment(ENV, 'idle');
    expect(heard).toEqual(['a:one', 'b:one', 'b:two', 'b:idle']);
  });

  it('removes an observer that throws, reports it, and still calls the others in the same emission', () => {
    const observers = new Observers();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const heard: string[] = [];
    observers.add({ log: () => { throw new Error('broken observer'); } });
    observers.add({ log: (_env, line) => heard.push(line) });
    observers.log(ENV, 'one', undefined);
    observers.log(ENV, 'two', undefined);
    const written = stderr.mock.calls.map((call) => String(call[0]));
    stderr.mockRestore();
    expect(heard).toEqual(['one', 'two']);
    expect(written).toHaveLength(1);
    expect(written[0]).toContain('broken observer');
  });
});

describe('the platform tells its observers', () => {
  it('every phase record, log line and state of an environment, with its log stream, and every throttle', async () => {
    platform = new Platform({ functions: [bootstrapFunction('echo', { reservedConcurrency: 1 })], shutdownGraceMs: 200 });
    const phases: Array<{ env: ObservedEnvironment; event: PhaseEvent; requestId: string | undefined }> = [];
    const lines: Array<{ env: ObservedEnvironment; line: string; fromFunction: boolean }> = [];
    const states: ObservedState[] = [];
    const throttles: ObservedThrottle[] = [];
    platform.observers.add({
      phase: (env, event, invocation) => phases.push({ env, event, requestId: invocation?.requestId }),
      log: (env, line, _invocation, fromFunction) => lines.push({ env, line, fromFunction }),
      environment: (_env, state) => states.push(state),
      throttled: (throttle) => throttles.push(throttle),
    });
    const slow = platform.invoke(invokeRequest('echo', { sleepMs: 300, log: 'from the function' }));
    await expect(platform.invoke(invokeRequest('echo', { echo: 1 }))).rejects.toBeInstanceOf(ServiceError);
    const first = await slow;
    // A function printing what looks like a platform line: still the function's output.
    const second = await platform.invoke(invokeRequest('echo', { echo: 2, log: 'REPORT RequestId: spoofed' }));

    expect(throttles).toEqual([{ functionName: 'echo', version: '$LATEST', qualifier: undefined, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', queued: false }]);
    const types = phases.map((p) => p.event.type);
    expect(types.filter((t) => t === 'platform.initStart')).toHaveLength(1);
    expect(types.filter((t) => t === 'platform.start')).toHaveLength(2);
    expect(types.filter((t) => t === 'platform.report')).toHaveLength(2);
    const reports = phases.filter((p) => p.event.type === 'platform.report');
    expect(reports.map((p) => p.requestId)).toEqual([first.requestId, second.requestId]);
    const firstReport = reports[0]?.event.record as { metrics: { initDurationMs?: number } };
    expect(firstReport.metrics.initDurationMs).toBeGreaterThan(0);
    const stream = phases[0]?.env.logStream ?? '';
    expect(stream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(new Set(phases.map((p) => p.env.logStream))).toEqual(new Set([stream]));
    expect(lines.map((l) => l.line)).toContain('from the function');
    expect(lines.filter((l) => l.line.startsWith('REPORT RequestId:') && !l.fromFunction)).toHaveLength(2);
    // The log store keeps the platform's lines through a flood and may drop the function's: told apart here.
    expect(lines.find((l) => l.line === 'from the function')?.fromFunction).toBe(true);
    expect(lines.find((l) => l.line === 'REPORT RequestId: spoofed')?.fromFunction).toBe(true);
    expect(lines.filter((l) => /^(START|END) RequestId:/.test(l.line)).every((l) => !l.fromFunction)).toBe(true);
    expect(new Set(lines.map((l) => l.env.logStream))).toEqual(new Set([stream]));
    expect(states.slice(0, 5)).toEqual(['initializing', 'idle', 'invoking', 'idle', 'invoking']);
    await platform.stop();
    expect(states.at(-1)).toBe('dead');
  });

  it('uses the observers it is given, so a caller can listen before the platform starts anything', async () => {
    const given = new Observers();
    const lines: string[] = [];
    given.add({ log: (_env, line) => lines.push(line) });
    platform = new Platform({ functions: [bootstrapFunction('echo')], shutdownGraceMs: 200, observers: given });
    expect(platform.observers).toBe(given);
    await platform.invoke(invokeRequest('echo', { log: 'heard' }));
    expect(lines).toContain('heard');
  });
});
