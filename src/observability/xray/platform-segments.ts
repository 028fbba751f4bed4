/**
 * The platform's own segments of each traced invocation, as Lambda records them (docs/xray.md):
 * an `AWS::Lambda` segment (the request in the service) and an `AWS::Lambda::Function` segment
 * (the function's environment) with its `Initialization` (cold start), `Invocation` and
 * `Overhead` subsegments. Derived from the phase records the platform tells its observers
 * (docs/observability.md); no timer of its own.
 *
 * Cost: an init start notes the time (cold path); a START or REPORT of an invocation that is not
 * traced is one `indexOf` on its trace header.
 */
import type { Invocation } from '../../platform/invocation.js';
import { newSegmentId } from '../../platform/ids.js';
import type { PlatformObserver } from '../platform-observer.js';
import type { ReportRecord } from '../phase-records.js';
import type { SegmentDocument } from './segment-document.js';
import { isSampled, parseTraceHeader } from './trace-header.js';
import type { TraceStore } from './trace-store.js';

/** An environment's init: when it started (epoch ms) and how long it took. */
interface InitTimes {
  readonly startMs: number;
  durationMs: number | undefined;
}

/** One timed part of a segment, in epoch ms. */
interface Part {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly fault?: boolean;
}

function subsegment(traceId: string, parentId: string, part: Part): SegmentDocument {
  return {
    traceId,
    id: newSegmentId(),
    name: part.name,
    parentId,
    subsegment: true,
    startTime: part.startMs / 1000,
    endTime: part.endMs / 1000,
    inProgress: false,
    error: false,
    fault: part.fault === true,
    subsegments: [],
  };
}

/**
 * The two segments of one invocation: the service's, and the function's with its subsegments.
 *
 * @example
 * invocationSegments({ root: '1-...', functionSegmentId: 'abc...', callerParent: undefined, name: 'fn' },
 *   { startMs: 1000, durationMs: 12, reportMs: 1013, init: undefined }, 'success');
 */
export function invocationSegments(
  ids: { readonly root: string; readonly functionSegmentId: string; readonly callerParent: string | undefined; readonly name: string },
  times: { readonly startMs: number; readonly durationMs: number; readonly reportMs: number; readonly init: { readonly startMs: number; readonly durationMs: number } | undefined },
  status: ReportRecord['status'],
): SegmentDocument[] {
  const failed = status !== 'success';
  const invocationEnd = times.startMs + times.durationMs;
  const parts: Part[] = [];
  if (times.init !== undefined) parts.push({ name: 'Initialization', startMs: times.init.startMs, endMs: times.init.startMs + times.init.durationMs });
  parts.push({ name: 'Invocation', startMs: times.startMs, endMs: invocationEnd, fault: failed });
  // What the environment did after the answer until the report (the runtime's way back to /next).
  parts.push({ name: 'Overhead', startMs: invocationEnd, endMs: Math.max(invocationEnd, times.reportMs) });
  const startMs = Math.min(times.startMs, times.init?.startMs ?? times.startMs);
  const endMs = Math.max(invocationEnd, times.reportMs);
  const serviceId = newSegmentId();
  const service: SegmentDocument = {
    traceId: ids.root,
    id: serviceId,
    name: ids.name,
    parentId: ids.callerParent,
    subsegment: false,
    startTime: startMs / 1000,
    endTime: endMs / 1000,
    inProgress: false,
    origin: 'AWS::Lambda',
    error: false,
    fault: status === 'failure',
    subsegments: [],
  };
  const fn: SegmentDocument = {
    ...service,
    id: ids.functionSegmentId,
    parentId: serviceId,
    origin: 'AWS::Lambda::Function',
    fault: failed,
    subsegments: parts.map((part) => subsegment(ids.root, ids.functionSegmentId, part)),
  };
  return [service, fn];
}

/**
 * The observer that writes each traced invocation's platform segments into `store`.
 *
 * @example
 * const stop = platform.observers.add(platformSegments(store));
 */
export function platformSegments(store: TraceStore, now: () => number = Date.now): PlatformObserver {
  /** Inits by environment (log stream), until the environment's first invocation takes it. */
  const inits = new Map<string, InitTimes>();
  /** When each traced invocation started (START). */
  const starts = new WeakMap<Invocation, number>();
  return {
    phase(environment, event, invocation) {
      switch (event.type) {
        case 'platform.initStart':
          inits.set(environment.logStream, { startMs: now(), durationMs: undefined });
          return;
        case 'platform.initReport': {
          const init = inits.get(environment.logStream);
          if (init !== undefined) init.durationMs = event.record.metrics.durationMs;
          return;
        }
        case 'platform.start':
          if (invocation !== undefined && isSampled(invocation.traceId)) starts.set(invocation, now());
          return;
        case 'platform.report': {
          if (invocation === undefined || !isSampled(invocation.traceId)) {
            inits.delete(environment.logStream);
            return;
          }
          const reportMs = now();
          const init = inits.get(environment.logStream);
          inits.delete(environment.logStream);
          const header = parseTraceHeader(invocation.traceId);
          if (header?.parent === undefined) return;
          const caller = invocation.request.traceId === undefined ? undefined : parseTraceHeader(invocation.request.traceId);
          const { durationMs } = event.record.metrics;
          const segments = invocationSegments(
            { root: header.root, functionSegmentId: header.parent, callerParent: caller?.root === header.root ? caller.parent : undefined, name: invocation.fn.name },
            {
              // An invocation that failed before START (an init that failed inside it) started at its report.
              startMs: starts.get(invocation) ?? reportMs - durationMs,
              durationMs,
              reportMs,
              init: init?.durationMs === undefined ? undefined : { startMs: init.startMs, durationMs: init.durationMs },
            },
            event.record.status,
          );
          const owner = { functionName: invocation.fn.name, version: environment.version, requestId: invocation.requestId };
          for (const segment of segments) store.add(segment, owner);
          return;
        }
        default:
      }
    },
    environment(environment, state) {
      if (state === 'dead') inits.delete(environment.logStream);
    },
  };
}
