/**
 * What an execution environment reports about its phases (docs/telemetry.md): one record per
 * phase, from which the log lines are derived, delivered to the environment's Telemetry API
 * subscribers too. Split from environment.ts, which calls one method per phase.
 */
import { performance } from 'node:perf_hooks';
import { defined, phaseLines, type ExtensionRecord, tracingOf, type InitPhase, type PhaseEvent, type PhaseStatus, type ReportMetrics, type RuntimeDoneRecord, type Span } from '../observability/phase-records.js';
import type { Reach } from '../observability/telemetry-delivery.js';
import { TelemetryHub } from '../observability/telemetry-hub.js';
import type { RuntimeApiErrorCode } from '../errors.js';
import { NO_EXTENSIONS, type ExtensionIdentity } from '../runtime-api/runtime-api-target.js';
import type { TelemetrySubscription } from '../runtime-api/telemetry-subscription.js';
import type { InitializationType } from './environment-types.js';
import type { Invocation } from './invocation.js';
import type { RuntimeVersion } from './runtime-version.js';

export type Failure = { readonly status: 'error' | 'timeout'; readonly errorType: string | undefined } | undefined;

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * @example
 * const telemetry = new EnvironmentTelemetry({ initializationType: 'on-demand', phase: 'init' }, HOST_LOOPBACK, false, hooks.log);
 * telemetry.initStarted('my-fn', '$LATEST', undefined);
 */
export class EnvironmentTelemetry {
  readonly #hub: TelemetryHub;
  readonly #base: { readonly initializationType: InitializationType; readonly phase: InitPhase };
  readonly #log: (line: string, invocation: Invocation | undefined) => void;
  /** Every phase record, for the platform's observers (docs/observability.md). */
  readonly #observe: ((event: PhaseEvent, invocation: Invocation | undefined) => void) | undefined;
  /** Who may subscribe; the Extensions API's registry replaces this when it lands. */
  extensions: ExtensionIdentity = NO_EXTENSIONS;
  /** When the runtime received the current invocation, and when it started to answer it (spans). */
  #deliveredAt = 0;
  #answerStartedAt: number | undefined;
  /** When the runtime's answer was complete, and when it next called `/next` (runtimeOverhead). */
  #answeredAt: number | undefined;
  #nextAt: number | undefined;
  /** runtimeDone and report of an answered invocation, held for the runtime's next `/next`. */
  #held: { readonly done: RuntimeDoneRecord; readonly report: PhaseEvent } | undefined;
  #closed = false;

  constructor(
    base: { readonly initializationType: InitializationType; readonly phase: InitPhase },
    reach: Reach | undefined,
    jsonLogs: boolean,
    log: (line: string, invocation: Invocation | undefined) => void,
    observe?: (event: PhaseEvent, invocation: Invocation | undefined) => void,
  ) {
    this.#observe = observe;
    this.#base = base;
    this.#hub = new TelemetryHub(reach, jsonLogs);
    this.#log = log;
  }

  /** Someone may receive what is published now: worth building records only for them. */
  get listening(): boolean {
    return this.#hub.listening;
  }

  subscribe(identifier: string, subscription: TelemetrySubscription): RuntimeApiErrorCode | undefined {
    return this.#hub.subscribeAs(this.extensions, identifier, subscription);
  }

  functionLine(line: string): void {
    this.#hub.functionLine(line);
  }

  /** An external extension's own line (docs/telemetry.md): an `extension` record. */
  extensionLine(line: string): void {
    this.#hub.extensionLine(line);
  }

  initStarted(functionName: string, functionVersion: string, invocation: Invocation | undefined, runtime?: RuntimeVersion): void {
    this.#phase({ type: 'platform.initStart', record: { ...this.#base, functionName, functionVersion, ...runtime } }, invocation);
  }

  /** The init phase ended: its records (the extensions' states with them), and no more subscriptions (Lambda's rule). */
  initEnded(status: 'success' | 'error' | 'timeout', durationMs: number, errorType: string | undefined, extensions: readonly ExtensionRecord[] = [], invocation?: Invocation): void {
    this.#hub.platform({ type: 'platform.initRuntimeDone', record: defined({ ...this.#base, status, errorType }) });
    // Each extension's state (`platform.extension`, Lambda's EXTENSION line), in the emulator's order.
    for (const record of extensions) this.#phase({ type: 'platform.extension', record: defined({ ...record }) }, invocation);
    // A failed init's INIT_REPORT line is the pool's to write (it knows the retry); success writes none.
    if (status === 'success') this.#phase({ type: 'platform.initReport', record: { ...this.#base, status, metrics: { durationMs } } }, undefined);
    this.#hub.closeSubscriptions();
  }

