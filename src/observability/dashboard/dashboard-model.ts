/**
 * The dashboard's state, kept from what the platform tells its observers (docs/observability.md):
 * functions and versions (from the registry), environments and their states, cold and warm
 * invocations, latency histograms, throttles, the log tail and traces. It answers with a
 * `snapshot` for a page that connects and a `delta` of what changed since the last one
 * (docs/dashboard.md); everything it keeps is bounded, whatever the traffic.
 *
 * Observer calls run on the platform's event loop, so each does a few map and ring operations
 * and returns; views are built only when a delta or snapshot is taken.
 */
import type { Invocation } from '../../platform/invocation.js';
import type { PhaseEvent } from '../phase-records.js';
import type { ObservedEnvironment, ObservedState, ObservedThrottle, PlatformObserver } from '../platform-observer.js';
import type { DeltaMessage, EnvironmentView, FunctionView, InvocationView, Limits, LogView, SnapshotMessage, ThrottleView } from './dashboard-protocol.js';
import { listFunctions, type FunctionsSource } from './function-list.js';
import { FunctionStats } from './function-stats.js';
import { BUCKET_BOUNDS_MS } from './latency-histogram.js';
import { Ring } from './ring.js';
import { boundedTrace, type TraceSource, type TraceView } from './trace-source.js';

export const DEFAULT_LIMITS: Limits = { logs: 500, invocations: 200, throttles: 100, traces: 30, lineChars: 2000 };

export interface ModelOptions {
  readonly functions?: FunctionsSource;
  readonly traces?: TraceSource;
  readonly limits?: Partial<Limits>;
  /** Epoch ms; a test's clock. */
  readonly now?: () => number;
}

type MutableEnvironment = { -readonly [K in keyof EnvironmentView]: EnvironmentView[K] };

/**
 * @example
 * const model = new DashboardModel({ functions: platform.registry });
 * const stop = platform.observers.add(model);
 * model.onChange = () => scheduleFlush();
 * const delta = model.takeDelta(); // undefined when nothing changed
 */
export class DashboardModel implements PlatformObserver {
  readonly limits: Limits;
  /** Called once after the first change that follows a `takeDelta` (a flush is due). */
  onChange: (() => void) | undefined;
  readonly #now: () => number;
  readonly #functionsSource: FunctionsSource | undefined;
  readonly #traceSource: TraceSource | undefined;
  readonly #stops: Array<() => void> = [];
  readonly #environments = new Map<string, MutableEnvironment>();
  readonly #stats = new Map<string, FunctionStats>();
  readonly #invocations: Ring<InvocationView>;
  readonly #logs: Ring<LogView>;
  readonly #throttles: Ring<ThrottleView>;
  /** Newest last; bounded by `limits.traces`. */
  readonly #traces = new Map<string, TraceView>();
  #functions: FunctionView[] | undefined;
  #functionsChanged = true;
  readonly #changedEnvironments = new Set<string>();
  readonly #gone = new Set<string>();
  readonly #changedStats = new Set<string>();
  readonly #changedTraces = new Set<string>();
  #pending = false;
  #seq = 0;

