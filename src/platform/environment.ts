/**
 * One execution environment: a sandboxed runtime, its own Runtime API listener, and the state
 * machine that every Runtime API call is checked against (docs/environment.md and docs/runtime-api.md).
 *
 *   initializing --first /next--> idle --invoke--> invoking --answer--> idle ... --> retiring --> dead
 *   any state --process exit / timeout / init failure--> dead
 *
 * With extensions (docs/extensions.md) a phase ends when every participant is done: init when the
 * runtime and every extension wait at their `next`, an invoke when the runtime has answered and
 * every INVOKE subscriber is back at `event/next` (the caller has its answer before that). A
 * retirement, a timeout or a runtime crash then runs the shutdown phase (environment-shutdown.ts):
 * the runtime's exit (`runtimeExited`) and the end of every process (`exited`) are two events.
 */
import { PassThrough } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { FunctionConfig } from '../config/function-config.js';
import type { RuntimeApiErrorCode } from '../errors.js';
import { timeoutLogLine } from '../observability/report-lines.js';
import { HOST_LOOPBACK } from '../observability/telemetry-delivery.js';
import { namespaceReach } from '../observability/namespace-relay.js';
import { RuntimeApiServer } from '../runtime-api/runtime-api-server.js';
import { connectionFromTree } from '../runtime-api/peer-check.js';
import type { NextWaiter, ReportedError, RuntimeApiTarget, StreamEnd } from '../runtime-api/runtime-api-target.js';
import type { TelemetrySubscription } from '../runtime-api/telemetry-subscription.js';
import { MAX_BUFFERED_RESPONSE_BYTES } from '../runtime-api/runtime-api-server.js';
import { PRIVATE_RUNTIME_API, type Sandbox, type SandboxExit } from '../sandbox/process-sandbox.js';
import { FUNCTION_ERROR_TYPES } from '../errors.js';
import { describeExtensionExit, parseExtensionOutput, START_RUNTIME_SIGNAL } from './external-extensions.js';
import { errorMessageOf, exitError, extensionCrashed, extensionInitError, fromReported, responseTooLarge, timedOut, truncatedResponse } from './function-errors.js';
import type { FunctionErrorResult, InvocationResult } from './invoke-types.js';
import type { Invocation } from './invocation.js';
import { EnvironmentTelemetry, type Failure } from './environment-telemetry.js';
import type { EnvironmentHooks, EnvironmentStart, EnvironmentState, EnvironmentTimings, InitResult } from './environment-types.js';
import { ExtensionPhases } from './extension-phases.js';
import { EnvironmentShutdown, type AfterExtensions } from './environment-shutdown.js';
import { runtimeVersionOf } from './runtime-version.js';
import { newLogStreamName } from './ids.js';
import { PausableTimer } from './pausable-timer.js';

export type { EnvironmentHooks, EnvironmentStart, EnvironmentState, EnvironmentTimings, InitResult, InitializationType, SandboxFactory } from './environment-types.js';

/**
 * @example
 * const env = await ExecutionEnvironment.start({ fn, version: '$LATEST', timings, hooks, makeSandbox });
 * const init = await env.ready;
 * if (init.ok) env.invoke(invocation);
 */
