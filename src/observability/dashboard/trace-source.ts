/**
 * Where the dashboard's traces come from (docs/dashboard.md, "Traces"). The shape is the X-Ray
 * store's (docs/xray.md): any object with these three methods will do, so the dashboard does not
 * import the receiver and a test can hand it traces of its own.
 */

/** One segment or subsegment of a trace; times in epoch seconds, as X-Ray writes them. */
export interface TraceSegmentView {
  readonly id: string;
  readonly name: string;
  readonly parentId?: string;
  readonly startTime: number;
  /** Absent while the segment is in progress. */
  readonly endTime?: number;
  readonly origin?: string;
  readonly error?: boolean;
  readonly fault?: boolean;
  readonly subsegments?: readonly TraceSegmentView[];
}

/** The trace of one invocation: the platform's segments and the function's own. */
export interface TraceView {
  readonly traceId: string;
  readonly functionName: string;
  readonly version: string;
  readonly requestId: string;
  readonly segments: readonly TraceSegmentView[];
}

export interface TraceSource {
  /** The latest traces, newest first, at most `limit`. */
  recent(limit: number): TraceView[];
  get(traceId: string): TraceView | undefined;
  /** Called with a trace when it is new or has grown; returns a function that stops the calls. */
  onTrace(listener: (trace: TraceView) => void): () => void;
}

/** Segments and subsegments sent for one trace, at most (a runaway trace must not fill the page). */
export const MAX_TRACE_SEGMENTS = 200;
const MAX_DEPTH = 8;
const MAX_NAME = 200;

/**
 * A copy of a trace bounded for the page: names cut at 200 characters, subsegments no deeper than
 * eight levels, at most {@link MAX_TRACE_SEGMENTS} (sub)segments in all, and only the fields the
 * timeline draws (a segment's annotations or SQL text never reach the browser).
 *
 * @example boundedTrace(store.get(id)!).segments.length // <= 200
 */
export function boundedTrace(trace: TraceView): TraceView {
  let budget = MAX_TRACE_SEGMENTS;
  const copy = (segments: readonly TraceSegmentView[] | undefined, depth: number): TraceSegmentView[] => {
    const out: TraceSegmentView[] = [];
    for (const segment of segments ?? []) {
      if (budget <= 0) break;
      budget -= 1;
      const subsegments = depth < MAX_DEPTH ? copy(segment.subsegments, depth + 1) : [];
      out.push({
        id: String(segment.id),
        name: String(segment.name).slice(0, MAX_NAME),
        ...(segment.parentId === undefined ? {} : { parentId: String(segment.parentId) }),
        startTime: Number(segment.startTime),
        ...(segment.endTime === undefined ? {} : { endTime: Number(segment.endTime) }),
        ...(segment.origin === undefined ? {} : { origin: String(segment.origin).slice(0, MAX_NAME) }),
        ...(segment.error === true ? { error: true } : {}),
        ...(segment.fault === true ? { fault: true } : {}),
        ...(subsegments.length === 0 ? {} : { subsegments }),
      });
    }
    return out;
  };
  return { traceId: String(trace.traceId), functionName: String(trace.functionName), version: String(trace.version), requestId: String(trace.requestId), segments: copy(trace.segments, 0) };
}
