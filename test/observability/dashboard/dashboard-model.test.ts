/**
 * The dashboard's model (src/observability/dashboard/dashboard-model.ts): what it keeps from the
 * platform's observer calls, its bounds, and its deltas. One test runs a real platform (real
 * runtime processes); the others feed observer calls directly, including hostile ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ObservedEnvironment } from '../../../src/observability/platform-observer.js';
import type { PhaseEvent } from '../../../src/observability/phase-records.js';
import { DashboardModel } from '../../../src/observability/dashboard/dashboard-model.js';
import { BUCKET_BOUNDS_MS, bucketOf } from '../../../src/observability/dashboard/latency-histogram.js';
import { MAX_TRACE_SEGMENTS, type TraceSegmentView, type TraceView } from '../../../src/observability/dashboard/trace-source.js';
import { Platform } from '../../../src/platform/platform.js';
import { createAlias } from '../../../src/registry/alias-changes.js';
import { publishVersion } from '../../../src/registry/latest-changes.js';
import { bootstrapFunction } from '../../helpers/function-config.js';
import { invokeRequest } from '../../helpers/invoke-request.js';
import { MemoryTraces } from '../../helpers/memory-traces.js';
import { value } from '../../registry/registry-fixture.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

const ENV_A: ObservedEnvironment = { functionName: 'a', version: '$LATEST', logStream: '2026/11/30/[$LATEST]aaaa', provisioned: false };
const ENV_B: ObservedEnvironment = { functionName: 'b', version: '3', logStream: '2026/11/30/[3]bbbb', provisioned: true };

function report(requestId: string, durationMs: number, extra: { initDurationMs?: number; status?: 'success' | 'error' | 'timeout' | 'failure'; errorType?: string } = {}): PhaseEvent {
  const metrics = { durationMs, billedDurationMs: Math.ceil(durationMs), memorySizeMB: 128, maxMemoryUsedMB: 40, ...(extra.initDurationMs === undefined ? {} : { initDurationMs: extra.initDurationMs }) };
  return { type: 'platform.report', record: { requestId, status: extra.status ?? 'success', ...(extra.errorType === undefined ? {} : { errorType: extra.errorType }), metrics } };
}

function trace(id: string, segments: TraceSegmentView[] = [{ id: 's1', name: 'fn', startTime: 100, endTime: 100.25 }]): TraceView {
  return { traceId: id, functionName: 'a', version: '$LATEST', requestId: `req-${id}`, segments };
}

describe('the dashboard model on a real platform', () => {
  it('shows the first invoke as cold and the second as warm, with the environment, the function, its versions and aliases, the histogram and the log lines', async () => {
    platform = new Platform({ functions: [bootstrapFunction('echo')], shutdownGraceMs: 200 });
    value(await publishVersion(platform.registry, 'echo'));
    const model = new DashboardModel({ functions: platform.registry });
    platform.observers.add(model);
    const first = await platform.invoke(invokeRequest('echo', { echo: 1, log: 'first one' }));
    const second = await platform.invoke(invokeRequest('echo', { echo: 2 }));
    const snapshot = model.snapshot();
    expect(snapshot.invocations.map((i) => [i.requestId, i.cold, i.functionName, i.status])).toEqual([
      [first.requestId, true, 'echo', 'success'],
      [second.requestId, false, 'echo', 'success'],
    ]);
    expect(snapshot.invocations[0]?.initDurationMs).toBeGreaterThan(0);
    expect(snapshot.invocations[1]?.initDurationMs).toBeUndefined();
    expect(snapshot.stats).toEqual([expect.objectContaining({ functionName: 'echo', invocations: 2, cold: 1, warm: 1, errors: 0, throttles: 0 })]);
    expect(snapshot.stats[0]?.latency.count).toBe(2);
    expect(snapshot.environments).toEqual([expect.objectContaining({ functionName: 'echo', version: '$LATEST', state: 'idle', invocations: 2 })]);
    expect(snapshot.functions).toEqual([expect.objectContaining({ name: 'echo', versions: ['$LATEST', '1'], aliases: [] })]);
    expect(snapshot.logs.some((l) => l.line === 'first one' && l.requestId === first.requestId)).toBe(true);
    expect(snapshot.logs.some((l) => l.line.startsWith(`REPORT RequestId: ${second.requestId}`))).toBe(true);

    // A registry change is in the next delta: the alias shows up.
    model.takeDelta();
    value(await createAlias(platform.registry, 'echo', 'live', { functionVersion: '1' }));
    expect(model.takeDelta()?.functions).toEqual([expect.objectContaining({ name: 'echo', aliases: [{ name: 'live', version: '1' }] })]);
  });
});

describe('aggregation', () => {
  it('follows environment states, and an environment that died is gone from the next delta', () => {
    let now = 1000;
    const model = new DashboardModel({ now: () => now });
    model.environment(ENV_A, 'initializing');
    now = 1500;
    model.environment(ENV_A, 'idle');
    model.environment(ENV_B, 'initializing');
    const first = model.takeDelta();
    expect(first?.environments).toEqual([
      { logStream: ENV_A.logStream, functionName: 'a', version: '$LATEST', provisioned: false, state: 'idle', startedAt: 1000, since: 1500, invocations: 0 },
      { logStream: ENV_B.logStream, functionName: 'b', version: '3', provisioned: true, state: 'initializing', startedAt: 1500, since: 1500, invocations: 0 },
    ]);
    model.environment(ENV_A, 'invoking');
    model.phase(ENV_A, report('r1', 12), undefined);
    model.environment(ENV_A, 'retiring');
    model.environment(ENV_B, 'dead');
    const second = model.takeDelta();
    expect(second?.environments).toEqual([expect.objectContaining({ logStream: ENV_A.logStream, state: 'retiring', invocations: 1 })]);
    expect(second?.gone).toEqual([ENV_B.logStream]);
    expect(model.snapshot().environments.map((e) => e.logStream)).toEqual([ENV_A.logStream]);
    // An environment that comes and goes within one interval is only gone.
    const ENV_C = { ...ENV_A, logStream: 'c' };
    model.environment(ENV_C, 'initializing');
    model.environment(ENV_C, 'dead');
    expect(model.takeDelta()).toMatchObject({ gone: ['c'] });
    expect(model.takeDelta()).toBeUndefined();
  });

  it('counts cold and warm starts, errors and throttles per function, and sorts durations into the histogram buckets', () => {
    const model = new DashboardModel();
    model.phase(ENV_A, report('r1', 0.4, { initDurationMs: 80 }), undefined);
    model.phase(ENV_A, report('r2', 15), undefined);
    model.phase(ENV_A, report('r3', 15, { status: 'error', errorType: 'Handled' }), undefined);
    model.phase(ENV_A, report('r4', 999_999, { status: 'timeout' }), undefined);
    model.phase(ENV_B, report('r5', 3, { initDurationMs: 10 }), undefined);
    model.throttled({ functionName: 'a', version: '$LATEST', qualifier: 'live', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', queued: false });
    model.throttled({ functionName: 'c', version: '1', qualifier: undefined, reason: 'ConcurrentInvocationLimitExceeded', queued: true });
    const snapshot = model.snapshot();
    const a = snapshot.stats.find((s) => s.functionName === 'a');
    expect(a).toMatchObject({ invocations: 4, cold: 1, warm: 3, errors: 2, throttles: 1 });
    const counts = [...(a?.latency.counts ?? [])];
    expect(counts[bucketOf(0.4)]).toBe(1);
    expect(counts[bucketOf(15)]).toBe(2);
    expect(counts[BUCKET_BOUNDS_MS.length]).toBe(1);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(4);
    expect(a?.latency.maxMs).toBe(999_999);
    expect(snapshot.stats.find((s) => s.functionName === 'c')).toMatchObject({ invocations: 0, throttles: 1 });
    expect(snapshot.invocations.map((i) => [i.requestId, i.cold, i.status, i.errorType])).toEqual([
      ['r1', true, 'success', undefined], ['r2', false, 'success', undefined], ['r3', false, 'error', 'Handled'], ['r4', false, 'timeout', undefined], ['r5', true, 'success', undefined],
    ]);
    expect(snapshot.throttles).toEqual([
      expect.objectContaining({ functionName: 'a', qualifier: 'live', queued: false }),
      expect.objectContaining({ functionName: 'c', reason: 'ConcurrentInvocationLimitExceeded', queued: true }),
    ]);
    expect(snapshot.buckets).toEqual(BUCKET_BOUNDS_MS);
  });

  it('ignores phase records other than the report, and durations that are not numbers', () => {
    const model = new DashboardModel();
    model.phase(ENV_A, { type: 'platform.start', record: { requestId: 'x', version: '$LATEST' } }, undefined);
    expect(model.takeDelta()).toBeUndefined();
    model.phase(ENV_A, report('nan', Number.NaN), undefined);
    model.phase(ENV_A, report('neg', -5), undefined);
    expect(model.snapshot().stats[0]).toMatchObject({ invocations: 2, latency: { count: 0 } });
  });
});

describe('bounds and deltas', () => {
  it('keeps the newest lines of the log tail, cuts long lines, and says how many a delta left out', () => {
    const model = new DashboardModel({ limits: { logs: 50, lineChars: 100 } });
    for (let i = 0; i < 10_000; i += 1) model.log(ENV_A, `line ${i}`, undefined);
    model.log(ENV_A, 'x'.repeat(1_000_000), undefined);
    const snapshot = model.snapshot();
    expect(snapshot.logs).toHaveLength(50);
    expect(snapshot.logs[0]?.line).toBe('line 9951');
    expect(snapshot.logs[49]?.line).toBe(`${'x'.repeat(100)}…`);
    const delta = model.takeDelta();
    expect(delta?.logs).toHaveLength(50);
    expect(delta?.droppedLogs).toBe(10_001 - 50);
    expect(JSON.stringify(delta).length).toBeLessThan(50 * 400);
    model.log(ENV_A, 'one more', undefined);
    expect(model.takeDelta()).toMatchObject({ logs: [expect.objectContaining({ line: 'one more' })] });
  });

  it('bounds the invocations and throttles it keeps', () => {
    const model = new DashboardModel({ limits: { invocations: 5, throttles: 3 } });
    for (let i = 0; i < 100; i += 1) {
      model.phase(ENV_A, report(`r${i}`, 1), undefined);
      model.throttled({ functionName: 'a', version: '$LATEST', qualifier: undefined, reason: 'ConcurrentInvocationLimitExceeded', queued: false });
    }
    const snapshot = model.snapshot();
    expect(snapshot.invocations.map((i) => i.requestId)).toEqual(['r95', 'r96', 'r97', 'r98', 'r99']);
    expect(snapshot.throttles).toHaveLength(3);
    expect(snapshot.stats[0]).toMatchObject({ invocations: 100, throttles: 100 });
  });

  it('asks for a flush once per delta, numbers the deltas, and has none when nothing changed', () => {
    const model = new DashboardModel();
    let asked = 0;
    model.onChange = () => (asked += 1);
    expect(model.takeDelta()).toBeUndefined();
    for (let i = 0; i < 1000; i += 1) model.log(ENV_A, 'x', undefined);
    model.environment(ENV_A, 'idle');
    expect(asked).toBe(1);
    expect(model.takeDelta()?.seq).toBe(1);
    model.log(ENV_A, 'y', undefined);
    expect(asked).toBe(2);
    const delta = model.takeDelta();
    expect(delta).toMatchObject({ seq: 2, logs: [expect.objectContaining({ line: 'y' })] });
    expect(delta?.environments).toBeUndefined();
    expect(model.snapshot().seq).toBe(2);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new DashboardModel({ limits: { logs: 0 } })).toThrow(RangeError);
    expect(() => new DashboardModel({ limits: { traces: 1.5 } })).toThrow(RangeError);
  });
});

describe('traces from a trace source', () => {
  it('starts from the recent ones, takes new and grown ones, keeps the newest, and stops listening when closed', () => {
    const source = new MemoryTraces();
    for (let i = 0; i < 5; i += 1) source.put(trace(`t${i}`));
    const model = new DashboardModel({ traces: source, limits: { traces: 3 } });
    expect(model.snapshot().traces.map((t) => t.traceId)).toEqual(['t2', 't3', 't4']);
    expect(model.snapshot().tracing).toBe(true);
    model.takeDelta();
    source.put(trace('t2', [{ id: 's1', name: 'fn', startTime: 100, endTime: 100.5, subsegments: [{ id: 's2', name: 'DynamoDB', startTime: 100.1, endTime: 100.2, fault: true }] }]));
    source.put(trace('t5'));
    const delta = model.takeDelta();
    expect(delta?.traces?.map((t) => t.traceId)).toEqual(['t2', 't5']);
    expect(model.snapshot().traces.map((t) => t.traceId)).toEqual(['t4', 't2', 't5']);
    expect(model.snapshot().traces[1]?.segments[0]?.subsegments?.[0]).toEqual({ id: 's2', name: 'DynamoDB', startTime: 100.1, endTime: 100.2, fault: true });
    model.close();
    source.put(trace('t9'));
    expect(model.takeDelta()).toBeUndefined();
    expect(source.listeners.size).toBe(0);
  });

  it('bounds a runaway trace: segment count, depth, names, and no fields the timeline does not draw', () => {
    const source = new MemoryTraces();
    const wide = Array.from({ length: 5000 }, (_, i) => ({ id: `w${i}`, name: `call ${i}`, startTime: 1, endTime: 2 }));
    let deep: TraceSegmentView = { id: 'leaf', name: 'leaf', startTime: 1 };
    for (let i = 0; i < 50; i += 1) deep = { id: `d${i}`, name: 'n'.repeat(10_000), startTime: 1, subsegments: [deep] };
    const hostile = { ...deep, sql: { query: 'SELECT secret' }, annotations: { user: 'x' } } as TraceSegmentView;
    source.put(trace('big', [hostile, ...wide]));
    const model = new DashboardModel({ traces: source });
    const [kept] = model.snapshot().traces;
    let count = 0;
    let depth = 0;
    const walk = (segments: readonly TraceSegmentView[] | undefined, d: number): void => {
      for (const s of segments ?? []) {
        count += 1;
        depth = Math.max(depth, d);
        expect(s.name.length).toBeLessThanOrEqual(200);
        walk(s.subsegments, d + 1);
      }
    };
    walk(kept?.segments, 0);
    expect(count).toBe(MAX_TRACE_SEGMENTS);
    expect(depth).toBeLessThanOrEqual(8);
    expect(JSON.stringify(kept)).not.toContain('SELECT secret');
  });
});