export class ExecutionEnvironment implements RuntimeApiTarget<Invocation> {
  readonly fn: FunctionConfig;
  readonly version: string;
  #state: EnvironmentState = 'initializing';
  /** Its log stream (`2026/11/30/[$LATEST]<32 hex>`), given to the runtime as AWS_LAMBDA_LOG_STREAM_NAME. */
  logStreamName = '';
  get state(): EnvironmentState {
    return this.#state;
  }
  set state(state: EnvironmentState) {
    this.#state = state;
    this.#hooks.state?.(this, state);
  }
  /** Initialised ahead of traffic (provisioned concurrency). */
  provisioned = false;
  readonly ready: Promise<InitResult>;
  #resolveReady!: (result: InitResult) => void;
  /** `ready` has settled (init done or failed). */
  #initSettled = false;
  #hooks: EnvironmentHooks;
  #timings: EnvironmentTimings;
  #api: RuntimeApiServer | undefined;
  #sandbox!: Sandbox;
  #spawnedAt = 0;
  #initDurationMs: number | undefined;
  #coldPending = true;
  #waiter: NextWaiter | undefined;
  #current: Invocation | undefined;
  /** The invocation just answered, until its report is written: its late output is still its own. */
  #draining: Invocation | undefined;
  #lastAnsweredId: string | undefined;
  /** The init limit, the invocation's deadline, or the extensions' share of it; a debugger may pause it. */
  readonly #timer = new PausableTimer();
  #stream: { sink: PassThrough; resolve: (error: FunctionErrorResult | undefined) => void } | undefined;
  #initReported: ReportedError | undefined;
  /**
   * Make the factory's next standby, once: after this environment's first REPORT (or failed
   * init), so that its preparation does not compete with this cold start on the CPU.
   */
  #replenish: (() => void) | undefined;
  /** The invocation whose log gets this environment's init output (an init retried inside it). */
  #initFor: Invocation | undefined;
  /** The extensions taking part in this environment's phases (docs/extensions.md). */
  readonly extensions: ExtensionPhases;
  /** The runtime called its first `/next`: init ends once the extensions are ready too. */
  #runtimeReady = false;
  /** The end of an invoke phase (END/REPORT, idle), held until the extensions are back. */
  #afterExtensions: AfterExtensions | undefined;
  /** The extension that failed this environment's init, as the caller is told (docs/extensions.md). */
  #extensionError: FunctionErrorResult | undefined;
  /** Phase records, log lines derived from them, and the Telemetry API (docs/telemetry.md). */
  telemetry!: EnvironmentTelemetry;
  /** The runtime process has ended (its extensions may still be shutting down). */
  #runtimeGone = false;
  /** The shutdown phase (docs/extensions.md). */
  readonly #shutdown: EnvironmentShutdown;

