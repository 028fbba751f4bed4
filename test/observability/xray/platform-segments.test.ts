import { describe, expect, it } from 'vitest';
import type { ObservedEnvironment } from '../../../src/observability/platform-observer.js';
import type { PhaseEvent } from '../../../src/observability/phase-records.js';
import { platformSegments } from '../../../src/observability/xray/platform-segments.js';
import { TraceStore, type TraceSegmentView } from '../../../src/observability/xray/trace-store.js';
import { Invocation } from '../../../src/platform/invocation.js';
import { bootstrapFunction } from '../../helpers/function-config.js';
import { invokeRequest } from '../../helpers/invoke-request.js';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const FUNCTION_SEGMENT = 'aaaaaaaaaaaaaaaa';
const fn = bootstrapFunction('traced', { tracing: 'Active' });
const env: ObservedEnvironment = { functionName: 'traced', version: '$LATEST', logStream: '2026/11/30/[$LATEST]00', provisioned: false };

const initStart: PhaseEvent = { type: 'platform.initStart', record: { initializationType: 'on-demand', phase: 'init', functionName: 'traced', functionVersion: '$LATEST' } };
const initReport: PhaseEvent = { type: 'platform.initReport', record: { initializationType: 'on-demand', phase: 'init', status: 'success', metrics: { durationMs: 150 } } };
const start = (invocation: Invocation): PhaseEvent => ({ type: 'platform.start', record: { requestId: invocation.requestId, version: '$LATEST' } });
const report = (invocation: Invocation, durationMs: number, status: 'success' | 'error' = 'success'): PhaseEvent => ({
  type: 'platform.report',
  record: { requestId: invocation.requestId, status, metrics: { durationMs, billedDurationMs: Math.ceil(durationMs), memorySizeMB: 128, maxMemoryUsedMB: 40 } },
});

/** A clock the test moves by hand (epoch ms). */
function clock(startMs: number): { now: () => number; at: (ms: number) => void } {
  let t = startMs;
  return { now: () => t, at: (ms) => void (t = ms) };
}

function named(views: readonly TraceSegmentView[] | undefined, name: string): TraceSegmentView | undefined {
  return views?.find((view) => view.name === name);
}

describe('platformSegments', () => {
  it('writes the service and function segments of a traced cold start, with Initialization, Invocation and Overhead', () => {
    const store = new TraceStore();
    const time = clock(1_000_000);
    const observer = platformSegments(store, time.now);
    const caller = `Root=${ROOT};Parent=cccccccccccccccc;Sampled=1`;
    const invocation = new Invocation(fn, invokeRequest('traced', {}, { traceId: caller }), 'req-1', `Root=${ROOT};Parent=${FUNCTION_SEGMENT};Sampled=1`);
    observer.phase?.(env, initStart, undefined);
    time.at(1_000_150);
    observer.phase?.(env, initReport, undefined);
    time.at(1_000_151);
    observer.phase?.(env, start(invocation), invocation);
    time.at(1_000_175);
    observer.phase?.(env, report(invocation, 20), invocation);

    const trace = store.get(ROOT);
    expect(trace).toMatchObject({ functionName: 'traced', version: '$LATEST', requestId: 'req-1' });
    const [service, fnSegment] = trace?.segments ?? [];
    expect(service).toMatchObject({ name: 'traced', origin: 'AWS::Lambda', parentId: 'cccccccccccccccc', startTime: 1000, endTime: 1000.175 });
    expect(fnSegment).toMatchObject({ id: FUNCTION_SEGMENT, origin: 'AWS::Lambda::Function', parentId: service?.id, startTime: 1000, endTime: 1000.175 });
    expect(fnSegment?.subsegments?.map((s) => [s.name, s.startTime, s.endTime])).toEqual([
      ['Initialization', 1000, 1000.15],
      ['Invocation', 1000.151, 1000.171],
      ['Overhead', 1000.171, 1000.175],
    ]);
  });

  it('writes no Initialization for a warm invocation, marks a failed one, and nothing for an untraced one', () => {
    const store = new TraceStore();
    const time = clock(2_000_000);
    const observer = platformSegments(store, time.now);
    observer.phase?.(env, initStart, undefined);
    observer.phase?.(env, initReport, undefined);
    // The first invocation is not traced: it still takes the environment's init.
    const untraced = new Invocation(fn, invokeRequest('traced', {}), 'req-0', `Root=1-5759e988-000000000000000000000000;Parent=${FUNCTION_SEGMENT};Sampled=0`);
    observer.phase?.(env, start(untraced), untraced);
    observer.phase?.(env, report(untraced, 5), untraced);
    expect(store.recent(10)).toEqual([]);

    const warm = new Invocation(fn, invokeRequest('traced', {}), 'req-2', `Root=${ROOT};Parent=${FUNCTION_SEGMENT};Sampled=1`);
    time.at(2_000_500);
    observer.phase?.(env, start(warm), warm);
    time.at(2_000_510);
    observer.phase?.(env, report(warm, 9, 'error'), warm);
    const fnSegment = store.get(ROOT)?.segments.find((s) => s.origin === 'AWS::Lambda::Function');
    expect(fnSegment?.subsegments?.map((s) => s.name)).toEqual(['Invocation', 'Overhead']);
    expect(fnSegment?.fault).toBe(true);
    expect(named(fnSegment?.subsegments, 'Invocation')?.fault).toBe(true);
    // No caller's header: the service segment has no parent.
    expect(store.get(ROOT)?.segments.find((s) => s.origin === 'AWS::Lambda')?.parentId).toBeUndefined();
  });

  it('forgets an environment\'s init when the environment dies before its first invocation', () => {
    const store = new TraceStore();
    const time = clock(3_000_000);
    const observer = platformSegments(store, time.now);
    observer.phase?.(env, initStart, undefined);
    observer.phase?.(env, initReport, undefined);
    observer.environment?.(env, 'dead');
    const invocation = new Invocation(fn, invokeRequest('traced', {}), 'req-3', `Root=${ROOT};Parent=${FUNCTION_SEGMENT};Sampled=1`);
    observer.phase?.(env, start(invocation), invocation);
    observer.phase?.(env, report(invocation, 1), invocation);
    expect(named(store.get(ROOT)?.segments, 'traced')).toBeDefined();
    expect(store.get(ROOT)?.segments.flatMap((s) => s.subsegments ?? []).map((s) => s.name)).toEqual(['Invocation', 'Overhead']);
  });
});
