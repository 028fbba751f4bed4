/**
 * What the platform tells its observers (docs/observability.md): every environment's phase
 * records, every log line, every environment state change and every throttled invoke. Metrics,
 * the log store, traces and the dashboard are all derived from these, as the log lines and the
 * Telemetry API are derived from the phase records (one structured record per phase).
 *
 * Hot path: with nobody listening, an emission is one property read and a length check; the
 * callers build nothing extra for it.
 */
import type { ThrottleReason } from '../errors.js';
import type { Invocation } from '../platform/invocation.js';
import type { PhaseEvent } from './phase-records.js';

/** The states an environment moves through (src/platform/environment.ts). */
export type ObservedState = 'initializing' | 'idle' | 'invoking' | 'retiring' | 'dead';

/** One execution environment as observers see it. */
export interface ObservedEnvironment {
  readonly functionName: string;
  /** The version it runs (`$LATEST`, `1`, ...). */
  readonly version: string;
  /** Its log stream (`2026/11/30/[$LATEST]<32 hex>`), the runtime's `AWS_LAMBDA_LOG_STREAM_NAME`. */
  readonly logStream: string;
  /** Initialised ahead of traffic (provisioned concurrency). */
  readonly provisioned: boolean;
}

/** An invoke refused for concurrency (the caller got 429, or a queued event waits). */
export interface ObservedThrottle {
  readonly functionName: string;
  readonly version: string;
  /** The qualifier the caller named (an alias, a version, or none). */
  readonly qualifier: string | undefined;
  readonly reason: ThrottleReason;
  /** A queued (`Event`) invocation's attempt, not a caller's. */
  readonly queued: boolean;
}

/** Any subset of these; each is called synchronously, so keep it cheap and never throw. */
export interface PlatformObserver {
  /** A phase record of an environment; `invocation` is the one it belongs to, if any. */
  phase?(environment: ObservedEnvironment, event: PhaseEvent, invocation: Invocation | undefined): void;
  /**
   * A line of an environment's log: the function's output or an extension's (`fromFunction`), or a
   * platform line (START, END, REPORT, a timeout, an extension notice).
   */
  log?(environment: ObservedEnvironment, line: string, invocation: Invocation | undefined, fromFunction: boolean): void;
  /** An environment's state changed (it is `dead` once its processes are gone). */
  environment?(environment: ObservedEnvironment, state: ObservedState): void;
  throttled?(throttle: ObservedThrottle): void;
}

/**
 * The platform's observers. An observer that throws is reported once on stderr and removed:
 * a broken observer must not break invocations.
 *
 * @example
 * const stop = platform.observers.add({ phase: (env, event) => console.log(env.functionName, event.type) });
 * stop(); // no longer called
 */
export class Observers {
  // Copied on every change (rare), so an emission can iterate while an observer is removed.
  #lists: { [K in keyof Required<PlatformObserver>]: ReadonlyArray<NonNullable<PlatformObserver[K]>> } = { phase: [], log: [], environment: [], throttled: [] };

  /** @returns a function that removes the observer. */
  add(observer: PlatformObserver): () => void {
    const bound: PlatformObserver = {
      phase: observer.phase?.bind(observer),
      log: observer.log?.bind(observer),
      environment: observer.environment?.bind(observer),
      throttled: observer.throttled?.bind(observer),
    };
    this.#lists = {
      phase: bound.phase === undefined ? this.#lists.phase : [...this.#lists.phase, bound.phase],
      log: bound.log === undefined ? this.#lists.log : [...this.#lists.log, bound.log],
      environment: bound.environment === undefined ? this.#lists.environment : [...this.#lists.environment, bound.environment],
      throttled: bound.throttled === undefined ? this.#lists.throttled : [...this.#lists.throttled, bound.throttled],
    };
    return () => this.#remove(bound);
  }

  /** Someone listens to log lines (the caller can skip building what only they need). */
  get hearsLogs(): boolean {
    return this.#lists.log.length > 0;
  }

  phase(environment: ObservedEnvironment, event: PhaseEvent, invocation: Invocation | undefined): void {
    for (const fn of this.#lists.phase) {
      try {
        fn(environment, event, invocation);
      } catch (error) {
        this.#failed(fn, error);
      }
    }
  }

  log(environment: ObservedEnvironment, line: string, invocation: Invocation | undefined, fromFunction = false): void {
    for (const fn of this.#lists.log) {
      try {
        fn(environment, line, invocation, fromFunction);
      } catch (error) {
        this.#failed(fn, error);
      }
    }
  }

  environment(environment: ObservedEnvironment, state: ObservedState): void {
    for (const fn of this.#lists.environment) {
      try {
        fn(environment, state);
      } catch (error) {
        this.#failed(fn, error);
      }
    }
  }

  throttled(throttle: ObservedThrottle): void {
    for (const fn of this.#lists.throttled) {
      try {
        fn(throttle);
      } catch (error) {
        this.#failed(fn, error);
      }
    }
  }

  #remove(parts: PlatformObserver): void {
    this.#without((fn) => fn === parts.phase || fn === parts.log || fn === parts.environment || fn === parts.throttled);
  }

  #failed(fn: unknown, error: unknown): void {
    this.#without((f) => f === fn);
    process.stderr.write(`lamina: an observer failed and was removed: ${(error as Error).stack ?? String(error)}\n`);
  }

  #without(drop: (fn: unknown) => boolean): void {
    const l = this.#lists;
    this.#lists = {
      phase: l.phase.filter((fn) => !drop(fn)),
      log: l.log.filter((fn) => !drop(fn)),
      environment: l.environment.filter((fn) => !drop(fn)),
      throttled: l.throttled.filter((fn) => !drop(fn)),
    };
  }
}