  private constructor(fn: FunctionConfig, version: string, timings: EnvironmentTimings, hooks: EnvironmentHooks, externalExtensions: readonly string[]) {
    this.fn = fn;
    this.version = version;
    this.#timings = timings;
    this.#hooks = hooks;
    const metadata = { functionName: fn.name, functionVersion: version, handler: fn.handler, accountId: fn.accountId };
    this.extensions = new ExtensionPhases(metadata, externalExtensions, {
      ready: () => {
        if (this.#runtimeReady && this.state === 'initializing') this.#initDone();
      },
      invokeDone: () => this.#runAfterExtensions(),
      // The wrapper holds the runtime back until then (src/platform/external-extensions.ts).
      externalRegistered: () => this.#sandbox.signal(START_RUNTIME_SIGNAL),
      initError: (name, errorType) => {
        if (this.state !== 'initializing') return;
        this.#hooks.log(`Extension ${name} reported an init error: ${errorType}`, this.#initFor);
        this.#extensionError = extensionInitError(name, errorType);
        this.#failInit('error', undefined);
      },
      crashed: (name, status) => this.#extensionCrashed(name, status),
      // docs/extensions.md: recorded in the log of what it was part of; its exit then says ExitError.
      exitError: (name, errorType) => this.#hooks.log(`Extension ${name} reported an exit error: ${errorType}`, this.#current ?? this.#draining ?? this.#initFor),
    });
    this.#shutdown = new EnvironmentShutdown(() => this.#sandbox, this.extensions, timings.shutdownGraceMs);
    this.ready = new Promise((resolve) => {
      this.#resolveReady = resolve;
    });
  }

  static async start(start: EnvironmentStart): Promise<ExecutionEnvironment> {
    const { fn, version, timings, hooks } = start;
    const env = new ExecutionEnvironment(fn, version, timings, hooks, start.makeSandbox.externalExtensions ?? []);
    env.#initFor = start.initFor;
    env.provisioned = start.provisioned === true;
    env.#coldPending = !env.provisioned;
    env.logStreamName = start.logStreamName ?? newLogStreamName(new Date(), version);
    hooks.state?.(env, 'initializing');
    // The extensions' wrapper tags their lines and reports their exits (src/platform/external-extensions.ts);
    // without extensions there is no wrapper and nothing to look for.
    const names = start.makeSandbox.externalExtensions ?? [];
    const tag = names.length > 0 ? start.makeSandbox.extensionTag : undefined;
    const log = (line: string): void => {
      const output = tag === undefined ? undefined : parseExtensionOutput(line, tag);
      const name = output === undefined ? undefined : names[output.index];
      if (output === undefined || name === undefined) {
        env.telemetry.functionLine(line);
        hooks.log(line, env.#current ?? env.#draining ?? env.#initFor, true);
        return;
      }
      if (output.before !== '') log(output.before);
      if (output.text !== undefined) {
        // Delivered as the extension's, written to the function's log as on Lambda.
        env.telemetry.extensionLine(output.text);
        hooks.log(output.text, env.#current ?? env.#draining ?? env.#initFor, true);
      }
      if (output.status !== undefined) env.extensions.exited(name, output.status);
    };
    env.#replenish = start.makeSandbox.replenish;
    const initializationType = env.provisioned ? 'provisioned-concurrency' : 'on-demand';
    // A subscriber's sandbox.localdomain: the host's loopback, or (isolated) the environment's own,
    // reached through a relay inside its network namespace (docs/telemetry.md).
    const reach = start.makeSandbox.privateRuntimeApi === true ? namespaceReach(() => env.#sandbox?.networkPid ?? env.#sandbox?.rootPid) : HOST_LOOPBACK;
    const phase = env.#initFor === undefined ? 'init' : 'invoke';
    env.telemetry = new EnvironmentTelemetry({ initializationType, phase }, reach, fn.logFormat === 'JSON', hooks.log, hooks.phase);
    env.telemetry.extensions = env.extensions; // only registered extensions may subscribe
    env.telemetry.initStarted(fn.name, version, env.#initFor, runtimeVersionOf(fn));
    if (start.makeSandbox.privateRuntimeApi === true) {
      // The environment has a network of its own: its launcher listens at 127.0.0.1:9001 there and
      // hands the socket over; no other environment can reach it (docs/isolation.md).
      env.#spawnedAt = performance.now();
      env.#sandbox = start.makeSandbox(PRIVATE_RUNTIME_API, log, initializationType, env.logStreamName);
      const listening = await env.#sandbox.runtimeApiListener;
      if (listening !== undefined) env.#api = await RuntimeApiServer.adopt(env, listening, PRIVATE_RUNTIME_API);
    } else {
      // On the host's loopback: when asked, only the environment's own processes may connect.
      const allow = start.makeSandbox.checkPeers === true ? connectionFromTree(() => env.#sandbox?.rootPid) : undefined;
      const api = await RuntimeApiServer.listen(env, '127.0.0.1', start.runtimeApiPort ?? 0, allow);
      env.#api = api;
      env.#spawnedAt = performance.now();
      env.#sandbox = start.makeSandbox(api.address, log, initializationType, env.logStreamName);
    }
    // docs/environment.md: provisioned environments get the function timeout for init, 130 s to 900 s.
    const initLimitMs = env.provisioned ? Math.min(900, Math.max(130, fn.timeout)) * 1000 : timings.initTimeoutMs;
    env.#timer.arm(initLimitMs, () => env.#initTimedOut());
    // docs/extensions.md: a runtime that crashes leaves its extensions their shutdown budget.
    if (names.length > 0) env.#sandbox.outliveRuntime?.();
    (env.#sandbox.runtimeExited ?? env.#sandbox.exited).then((exit) => env.#runtimeExited(exit)).catch(() => undefined);
    env.#sandbox.exited.then((exit) => env.#exited(exit)).catch(() => undefined);
    return env;
  }

  /** `host:port` of this environment's Runtime API. */
  get runtimeApi(): string {
    return this.#api?.address ?? PRIVATE_RUNTIME_API;
  }

  /** Hand an invocation to an idle environment. Its deadline starts now. */
  invoke(invocation: Invocation): void {
    // Its runtime crashed while idle and its extensions are shutting down: not this one's.
    if (this.state !== 'idle') return this.#hooks.reroute(invocation);
    this.state = 'invoking';
    this.#current = invocation;
    invocation.startedAt = performance.now();
    invocation.deadlineMs = Date.now() + this.fn.timeout * 1000;
    this.#timer.arm(this.fn.timeout * 1000, () => this.#invocationTimedOut(invocation));
    // Without extensions (most functions) no INVOKE event is built (hot path).
    if (this.extensions.count > 0) {
      this.extensions.dispatch({
        eventType: 'INVOKE',
        deadlineMs: invocation.deadlineMs,
        requestId: invocation.requestId,
        invokedFunctionArn: invocation.invokedFunctionArn,
        tracing: { type: 'X-Amzn-Trace-Id', value: invocation.traceId },
      });
    }
    const waiter = this.#waiter;
    if (waiter !== undefined && !waiter.closed) {
      this.#waiter = undefined;
      this.#deliver(waiter, invocation);
    }
  }

  /** The runtime receives the event: the invocation's log starts here. */
  #deliver(waiter: NextWaiter, invocation: Invocation): void {
    invocation.stage = 'delivered';
    this.telemetry.started(invocation, this.version);
    const request = invocation.request;
    waiter.deliver({
      requestId: invocation.requestId,
      deadlineMs: invocation.deadlineMs,
      invokedFunctionArn: invocation.invokedFunctionArn,
      traceId: invocation.traceId,
      payload: request.payload,
      clientContext: request.clientContext,
      tenantId: request.tenantId,
    });
  }

  /** Retire an idle environment (docs/extensions.md: a shutdown phase when extensions are registered). */
  retire(): void {
    if (this.state === 'dead' || this.state === 'retiring') return;
    this.state = 'retiring';
    this.#afterExtensions = this.#shutdown.retire(this.#runtimeGone, this.#afterExtensions);
  }

  /** A timeout or a crash ends the environment, after its SHUTDOWN subscribers had their budget. */
  #endAfterFailure(reason: 'timeout' | 'failure'): void {
    this.state = 'retiring';
    this.#afterExtensions = this.#shutdown.afterFailure(reason, this.#runtimeGone, this.#afterExtensions);
  }

  /** Kill at once (platform stop, failed init). */
  kill(): void {
    if (this.state !== 'dead') this.state = 'retiring';
    this.#sandbox.signal('SIGKILL');
  }

  /**
   * A debugger holds the runtime at a breakpoint (docs/debugging.md): stop the running timer (the
   * init limit or the invocation's deadline) until {@link resumeTimer}, which restarts it with
   * the time that was left. Twice is once.
   *
   * @example
   * env.pauseTimer(); // Debugger.paused
   * env.resumeTimer(); // Debugger.resumed: the deadline moves by the time spent paused
   */
  pauseTimer(): void {
    this.#timer.pause();
  }

  /** Restart the timer {@link pauseTimer} stopped; the invocation's deadline moves on by the pause. */
  resumeTimer(): void {
    const remaining = this.#timer.resume();
    const current = this.#current;
    if (remaining !== undefined && current !== undefined) current.deadlineMs = Date.now() + remaining;
  }

  /** The timer is stopped by a debugger. */
  get timerPaused(): boolean {
    return this.#timer.paused;
  }

  /** A process in the environment's network namespace (isolated: where its loopback is), if any. */
  get networkPid(): number | undefined {
    return this.#sandbox?.networkPid ?? this.#sandbox?.rootPid;
  }

  // ---- Runtime API (called by the HTTP layer) ----

  next(waiter: NextWaiter): RuntimeApiErrorCode | undefined {
    if (this.state === 'retiring' || this.state === 'dead') {
      waiter.refuse();
      return undefined;
    }
    this.telemetry.runtimeNext();
    if (this.state === 'initializing') {
      this.#runtimeReady = true;
      if (this.extensions.ready) this.#initDone();
    }
    const current = this.#current;
    if (current !== undefined && current.stage !== 'assigned') return 'LAMINA_ERR_RUNTIME_INVALID_STATE';
    if (current !== undefined) {
      this.#deliver(waiter, current);
      return undefined;
    }
    if (this.#waiter !== undefined && !this.#waiter.closed) return 'LAMINA_ERR_RUNTIME_INVALID_STATE';
    this.#waiter = waiter;
    return undefined;
  }

  beginAnswer(requestId: string): Invocation | RuntimeApiErrorCode {
    const current = this.#current;
    if (current !== undefined && current.requestId === requestId) {
      if (current.stage !== 'delivered') return 'LAMINA_ERR_RUNTIME_INVALID_STATE';
      current.stage = 'answering';
      this.telemetry.answerStarted();
      return current;
    }
    return requestId === this.#lastAnsweredId ? 'LAMINA_ERR_RUNTIME_INVALID_STATE' : 'LAMINA_ERR_RUNTIME_INVALID_REQUEST_ID';
  }

  abandonAnswer(invocation: Invocation): void {
    if (invocation === this.#current && invocation.stage === 'answering') invocation.stage = 'delivered';
  }

  finishResponse(invocation: Invocation, payload: Buffer, contentType: string): void {
    this.#complete(invocation, { kind: 'response', payload, contentType }, undefined);
  }

  finishError(invocation: Invocation, reported: ReportedError): void {
    const error = fromReported(reported);
    this.#complete(invocation, { kind: 'function-error', error }, { status: 'error', errorType: error.errorType });
  }

  finishTooLarge(invocation: Invocation): void {
    const error = responseTooLarge(MAX_BUFFERED_RESPONSE_BYTES);
    this.#complete(invocation, { kind: 'function-error', error }, { status: 'error', errorType: error.errorType });
  }

  beginStream(invocation: Invocation, contentType: string): PassThrough {
    const sink = new PassThrough();
    if (invocation !== this.#current || invocation.settled) return sink.resume();
    const completion = new Promise<FunctionErrorResult | undefined>((resolve) => {
      this.#stream = { sink, resolve };
    });
    invocation.settle({ kind: 'stream', stream: { contentType, body: sink, completion } });
    return sink;
  }

  endStream(invocation: Invocation, end: StreamEnd): void {
    if (invocation !== this.#current) return;
    const error =
      end.kind === 'too-large'
        ? responseTooLarge(end.limitBytes)
        : end.kind === 'truncated'
          ? truncatedResponse('The runtime closed the response stream before it was complete')
          : end.reported === undefined
            ? undefined
            : fromReported(end.reported);
    this.#complete(invocation, undefined, error === undefined ? undefined : { status: 'error', errorType: error.errorType }, error);
  }

  initError(reported: ReportedError): RuntimeApiErrorCode | undefined {
    if (this.state !== 'initializing') return 'LAMINA_ERR_RUNTIME_INVALID_STATE';
    this.#initReported = reported;
    this.#failInit('error', undefined);
    return undefined;
  }

  subscribeTelemetry(identifier: string, subscription: TelemetrySubscription): RuntimeApiErrorCode | undefined {
    return this.telemetry.subscribe(identifier, subscription);
  }

  // ---- internals ----

  #initDone(): void {
    this.#timer.disarm();
    this.extensions.closeRegistration();
    const initFor = this.#initFor;
    this.#initFor = undefined;
    this.#initDurationMs = performance.now() - this.#spawnedAt;
    this.telemetry.initEnded('success', this.#initDurationMs, undefined, this.extensions.initStates(), initFor);
    this.state = 'idle';
    this.#initSettled = true;
    this.#resolveReady({ ok: true, durationMs: this.#initDurationMs });
  }

  #replenishOnce(): void {
    const replenish = this.#replenish;
    this.#replenish = undefined;
    replenish?.();
  }

  #failInit(status: 'error' | 'timeout', exit: SandboxExit | undefined): void {
    this.#replenishOnce();
    this.#timer.disarm();
    const durationMs = performance.now() - this.#spawnedAt;
    this.extensions.closeRegistration();
    this.telemetry.initEnded(status, durationMs, this.#extensionError?.errorType ?? this.#initReported?.errorType, this.extensions.initStates(), this.#initFor);
    this.state = 'retiring';
    this.#sandbox.peakMemoryMb(); // sample while the process is still there
    this.#sandbox.signal('SIGKILL');
    const extensionError = this.#extensionError;
    this.#initSettled = true;
    this.#resolveReady({ ok: false, durationMs, status, reported: this.#initReported, exit, ...(extensionError === undefined ? {} : { extensionError }) });
  }

  #initTimedOut(): void {
    if (this.state === 'initializing') this.#failInit('timeout', undefined);
  }

  #invocationTimedOut(invocation: Invocation): void {
    if (invocation !== this.#current) return;
    this.#hooks.log(timeoutLogLine(invocation.requestId, this.fn.timeout, new Date()), invocation);
    this.#endAfterFailure('timeout');
    const error = timedOut(invocation.requestId, this.fn.timeout);
    this.#finalize(invocation, { kind: 'function-error', error }, { status: 'timeout', errorType: undefined }, error);
  }

  /**
   * An external extension's process ended while the environment lives (docs/extensions.md): Lambda
   * fails the init, or the invocation (answered or not), with `Extension.Crash`, and the
   * environment with it: after init, the other SHUTDOWN subscribers get `failure` and their budget
   * first (the caller is answered at once). Idle, the environment is retired the same way: the
   * next invocation gets a fresh one.
   */
  #extensionCrashed(name: string, status: number): void {
    if (this.state === 'retiring' || this.state === 'dead') return;
    const why = describeExtensionExit(status);
    const exitError = this.extensions.exitErrorOf(name) !== undefined;
    if (this.state === 'initializing') {
      this.#hooks.log(`Extension ${name} exited during init: ${why}`, this.#initFor);
      this.#extensionError = extensionCrashed(undefined, name, why, exitError);
      this.#failInit('error', undefined);
      return;
    }
    const current = this.#current;
    const draining = this.#afterExtensions === undefined ? undefined : this.#draining;
    this.state = 'retiring';
    if (current !== undefined && current.stage !== 'assigned') {
      const error = extensionCrashed(current.requestId, name, why, exitError);
      this.telemetry.fault(errorMessageOf(error), error.errorType, current);
      this.#finalize(current, { kind: 'function-error', error }, { status: 'error', errorType: error.errorType }, error);
    } else if (draining !== undefined) {
      // The caller has its answer already: the REPORT tells of the crash.
      const error = extensionCrashed(draining.requestId, name, why, exitError);
      this.#hooks.log(errorMessageOf(error), draining);
      this.#runAfterExtensions({ status: 'error', errorType: error.errorType });
    }
    this.#endAfterFailure('failure');
  }

  /**
   * The runtime process ended. Its invocation fails (or goes elsewhere); outside a shutdown the
   * environment ends, its SHUTDOWN subscribers told `failure` first (docs/extensions.md).
   */
  #runtimeExited(exit: SandboxExit): void {
    if (this.#runtimeGone) return;
    this.#runtimeGone = true;
    if (this.state === 'initializing') this.#failInit('error', exit);
    const shuttingDown = this.state === 'retiring' || this.state === 'dead';
    if (!shuttingDown) this.#timer.disarm();
    this.#waiter = undefined;
    // Never idle again: its caller is answered after the report, and the pool passes it by.
    if (!shuttingDown) this.state = 'retiring';
    const current = this.#current;
    if (current !== undefined && current.stage === 'assigned') {
      // The runtime died after answering its last invocation (an uncaught exception, say) and
      // never saw this one: it goes to another environment, as on Lambda, instead of failing.
      this.#current = undefined;
      this.#hooks.reroute(current);
    } else if (current !== undefined) {
      const error = exitError(current.requestId, exit);
      this.telemetry.fault(errorMessageOf(error), error.errorType, current);
      this.#finalize(current, { kind: 'function-error', error }, { status: 'error', errorType: error.errorType }, error);
    }
    if (!shuttingDown) this.#endAfterFailure('failure');
  }

  /** Every process of the environment has ended. */
  #exited(exit: SandboxExit): void {
    this.#runtimeExited(exit);
    // Retired (platform stop) while still initialising: the init failed, and whoever waits on it
    // (the invocation it was started for) must hear so, or it would wait forever.
    if (!this.#initSettled) {
      this.#initSettled = true;
      this.#resolveReady({ ok: false, durationMs: performance.now() - this.#spawnedAt, status: 'error', reported: this.#initReported, exit });
    }
    this.#timer.stop();
    this.#shutdown.done();
    this.state = 'dead';
    // An invoke phase waiting on extensions ends with the environment: its report is still written.
    this.#runAfterExtensions();
    this.telemetry.close();
    void this.#api?.close();
    this.#hooks.dead(this);
  }

  /** The runtime answered: the environment is reusable once the report is written. */
  #complete(
    invocation: Invocation,
    result: InvocationResult | undefined,
    failure: Failure,
    streamError?: FunctionErrorResult,
  ): void {
    if (invocation !== this.#current || invocation.stage === 'done') return;
    this.#finalize(invocation, result, failure, streamError);
  }

  #finalize(
    invocation: Invocation,
    result: InvocationResult | undefined,
    failure: Failure,
    streamError: FunctionErrorResult | undefined,
  ): void {
    if (invocation.stage === 'done') return;
    this.#timer.disarm();
    if (invocation.stage === 'assigned') this.telemetry.started(invocation, this.version);
    invocation.stage = 'done';
    this.#current = undefined;
    this.#draining = invocation;
    this.#lastAnsweredId = invocation.requestId;
    const answeredAt = performance.now();
    const durationMs = answeredAt - invocation.startedAt;
    const spans = this.telemetry.spans(answeredAt);
    const producedBytes = result?.kind === 'response' ? result.payload.length : undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    // The environment is free for the next invocation only once the extensions are back too.
    const extensionsBusy = this.extensions.count > 0 && this.extensions.busy && this.state === 'invoking';
    // A caller that did not ask for the log tail hears back at once (hot path). Idle first, so the
    // caller's next invoke finds this warm environment; that invoke reaches the runtime only with
    // its next `/next`, which is I/O and so comes after the END/REPORT lines written below.
    // With extensions still at work the caller is answered now too, as on Lambda: a log tail then
    // ends at the runtime's answer (docs/extensions.md).
    const answerNow = result !== undefined && (!invocation.request.tailLogs || extensionsBusy) && this.state === 'invoking';
    const idleNow = answerNow && !extensionsBusy;
    if (idleNow) {
      this.state = 'idle';
      this.#hooks.idle(this);
    }
    if (answerNow) {
      invocation.settle(result);
      // Its concurrency slot is free from now on too: a caller that invokes again at once must
      // not be throttled by its own finished invocation.
      invocation.markFinished();
    }
    if (extensionsBusy && stream !== undefined) {
      // A streamed answer is complete for its caller now, whatever the extensions still do.
      stream.sink.end();
      stream.resolve(streamError);
    }
    // Lines the runtime wrote just before answering may still sit in the pipe: let them in first.
    const endPhase = (override: Failure): void => void setImmediate(() => {
      // docs/extensions.md: Duration is the runtime's; Billed Duration adds the extensions' time after it.
      const outcome = override ?? failure;
      this.telemetry.finished(invocation, this.#reportMetrics(durationMs, extensionsBusy ? performance.now() - answeredAt : 0), outcome, spans, producedBytes);
      this.#replenishOnce();
      if (this.#draining === invocation) this.#draining = undefined;
      // After an early answer the environment may already run its next invocation: leave it be.
      if (!idleNow && this.state === 'invoking') {
        this.state = 'idle';
        this.#hooks.idle(this);
      }
      if (result !== undefined && !answerNow) invocation.settle(result);
      if (stream !== undefined && !extensionsBusy) {
        stream.sink.end();
        stream.resolve(streamError);
      }
      invocation.markFinished();
    });
    if (!extensionsBusy) return endPhase(undefined);
    this.#afterExtensions = endPhase;
    // The extensions share the invocation's deadline: one that overruns it ends the environment.
    this.#timer.arm(Math.max(0, invocation.deadlineMs - Date.now()), () => this.#extensionsTimedOut(invocation));
  }

  /** End the invoke phase held for the extensions; `override` replaces its outcome (a timeout, a crash). */
  #runAfterExtensions(override: Failure = undefined): void {
    const endPhase = this.#afterExtensions;
    this.#afterExtensions = undefined;
    if (endPhase === undefined) return;
    this.#timer.disarm();
    endPhase(override);
  }

  #extensionsTimedOut(invocation: Invocation): void {
    if (this.#afterExtensions === undefined) return;
    this.#hooks.log(timeoutLogLine(invocation.requestId, this.fn.timeout, new Date()), invocation);
    this.state = 'retiring'; // before the phase ends: never idle again
    this.#runAfterExtensions({ status: 'timeout', errorType: undefined });
    this.#endAfterFailure('timeout');
  }

  /**
   * The metrics of an invocation's REPORT; the first one after an on-demand init carries it.
   * docs/extensions.md: Duration is the runtime's; Billed Duration adds the extensions' time after it.
   */
  #reportMetrics(durationMs: number, extensionsMs: number): { durationMs: number; billedDurationMs: number; memorySizeMB: number; maxMemoryUsedMB: number; initDurationMs?: number } {
    const cold = this.#coldPending;
    this.#coldPending = false;
    const initDurationMs = cold ? this.#initDurationMs : undefined;
    // docs/log-format.md: custom runtimes are billed for their init too.
    const billedBase = durationMs + extensionsMs + (initDurationMs !== undefined && this.fn.launch.kind === 'bootstrap' ? initDurationMs : 0);
    const metrics = { durationMs, billedDurationMs: Math.max(1, Math.ceil(billedBase)), memorySizeMB: this.fn.memorySize, maxMemoryUsedMB: this.peakMemoryMb() };
    return initDurationMs === undefined ? metrics : { ...metrics, initDurationMs };
  }

  /** Peak memory of this environment so far, in MB. */
  peakMemoryMb(): number {
    // The sandbox may sum its processes' peaks (runtime and extensions), counting their shared
    // pages more than once; Lambda never reports more than the memory size (every REPORT's value).
    return Math.min(this.fn.memorySize, this.#sandbox.peakMemoryMb());
  }
}
