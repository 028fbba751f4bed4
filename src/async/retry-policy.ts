/**
 * Lambda's rules for an asynchronous event after each attempt (docs/async-invocation.md):
 * function errors (handler errors, timeouts, crashes, init failures) are retried
 * `MaximumRetryAttempts` times, about 1 minute and then 2 minutes later; throttles and system
 * errors are retried with a backoff from 1 s growing to 5 minutes; nothing is tried past
 * `MaximumEventAgeInSeconds`. Every delay and the maximum age are multiplied by the time scale
 * (`--async-time-scale`, 1 unless a test asks for less).
 */
import type { AsyncInvokeConfig } from './async-types.js';

/** Delay before the first and the second retry of a function error. */
const FUNCTION_ERROR_DELAYS_MS = [60_000, 120_000] as const;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5 * 60_000;

/** What the queue does with an event next. */
export type NextStep =
  | { readonly kind: 'retry'; readonly atMs: number; readonly consumesRetry: boolean }
  | { readonly kind: 'give-up'; readonly condition: 'RetriesExhausted' | 'EventAgeExceeded' };

export interface RetryClock {
  readonly nowMs: number;
  /** Multiplies every delay and the maximum age (1 = Lambda's real times). */
  readonly timeScale: number;
}

/** The maximum age of an event under a configuration, in (scaled) ms. */
export function maxAgeMs(config: AsyncInvokeConfig, clock: Pick<RetryClock, 'timeScale'>): number {
  return config.maximumEventAgeSeconds * 1000 * clock.timeScale;
}

/** True when an event accepted at `acceptedAtMs` is too old to be tried now. */
export function tooOld(acceptedAtMs: number, config: AsyncInvokeConfig, clock: RetryClock): boolean {
  return clock.nowMs - acceptedAtMs > maxAgeMs(config, clock);
}

/**
 * After a function error: retry later, or give up.
 *
 * @example
 * afterFunctionError(0, acceptedAt, { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600 }, { nowMs, timeScale: 1 });
 * // { kind: 'retry', atMs: nowMs + 60000, consumesRetry: true }
 */
export function afterFunctionError(retriesUsed: number, acceptedAtMs: number, config: AsyncInvokeConfig, clock: RetryClock): NextStep {
  if (retriesUsed >= config.maximumRetryAttempts) return { kind: 'give-up', condition: 'RetriesExhausted' };
  const delay = (FUNCTION_ERROR_DELAYS_MS[retriesUsed] ?? FUNCTION_ERROR_DELAYS_MS[1]) * clock.timeScale;
  const atMs = clock.nowMs + delay;
  // A retry that would come after the event's maximum age is not made: the event is dropped now.
  if (atMs - acceptedAtMs > maxAgeMs(config, clock)) return { kind: 'give-up', condition: 'EventAgeExceeded' };
  return { kind: 'retry', atMs, consumesRetry: true };
}

/**
 * The backoff after the `n`th throttle or system error in a row (n from 1): 1 s, 2 s, 4 s ... 5 min.
 *
 * @example throttleBackoffMs(3, 1) // 4000
 */
export function throttleBackoffMs(n: number, timeScale: number): number {
  const raw = Math.min(FIRST_BACKOFF_MS * 2 ** Math.max(0, Math.min(n - 1, 20)), MAX_BACKOFF_MS);
  return raw * timeScale;
}

/** After a throttle or a system error: retry with backoff until the maximum age. */
export function afterThrottle(consecutive: number, acceptedAtMs: number, config: AsyncInvokeConfig, clock: RetryClock): NextStep {
  const atMs = clock.nowMs + throttleBackoffMs(consecutive, clock.timeScale);
  if (atMs - acceptedAtMs > maxAgeMs(config, clock)) return { kind: 'give-up', condition: 'EventAgeExceeded' };
  return { kind: 'retry', atMs, consumesRetry: false };
}