  constructor(options: ModelOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    for (const [key, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`dashboard limit ${key} must be a positive integer, got ${String(value)}`);
    }
    this.#now = options.now ?? Date.now;
    this.#invocations = new Ring(this.limits.invocations);
    this.#logs = new Ring(this.limits.logs);
    this.#throttles = new Ring(this.limits.throttles);
    this.#functionsSource = options.functions;
    this.#traceSource = options.traces;
    if (options.functions !== undefined) {
      this.#stops.push(options.functions.onChange(() => {
        this.#functionsChanged = true;
        this.#changed();
      }));
    }
    if (options.traces !== undefined) {
      // Oldest first, so the newest ends up last, as later ones will.
      for (const trace of options.traces.recent(this.limits.traces).reverse()) this.#keepTrace(trace);
      this.#stops.push(options.traces.onTrace((trace) => this.#keepTrace(trace)));
    }
  }

  /** Stop listening to the registry and the trace source. */
  close(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }

  phase(environment: ObservedEnvironment, event: PhaseEvent, invocation: Invocation | undefined): void {
    if (event.type !== 'platform.report') return;
    const { record } = event;
    const cold = record.metrics.initDurationMs !== undefined;
    this.#statsOf(environment.functionName).report(cold, record.status, record.metrics.durationMs);
    this.#invocations.push({
      requestId: record.requestId,
      functionName: environment.functionName,
      version: environment.version,
      logStream: environment.logStream,
      cold,
      ...(cold ? { initDurationMs: record.metrics.initDurationMs } : {}),
      durationMs: record.metrics.durationMs,
      status: record.status,
      ...(record.errorType === undefined ? {} : { errorType: record.errorType }),
      ...(invocation === undefined || invocation.traceId === '' ? {} : { traceId: invocation.traceId }),
      at: this.#now(),
    });
    const env = this.#environments.get(environment.logStream);
    if (env !== undefined) {
      env.invocations += 1;
      this.#changedEnvironments.add(environment.logStream);
    }
    this.#changed();
  }

  log(environment: ObservedEnvironment, line: string, invocation: Invocation | undefined): void {
    this.#logs.push({
      at: this.#now(),
      functionName: environment.functionName,
      version: environment.version,
      logStream: environment.logStream,
      ...(invocation === undefined ? {} : { requestId: invocation.requestId }),
      line: line.length > this.limits.lineChars ? `${line.slice(0, this.limits.lineChars)}…` : line,
    });
    this.#changed();
  }

  environment(environment: ObservedEnvironment, state: ObservedState): void {
    const key = environment.logStream;
    if (state === 'dead') {
      if (this.#environments.delete(key)) this.#gone.add(key);
      this.#changedEnvironments.delete(key);
    } else {
      const now = this.#now();
      const known = this.#environments.get(key);
      if (known === undefined) {
        this.#environments.set(key, { logStream: key, functionName: environment.functionName, version: environment.version, provisioned: environment.provisioned, state, startedAt: now, since: now, invocations: 0 });
      } else {
        known.state = state;
        known.since = now;
      }
      this.#changedEnvironments.add(key);
    }
    this.#changed();
  }

  throttled(throttle: ObservedThrottle): void {
    this.#statsOf(throttle.functionName).throttled();
    this.#throttles.push({
      at: this.#now(),
      functionName: throttle.functionName,
      version: throttle.version,
      ...(throttle.qualifier === undefined ? {} : { qualifier: throttle.qualifier }),
      reason: throttle.reason,
      queued: throttle.queued,
    });
    this.#changed();
  }

  /** Everything held now, for a page that connects. */
  snapshot(): SnapshotMessage {
    return {
      type: 'snapshot',
      seq: this.#seq,
      at: this.#now(),
      limits: this.limits,
      buckets: BUCKET_BOUNDS_MS,
      tracing: this.#traceSource !== undefined,
      functions: this.#functionViews(),
      environments: [...this.#environments.values()].map((env) => ({ ...env })),
      stats: [...this.#stats].map(([name, stats]) => stats.view(name)),
      invocations: this.#invocations.all(),
      logs: this.#logs.all(),
      throttles: this.#throttles.all(),
      traces: [...this.#traces.values()],
    };
  }

  /** What changed since the last call, or undefined when nothing did. */
  takeDelta(): DeltaMessage | undefined {
    if (!this.#pending) return undefined;
    this.#pending = false;
    this.#seq += 1;
    const functions = this.#functionsChanged && this.#functionsSource !== undefined ? this.#functionViews() : undefined;
    const environments = [...this.#changedEnvironments].flatMap((key) => {
      const env = this.#environments.get(key);
      return env === undefined ? [] : [{ ...env }];
    });
    const gone = [...this.#gone];
    const stats = [...this.#changedStats].flatMap((name) => this.#stats.get(name)?.view(name) ?? []);
    const traces = [...this.#changedTraces].flatMap((id) => this.#traces.get(id) ?? []);
    const invocations = this.#invocations.takeNew().items;
    const logs = this.#logs.takeNew();
    const throttles = this.#throttles.takeNew().items;
    this.#changedEnvironments.clear();
    this.#gone.clear();
    this.#changedStats.clear();
    this.#changedTraces.clear();
    return {
      type: 'delta',
      seq: this.#seq,
      at: this.#now(),
      ...(functions === undefined ? {} : { functions }),
      ...(environments.length === 0 ? {} : { environments }),
      ...(gone.length === 0 ? {} : { gone }),
      ...(stats.length === 0 ? {} : { stats }),
      ...(invocations.length === 0 ? {} : { invocations }),
      ...(logs.items.length === 0 ? {} : { logs: logs.items }),
      ...(logs.dropped === 0 ? {} : { droppedLogs: logs.dropped }),
      ...(throttles.length === 0 ? {} : { throttles }),
      ...(traces.length === 0 ? {} : { traces }),
    };
  }

  #changed(): void {
    if (this.#pending) return;
    this.#pending = true;
    this.onChange?.();
  }

  #statsOf(name: string): FunctionStats {
    let stats = this.#stats.get(name);
    if (stats === undefined) {
      stats = new FunctionStats();
      this.#stats.set(name, stats);
    }
    this.#changedStats.add(name);
    return stats;
  }

  #keepTrace(trace: TraceView): void {
    const bounded = boundedTrace(trace);
    // Deleted first, so a trace that grew moves to the newest end.
    this.#traces.delete(bounded.traceId);
    this.#traces.set(bounded.traceId, bounded);
    this.#changedTraces.add(bounded.traceId);
    for (const oldest of this.#traces.keys()) {
      if (this.#traces.size <= this.limits.traces) break;
      this.#traces.delete(oldest);
      this.#changedTraces.delete(oldest);
    }
    this.#changed();
  }

  #functionViews(): FunctionView[] {
    if (this.#functionsSource === undefined) return [];
    if (this.#functionsChanged || this.#functions === undefined) {
      this.#functionsChanged = false;
      this.#functions = listFunctions(this.#functionsSource);
    }
    return this.#functions;
  }
}
