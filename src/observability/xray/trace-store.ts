/**
 * The traces Lamina keeps (docs/xray.md): the segment documents of each trace, from the platform
 * (its `AWS::Lambda` and `AWS::Lambda::Function` segments) and from functions' X-Ray SDKs (the
 * UDP receiver). Bounded: the most recent `maxTraces` traces (the oldest goes first), at most
 * `maxDocumentsPerTrace` documents in each (later ones are dropped and counted). A document sent
 * again with the same id (an in-progress segment, then the complete one) replaces the earlier.
 *
 * Views are built on demand, as the X-Ray console shows a trace: subsegments sent on their own
 * hang under their parent, and those whose parent is a function segment hang under its
 * `Invocation` subsegment (Lambda's SDKs name the function segment as their parent; docs/xray.md).
 */
import { documentCount, type SegmentDocument } from './segment-document.js';

/** One segment or subsegment of a trace, times in epoch seconds. */
export interface TraceSegmentView {
  id: string;
  name: string;
  parentId?: string;
  startTime: number;
  endTime?: number;
  origin?: string;
  error?: boolean;
  fault?: boolean;
  subsegments?: TraceSegmentView[];
}

/** One trace: the invocation it belongs to (empty strings until the platform's segments arrive). */
export interface TraceView {
  traceId: string;
  functionName: string;
  version: string;
  requestId: string;
  segments: TraceSegmentView[];
}

export interface TraceOwner {
  readonly functionName: string;
  readonly version: string;
  readonly requestId: string;
}

export interface TraceStoreLimits {
  readonly maxTraces: number;
  readonly maxDocumentsPerTrace: number;
}

interface StoredTrace {
  owner: TraceOwner | undefined;
  readonly documents: Map<string, SegmentDocument>;
  count: number;
}

const FUNCTION_ORIGIN = 'AWS::Lambda::Function';

/**
 * @example
 * const store = new TraceStore();
 * const stop = store.onTrace((trace) => console.log(trace.traceId, trace.segments.length));
 * store.add(document);
 * store.recent(10); // newest first
 */
export class TraceStore {
  readonly #limits: TraceStoreLimits;
  // Insertion order is age: the first key is the oldest trace.
  readonly #traces = new Map<string, StoredTrace>();
  readonly #listeners = new Set<(trace: TraceView) => void>();
  readonly #changed = new Set<string>();
  #flushing = false;
  /** Traces evicted for room, and documents refused because their trace was full. */
  readonly dropped = { traces: 0, documents: 0 };

  constructor(limits: TraceStoreLimits = { maxTraces: 1000, maxDocumentsPerTrace: 500 }) {
    this.#limits = limits;
  }

