/**
 * The messages the dashboard's WebSocket sends (docs/dashboard.md, "Message protocol"): one
 * `snapshot` when a page connects, then `delta`s, each a JSON text frame. The page never sends
 * anything the server acts on.
 */
import type { ObservedState } from '../platform-observer.js';
import type { HistogramView } from './latency-histogram.js';
import type { TraceView } from './trace-source.js';

export interface FunctionView {
  readonly name: string;
  readonly runtime: string;
  readonly memorySize: number;
  readonly timeout: number;
  /** `$LATEST` then the published versions. */
  readonly versions: readonly string[];
  readonly aliases: ReadonlyArray<{ readonly name: string; readonly version: string }>;
}

export interface EnvironmentView {
  readonly logStream: string;
  readonly functionName: string;
  readonly version: string;
  readonly provisioned: boolean;
  /** `invoking` is shown as busy; `dead` environments are not kept (they are `gone`). */
  readonly state: Exclude<ObservedState, 'dead'>;
  /** Epoch ms of its start and of its last state change. */
  readonly startedAt: number;
  readonly since: number;
  readonly invocations: number;
}

export interface FunctionStatsView {
  readonly functionName: string;
  readonly invocations: number;
  readonly cold: number;
  readonly warm: number;
  /** Invocations whose report status was not `success`. */
  readonly errors: number;
  readonly throttles: number;
  readonly latency: HistogramView;
}

export interface InvocationView {
  readonly requestId: string;
  readonly functionName: string;
  readonly version: string;
  readonly logStream: string;
  /** A cold start: the report carried an init duration. */
  readonly cold: boolean;
  readonly initDurationMs?: number;
  readonly durationMs: number;
  readonly status: string;
  readonly errorType?: string;
  readonly traceId?: string;
  /** Epoch ms of the report. */
  readonly at: number;
}

export interface LogView {
  readonly at: number;
  readonly functionName: string;
  readonly version: string;
  readonly logStream: string;
  readonly requestId?: string;
  readonly line: string;
}

export interface ThrottleView {
  readonly at: number;
  readonly functionName: string;
  readonly version: string;
  readonly qualifier?: string;
  readonly reason: string;
  readonly queued: boolean;
}

export interface Limits {
  readonly logs: number;
  readonly invocations: number;
  readonly throttles: number;
  readonly traces: number;
  /** Characters of a log line kept; the rest is cut. */
  readonly lineChars: number;
}

/** Everything, sent once to each page when it connects (and again when it fell behind). */
export interface SnapshotMessage {
  readonly type: 'snapshot';
  readonly seq: number;
  readonly at: number;
  readonly limits: Limits;
  /** The histograms' bucket bounds, ms. */
  readonly buckets: readonly number[];
  /** Whether a trace source is attached (else the page says how to get traces). */
  readonly tracing: boolean;
  readonly functions: readonly FunctionView[];
  readonly environments: readonly EnvironmentView[];
  readonly stats: readonly FunctionStatsView[];
  readonly invocations: readonly InvocationView[];
  readonly logs: readonly LogView[];
  readonly throttles: readonly ThrottleView[];
  readonly traces: readonly TraceView[];
}

/**
 * What changed since the message before (`seq` is one more than its): lists replace (`functions`),
 * upsert by key (`environments` by log stream, `stats` by function, `traces` by trace id) or append
 * (`invocations`, `logs`, `throttles`; the page keeps the newest `limits` of each). `droppedLogs`
 * lines arrived but were left out, because more than `limits.logs` came in one interval.
 */
export interface DeltaMessage {
  readonly type: 'delta';
  readonly seq: number;
  readonly at: number;
  readonly functions?: readonly FunctionView[];
  readonly environments?: readonly EnvironmentView[];
  readonly gone?: readonly string[];
  readonly stats?: readonly FunctionStatsView[];
  readonly invocations?: readonly InvocationView[];
  readonly logs?: readonly LogView[];
  readonly droppedLogs?: number;
  readonly throttles?: readonly ThrottleView[];
  readonly traces?: readonly TraceView[];
}

export type DashboardMessage = SnapshotMessage | DeltaMessage;
