/**
 * Event (asynchronous) invocations, accepted with 202 before they run (docs/invoke-api.md).
 * A throttled event is retried with backoff from 1 s up to 5 min until the maximum event age
 * (6 h); nothing accepted is dropped silently. Retries of function errors and destinations come
 * with the durable async queue (not built yet).
 */
import type { ThrottleReason } from '../errors.js';
import type { Invocation } from './invocation.js';

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5 * 60_000;
const MAX_EVENT_AGE_MS = 6 * 60 * 60_000;

export interface EventJob {
  readonly requestId: string;
  tryStart(): Invocation | ThrottleReason;
  isStopping(): boolean;
}

/**
 * @example
 * runEventInvocation({ requestId, tryStart: () => start(), isStopping: () => false });
 */
export function runEventInvocation(job: EventJob, acceptedAt = Date.now(), backoffMs = FIRST_BACKOFF_MS): void {
  // Answer the caller first: the event starts on a later tick.
  setImmediate(() => {
    if (job.isStopping()) return;
    const started = job.tryStart();
    if (typeof started !== 'string') return;
    if (Date.now() - acceptedAt + backoffMs > MAX_EVENT_AGE_MS) {
      process.emitWarning(`Event ${job.requestId} dropped: throttled (${started}) past the maximum event age`);
      return;
    }
    setTimeout(() => runEventInvocation(job, acceptedAt, Math.min(backoffMs * 2, MAX_BACKOFF_MS)), backoffMs).unref();
  });
}