  /** Keep a document (and say whose invocation its trace is, when the platform knows). */
  add(document: SegmentDocument, owner?: TraceOwner): void {
    let trace = this.#traces.get(document.traceId);
    if (trace === undefined) {
      trace = { owner: undefined, documents: new Map(), count: 0 };
      this.#traces.set(document.traceId, trace);
      for (const oldest of this.#traces.keys()) {
        if (this.#traces.size <= this.#limits.maxTraces) break;
        this.#traces.delete(oldest);
        this.#changed.delete(oldest);
        this.dropped.traces += 1;
      }
    }
    if (owner !== undefined) trace.owner = owner;
    const earlier = trace.documents.get(document.id);
    const count = trace.count - (earlier === undefined ? 0 : documentCount(earlier)) + documentCount(document);
    if (count > this.#limits.maxDocumentsPerTrace) {
      this.dropped.documents += 1;
      return;
    }
    trace.count = count;
    trace.documents.set(document.id, document);
    this.#touch(document.traceId);
  }

  /** The newest traces first. */
  recent(limit: number): TraceView[] {
    const ids = [...this.#traces.keys()];
    const out: TraceView[] = [];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i -= 1) {
      const view = this.get(ids[i] ?? '');
      if (view !== undefined) out.push(view);
    }
    return out;
  }

  get(traceId: string): TraceView | undefined {
    const trace = this.#traces.get(traceId);
    if (trace === undefined) return undefined;
    const owner = trace.owner ?? { functionName: '', version: '', requestId: '' };
    return { traceId, functionName: owner.functionName, version: owner.version, requestId: owner.requestId, segments: assemble([...trace.documents.values()]) };
  }

  /**
   * Called when a trace gains documents; a burst of documents for one trace is one call, after
   * the current turn of the event loop. @returns a function that stops the calls.
   */
  onTrace(listener: (trace: TraceView) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #touch(traceId: string): void {
    if (this.#listeners.size === 0) return;
    this.#changed.add(traceId);
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(() => {
      this.#flushing = false;
      const ids = [...this.#changed];
      this.#changed.clear();
      for (const id of ids) {
        const view = this.get(id);
        if (view === undefined) continue;
        for (const listener of this.#listeners) {
          try {
            listener(view);
          } catch (error) {
            // A listener's failure is its own; the others and the store go on.
            process.stderr.write(`lamina: a trace listener failed: ${(error as Error).message}\n`);
          }
        }
      }
    }).unref();
  }
}

function toView(document: SegmentDocument): TraceSegmentView {
  const view: TraceSegmentView = { id: document.id, name: document.name, startTime: document.startTime };
  if (document.parentId !== undefined) view.parentId = document.parentId;
  if (document.endTime !== undefined) view.endTime = document.endTime;
  if (document.origin !== undefined) view.origin = document.origin;
  if (document.error) view.error = true;
  if (document.fault) view.fault = true;
  if (document.subsegments.length > 0) view.subsegments = document.subsegments.map(toView);
  return view;
}

function index(view: TraceSegmentView, top: TraceSegmentView, into: Map<string, TraceSegmentView>, containers: Map<TraceSegmentView, TraceSegmentView>): void {
  // The first of two documents claiming one id wins: a later one cannot take another's place.
  if (!into.has(view.id)) into.set(view.id, view);
  containers.set(view, top);
  for (const child of view.subsegments ?? []) index(child, top, into, containers);
}

/** The trace's tree: segments at the top, every subsegment under its parent when that is known. */
function assemble(documents: readonly SegmentDocument[]): TraceSegmentView[] {
  const tops = documents.map(toView);
  const byId = new Map<string, TraceSegmentView>();
  // The top document each view was sent in, and what each top document now hangs under.
  const containers = new Map<TraceSegmentView, TraceSegmentView>();
  const up = new Map<TraceSegmentView, TraceSegmentView>();
  for (const view of tops) index(view, view, byId, containers);
  /** The top document at the root of the tree `view` is in now. */
  const rootOf = (view: TraceSegmentView): TraceSegmentView => {
    let at = containers.get(view) ?? view;
    for (let hops = 0; hops <= tops.length; hops += 1) {
      const next = up.get(at);
      if (next === undefined) return at;
      at = containers.get(next) ?? next;
    }
    return at;
  };
  const roots: TraceSegmentView[] = [];
  for (const [i, view] of tops.entries()) {
    let parent = documents[i]?.subsegment === true && view.parentId !== undefined ? byId.get(view.parentId) : undefined;
    if (parent?.origin === FUNCTION_ORIGIN) parent = parent.subsegments?.find((child) => child.name === 'Invocation') ?? parent;
    // A parent inside this very tree would make a cycle (A under B under A): left at the top.
    if (parent === undefined || rootOf(parent) === view) {
      roots.push(view);
      continue;
    }
    (parent.subsegments ??= []).push(view);
    up.set(view, parent);
  }
  for (const view of containers.keys()) view.subsegments?.sort((a, b) => a.startTime - b.startTime);
  return roots.sort((a, b) => a.startTime - b.startTime);
}