  /**
   * A failed init's report (INIT_REPORT), written by the pool once it knows how the failure ends:
   * the first attempt's, or the retry's inside `invocation`.
   */
  initFailed(durationMs: number, status: 'error' | 'timeout', errorType: string | undefined, invocation: Invocation | undefined): void {
    this.#phase({ type: 'platform.initReport', record: defined({ ...this.#base, status, errorType, metrics: { durationMs } }) }, invocation);
  }

  /** The runtime receives the invocation (or it fails before): START. */
  started(invocation: Invocation, version: string): void {
    this.#release();
    this.#deliveredAt = performance.now();
    this.#answerStartedAt = undefined;
    this.#answeredAt = undefined;
    this.#nextAt = undefined;
    const record = defined({ requestId: invocation.requestId, version, tracing: tracingOf(invocation.traceId) });
    this.#phase({ type: 'platform.start', record }, invocation);
  }

  answerStarted(): void {
    this.#answerStartedAt ??= performance.now();
  }

  /**
   * The runtime called `/next`: after an answer, that ends its runtimeOverhead span, and the held
   * runtimeDone and report go out (hot path: two comparisons when nothing is held).
   */
  runtimeNext(): void {
    if (this.#answeredAt === undefined || this.#nextAt !== undefined) return;
    this.#nextAt = performance.now();
    this.#release();
  }

  /**
   * The spans measured when the answer is complete: from delivery to the runtime's first answer
   * byte (responseLatency) and from there to its complete answer (responseDuration).
   * runtimeOverhead, from there to the runtime's next `/next`, is added when that comes
   * ({@link runtimeNext}). Empty when nobody listens (hot path: no timestamps formatted).
   */
  spans(answeredAt: number): Span[] {
    const started = this.#answerStartedAt;
    if (!this.listening || started === undefined || this.#deliveredAt === 0) return [];
    this.#answeredAt = answeredAt;
    const wall = (at: number): string => new Date(performance.timeOrigin + at).toISOString();
    return [
      { name: 'responseLatency', start: wall(this.#deliveredAt), durationMs: round3(started - this.#deliveredAt) },
      { name: 'responseDuration', start: wall(started), durationMs: round3(answeredAt - started) },
    ];
  }

  /** runtimeDone, then the report (END and REPORT lines). */
  finished(invocation: Invocation, metrics: ReportMetrics, failure: Failure, spans: Span[], producedBytes: number | undefined): void {
    const status: PhaseStatus = failure?.status ?? 'success';
    const common = { requestId: invocation.requestId, status, errorType: failure?.errorType };
    const tracing = tracingOf(invocation.traceId);
    const report: PhaseEvent = { type: 'platform.report', record: defined({ ...common, metrics: defined(metrics), tracing }) };
    for (const line of phaseLines(report, { attempt: invocation.request.attempt })) this.#log(line, invocation);
    this.#observe?.(report, invocation);
    if (!this.listening) return;
    const done: RuntimeDoneRecord = defined({ ...common, metrics: defined({ durationMs: metrics.durationMs, producedBytes }), spans, tracing });
    // An answered invocation's runtimeDone waits for the runtime's next `/next` (its
    // runtimeOverhead span), unless that came already (the extensions were slower) or never will.
    this.#held = { done, report };
    if (spans.length === 0 || this.#closed || this.#nextAt !== undefined) this.#release();
  }

  /** runtimeDone (with runtimeOverhead when the runtime is back at `/next`) and report, held until now. */
  #release(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    const answeredAt = this.#answeredAt;
    const nextAt = this.#nextAt;
    let { done } = held;
    if (answeredAt !== undefined && nextAt !== undefined && done.spans.length > 0) {
      const overhead: Span = { name: 'runtimeOverhead', start: new Date(performance.timeOrigin + answeredAt).toISOString(), durationMs: round3(nextAt - answeredAt) };
      done = { ...done, spans: [...done.spans, overhead] };
    }
    this.#hub.platform({ type: 'platform.runtimeDone', record: done });
    this.#hub.platform(held.report);
  }

  /**
   * The environment failed the invocation (the runtime or an extension died): the message and the
   * error type as two log lines, and the message as a Logs API `platform.fault` record.
   */
  fault(message: string, errorType: string, invocation: Invocation): void {
    this.#log(message, invocation);
    this.#log(errorType, invocation);
    this.#hub.fault(message);
  }

  /** The environment is gone: send what is held and buffered, let go of connections and relays. */
  close(): void {
    this.#closed = true;
    this.#release();
    void this.#hub.close();
  }

  /** One phase: its record goes to the Telemetry API, its log lines (derived from it) to the log. */
  #phase(event: PhaseEvent, invocation: Invocation | undefined): void {
    this.#hub.platform(event);
    this.#observe?.(event, invocation);
    for (const line of phaseLines(event)) this.#log(line, invocation);
  }
}
