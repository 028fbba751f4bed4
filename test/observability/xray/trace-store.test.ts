import { describe, expect, it } from 'vitest';
import type { SegmentDocument } from '../../../src/observability/xray/segment-document.js';
import { TraceStore, type TraceSegmentView, type TraceView } from '../../../src/observability/xray/trace-store.js';
import { traceRoutes } from '../../../src/observability/xray/trace-routes.js';

const TRACE = '1-5759e988-bd862e3fe1be46a994272793';
const id = (n: number): string => n.toString(16).padStart(16, '0');

function doc(n: number, overrides: Partial<SegmentDocument> = {}): SegmentDocument {
  return { traceId: TRACE, id: id(n), name: `s${n}`, subsegment: false, startTime: 100 + n, endTime: 200, inProgress: false, error: false, fault: false, subsegments: [], ...overrides };
}

/** The tree as names, to compare shapes. */
function shape(views: readonly TraceSegmentView[]): unknown[] {
  return views.map((view) => (view.subsegments === undefined ? view.name : { [view.name]: shape(view.subsegments) }));
}

describe('TraceStore', () => {
  it('hangs subsegments sent alone under their parent, and a function segment\'s under its Invocation', () => {
    const store = new TraceStore();
    const invocation = doc(3, { name: 'Invocation', subsegment: true, parentId: id(2) });
    store.add(doc(1, { name: 'svc', origin: 'AWS::Lambda' }), { functionName: 'fn', version: '$LATEST', requestId: 'r1' });
    store.add(doc(2, { name: 'fn', origin: 'AWS::Lambda::Function', parentId: id(1), subsegments: [invocation, doc(4, { name: 'Overhead', subsegment: true, parentId: id(2) })] }));
    // What the function's SDK sends: its subsegment names the function segment (the header's Parent).
    store.add(doc(5, { name: 'work', subsegment: true, parentId: id(2), subsegments: [doc(7, { name: 'inner', subsegment: true, parentId: id(5) })] }));
    store.add(doc(6, { name: 'later', subsegment: true, parentId: id(5) }));
    const trace = store.get(TRACE);
    expect(trace).toMatchObject({ traceId: TRACE, functionName: 'fn', version: '$LATEST', requestId: 'r1' });
    // Children in order of their start; segments stay at the top (a segment is never nested, whatever its parent_id).
    expect(shape(trace?.segments ?? [])).toEqual(['svc', { fn: [{ Invocation: [{ work: ['later', 'inner'] }] }, 'Overhead'] }]);
  });

  it('replaces an in-progress document with the complete one of the same id', () => {
    const store = new TraceStore();
    store.add(doc(1, { endTime: undefined, inProgress: true }));
    store.add(doc(1, { endTime: 300 }));
    expect(store.get(TRACE)?.segments).toEqual([{ id: id(1), name: 's1', startTime: 101, endTime: 300 }]);
  });

  it('keeps subsegments whose parent never arrived at the top, and refuses cycles', () => {
    const store = new TraceStore();
    store.add(doc(1, { subsegment: true, parentId: id(2) }));
    store.add(doc(2, { subsegment: true, parentId: id(1) }));
    store.add(doc(3, { subsegment: true, parentId: id(99) }));
    store.add(doc(4, { subsegment: true, parentId: id(4) }));
    const segments = store.get(TRACE)?.segments ?? [];
    // s1 hangs under s2; s2 under s1 would close the loop, so s2 stays at the top.
    expect(shape(segments)).toEqual([{ s2: ['s1'] }, 's3', 's4']);
    expect(() => JSON.stringify(segments)).not.toThrow();
  });

  it('keeps the newest traces only, and at most so many documents per trace', () => {
    const store = new TraceStore({ maxTraces: 3, maxDocumentsPerTrace: 4 });
    const traceIds = [1, 2, 3, 4, 5].map((n) => `1-5759e988-${n.toString(16).padStart(24, '0')}`);
    for (const traceId of traceIds) store.add(doc(1, { traceId }));
    expect(store.recent(10).map((trace) => trace.traceId)).toEqual([traceIds[4], traceIds[3], traceIds[2]]);
    expect(store.recent(2)).toHaveLength(2);
    expect(store.get(traceIds[0] ?? '')).toBeUndefined();
    expect(store.dropped.traces).toBe(2);
    const traceId = traceIds[4] ?? '';
    // One document of 3 (itself and two embedded) fits with the first; the next does not.
    store.add(doc(2, { traceId, subsegments: [doc(8, { traceId, subsegment: true }), doc(9, { traceId, subsegment: true })] }));
    store.add(doc(3, { traceId }));
    expect(store.get(traceId)?.segments.map((s) => s.name)).toEqual(['s1', 's2']);
    expect(store.dropped.documents).toBe(1);
  });

  it('tells listeners once per trace per turn, whatever the burst', async () => {
    const store = new TraceStore();
    const heard: TraceView[] = [];
    const stop = store.onTrace((trace) => heard.push(trace));
    for (let n = 1; n <= 5; n += 1) store.add(doc(n));
    expect(heard).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toHaveLength(1);
    expect(heard[0]?.segments).toHaveLength(5);
    stop();
    store.add(doc(6));
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toHaveLength(1);
  });
});

describe('traceRoutes', () => {
  const store = new TraceStore();
  store.add(doc(1), { functionName: 'fn', version: '1', requestId: 'r' });
  const routes = traceRoutes(store);

  it('lists the newest traces and shows one', () => {
    const list = routes('GET', '/_lamina/traces?limit=5');
    expect(list?.status).toBe(200);
    expect((JSON.parse(list?.body ?? '') as { traces: TraceView[] }).traces.map((t) => t.functionName)).toEqual(['fn']);
    const one = routes('GET', `/_lamina/traces/${TRACE}`);
    expect(one?.status).toBe(200);
    expect(JSON.parse(one?.body ?? '')).toMatchObject({ traceId: TRACE, requestId: 'r' });
  });

  it('answers unknown traces, bad limits, bad escapes and other methods, and leaves other paths alone', () => {
    expect(routes('GET', '/_lamina/traces/1-00000000-000000000000000000000000')?.status).toBe(404);
    expect(routes('GET', '/_lamina/traces?limit=-1')?.status).toBe(400);
    expect(routes('GET', '/_lamina/traces?limit=abc')?.status).toBe(400);
    expect(routes('GET', '/_lamina/traces/%E0%A4%A')?.status).toBe(400);
    expect(routes('DELETE', '/_lamina/traces')?.status).toBe(405);
    expect(routes('GET', '/_lamina/tracesX')).toBeUndefined();
    expect(routes('GET', '/2015-03-31/functions')).toBeUndefined();
  });
});
