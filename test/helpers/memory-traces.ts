/** An in-memory trace source with the X-Ray store's shape (src/observability/dashboard/trace-source.ts), for dashboard tests. */
import type { TraceSource, TraceView } from '../../src/observability/dashboard/trace-source.js';

export class MemoryTraces implements TraceSource {
  readonly traces = new Map<string, TraceView>();
  readonly listeners = new Set<(trace: TraceView) => void>();

  /** Add or replace a trace (it becomes the newest) and tell the listeners. */
  put(trace: TraceView): void {
    this.traces.delete(trace.traceId);
    this.traces.set(trace.traceId, trace);
    for (const listener of this.listeners) listener(trace);
  }

  recent(limit: number): TraceView[] {
    return [...this.traces.values()].reverse().slice(0, limit);
  }

  get(traceId: string): TraceView | undefined {
    return this.traces.get(traceId);
  }

  onTrace(listener: (trace: TraceView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
