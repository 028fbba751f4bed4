/**
 * One structured record per lifecycle phase, shaped like the `record` of Lambda's Telemetry API
 * platform events (docs/telemetry.md). The platform's log lines (START, END, REPORT, INIT_REPORT)
 * are derived from these records by `phaseLines`, so the log and the Telemetry API can never
 * disagree: there is one code path.
 */
import { endLine, initReportLine, initStartLine, reportLine, startLine } from './report-lines.js';

/** docs/telemetry.md: `failure` is a platform failure, `error` the function's, `timeout` a deadline. */
export type PhaseStatus = 'success' | 'error' | 'timeout' | 'failure';
export type InitializationType = 'on-demand' | 'provisioned-concurrency';
/** The phase an init ran in: its own, or inside the first invoke after a failed one (suppressed init). */
export type InitPhase = 'init' | 'invoke';

export interface Span {
  readonly name: 'responseLatency' | 'responseDuration' | 'runtimeOverhead';
  readonly start: string;
  readonly durationMs: number;
}

export interface Tracing {
  readonly type: 'X-Amzn-Trace-Id';
  readonly value: string;
}

export interface InitStartRecord {
  readonly initializationType: InitializationType;
  readonly phase: InitPhase;
  readonly functionName: string;
  readonly functionVersion: string;
  /** Lambda's `nodejs:20.v13` and its ARN; none for an image function (src/platform/runtime-version.ts). */
  readonly runtimeVersion?: string;
  readonly runtimeVersionArn?: string;
}

export interface InitRuntimeDoneRecord {
  readonly initializationType: InitializationType;
  readonly phase: InitPhase;
  readonly status: PhaseStatus;
  readonly errorType?: string;
}

export interface InitReportRecord {
  readonly initializationType: InitializationType;
  readonly phase: InitPhase;
  readonly status: PhaseStatus;
  readonly errorType?: string;
  readonly metrics: { readonly durationMs: number };
}

export interface StartRecord {
  readonly requestId: string;
  readonly version: string;
  readonly tracing?: Tracing;
}

export interface RuntimeDoneRecord {
  readonly requestId: string;
  readonly status: PhaseStatus;
  readonly errorType?: string;
  readonly metrics: { readonly durationMs: number; readonly producedBytes?: number };
  readonly spans: readonly Span[];
  readonly tracing?: Tracing;
}

export interface ReportMetrics {
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMB: number;
  readonly maxMemoryUsedMB: number;
  /** Only on the first invocation of an on-demand environment. */
  readonly initDurationMs?: number;
  readonly restoreDurationMs?: number;
}

export interface ReportRecord {
  readonly requestId: string;
  readonly status: PhaseStatus;
  readonly errorType?: string;
  readonly metrics: ReportMetrics;
  readonly tracing?: Tracing;
}

/** One extension's state at the end of init (`platform.extension`; Lambda's `EXTENSION` log line). */
export interface ExtensionRecord {
  readonly name: string;
  readonly state: string;
  readonly events: readonly string[];
  readonly errorType?: string;
}

/**
 * Lambda's line for an extension at init: `EXTENSION\tName: otel\tState: Ready\tEvents: [INVOKE,SHUTDOWN]`.
 *
 * @example extensionLine({ name: 'otel', state: 'Ready', events: ['INVOKE'] }) // 'EXTENSION\tName: otel\tState: Ready\tEvents: [INVOKE]'
 */
export function extensionLine(record: ExtensionRecord): string {
  // The error type of an `InitError` state is the record's only (the line's form with one is not known).
  return `EXTENSION\tName: ${record.name}\tState: ${record.state}\tEvents: [${record.events.join(',')}]`;
}

/** A platform event: its Telemetry API `type` and its record. */
export type PhaseEvent =
  | { readonly type: 'platform.initStart'; readonly record: InitStartRecord }
  | { readonly type: 'platform.initRuntimeDone'; readonly record: InitRuntimeDoneRecord }
  | { readonly type: 'platform.initReport'; readonly record: InitReportRecord }
  | { readonly type: 'platform.start'; readonly record: StartRecord }
  | { readonly type: 'platform.runtimeDone'; readonly record: RuntimeDoneRecord }
  | { readonly type: 'platform.report'; readonly record: ReportRecord }
  | { readonly type: 'platform.extension'; readonly record: ExtensionRecord };

/** The trace header as a Telemetry API `tracing` object; none when the invocation has no trace id. */
export function tracingOf(traceId: string | undefined): Tracing | undefined {
  return traceId === undefined || traceId === '' ? undefined : { type: 'X-Amzn-Trace-Id', value: traceId };
}

/** Leave out the optional keys whose value is undefined, so records serialise as Lambda's do. */
export function defined<T extends object>(record: T): T {
  // A key loop, not Object.entries: no [key, value] pair per key (three records per invocation).
  // Records are plain object literals: for...in sees exactly their own keys.
  const out: Record<string, unknown> = {};
  const source = record as Record<string, unknown>;
  for (const key in source) {
    const value = source[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

/**
 * The log lines a phase writes, derived from its record (docs/log-format.md). An init start writes
 * INIT_START (not the retry inside an invoke); a report writes END then REPORT (with the attempt of
 * an asynchronous event's retry, a Lamina addition, docs/log-format.md); an init report writes INIT_REPORT only when the init
 * failed; runtimeDone and a successful init write nothing.
 *
 * @example
 * phaseLines({ type: 'platform.start', record: { requestId: 'abc', version: '$LATEST' } })
 * // ['START RequestId: abc Version: $LATEST']
 */
export function phaseLines(event: PhaseEvent, invoke: { readonly attempt?: number | undefined } = {}): string[] {
  switch (event.type) {
    case 'platform.start':
      return [startLine(event.record.requestId, event.record.version)];
    case 'platform.report': {
      const { record } = event;
      const status = record.status === 'success' ? undefined : record.status === 'timeout' ? 'timeout' : 'error';
      return [
        endLine(record.requestId),
        reportLine({
          requestId: record.requestId,
          durationMs: record.metrics.durationMs,
          billedDurationMs: record.metrics.billedDurationMs,
          memorySizeMb: record.metrics.memorySizeMB,
          maxMemoryUsedMb: record.metrics.maxMemoryUsedMB,
          initDurationMs: record.metrics.initDurationMs,
          status,
          errorType: record.errorType,
          attempt: invoke.attempt,
        }),
      ];
    }
    case 'platform.initReport': {
      const { record } = event;
      if (record.status === 'success') return [];
      const status = record.status === 'timeout' ? 'timeout' : 'error';
      return [initReportLine(record.metrics.durationMs, record.phase, status, record.errorType)];
    }
    case 'platform.extension':
      return [extensionLine(event.record)];
    case 'platform.initStart':
      // Lambda writes no second INIT_START for an init retried inside the invoke (its two INIT_REPORTs follow one).
      return event.record.phase === 'invoke' ? [] : [initStartLine(event.record.runtimeVersion, event.record.runtimeVersionArn)];
    case 'platform.initRuntimeDone':
    case 'platform.runtimeDone':
      return [];
  }
}
