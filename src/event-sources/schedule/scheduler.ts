/**
 * Runs a template's schedules (docs/event-sources-schedules.md): each enabled schedule waits for
 * its next fire time, hands the function its payload through the injected `fire` (lamina serve
 * passes an asynchronous `Event` invoke of the platform, so the durable queue and Lambda's
 * retries of function errors apply), then waits for the next time.
 *
 * Time: a virtual clock that starts at the real time and runs `1 / timeScale` times faster, so at
 * `timeScale: 0.001` a `rate(1 minute)` fires every 60 ms and the events still carry minute-apart
 * `time`s. The clock (now and timers) is injectable: tests drive it by hand.
 *
 * A `fire` that fails (the platform refused the event: stopping, throttled intake) is tried again
 * as the schedule's RetryPolicy says: backoff doubling from 1 s to at most 60 s, up to
 * `maximumRetryAttempts` more times and while the firing is younger than `maximumEventAgeSeconds`.
 */
import type { ScheduleDefinition } from './schedule-types.js';
import { nextFireTime } from './schedule-expression.js';
import { scheduledPayload, type ScheduleAccount } from './scheduled-event.js';

export interface SchedulerClock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const SYSTEM_CLOCK: SchedulerClock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Hands one firing to the function; a rejection (or throw) counts as a failed delivery. */
export type FireFunction = (functionName: string, qualifier: string | undefined, payload: Buffer) => unknown;

export interface SchedulerOptions {
  readonly schedules: readonly ScheduleDefinition[];
  readonly fire: FireFunction;
  readonly account: ScheduleAccount;
  /** Multiplies every wait (0.001: a minute passes in 60 ms); default 1. */
  readonly timeScale?: number;
  readonly clock?: SchedulerClock;
  /** One line per notable thing (disabled schedule, end of a schedule, a dropped firing). */
  readonly log?: (line: string) => void;
}

/** setTimeout's longest wait; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;

/**
 * @example
 * const scheduler = new Scheduler({ schedules: loaded.schedules, account, fire: (fn, q, payload) => platform.accept(eventInvoke(fn, q, payload)) });
 * scheduler.start();
 * await scheduler.stop();
 */
export class Scheduler {
  readonly #timers = new Set<unknown>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #clock: SchedulerClock;
  readonly #scale: number;
  #realStart = 0;
  #running = false;

  constructor(private readonly options: SchedulerOptions) {
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#scale = options.timeScale ?? 1;
    if (!(this.#scale > 0) || !Number.isFinite(this.#scale)) throw new RangeError(`timeScale must be a positive number, not ${this.#scale}`);
  }

  /** Now on the virtual clock (epoch ms). */
  now(): number {
    return this.#realStart + (this.#clock.now() - this.#realStart) / this.#scale;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#realStart = this.#clock.now();
    for (const schedule of this.options.schedules) {
      if (!schedule.enabled) {
        this.#log(`schedule ${schedule.id} (${schedule.expression.text}) is disabled; not scheduled`);
        continue;
      }
      // Scheduler starts a rate without StartDate at once; a rule's first firing is a period later.
      const immediate = schedule.kind === 'scheduler' && schedule.expression.kind === 'rate' && schedule.startDate === undefined;
      this.#arm(schedule, immediate ? this.now() - 1 : this.now());
    }
  }

  /** Stop firing; resolves once the deliveries under way have settled. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const timer of this.#timers) this.#clock.clearTimer(timer);
    this.#timers.clear();
    await Promise.allSettled([...this.#inFlight]);
  }

  #log(line: string): void {
    this.options.log?.(line);
  }

  /** Run `callback` after `virtualMs` of virtual time. */
  #after(virtualMs: number, callback: () => void): void {
    const realMs = Math.max(0, virtualMs * this.#scale);
    const step = Math.min(realMs, MAX_TIMER_MS);
    const timer = this.#clock.setTimer(() => {
      this.#timers.delete(timer);
      if (this.#running) callback();
    }, step);
    this.#timers.add(timer);
  }

  #arm(schedule: ScheduleDefinition, after: number): void {
    const anchor = new Date(schedule.startDate ?? this.#realStart);
    let from = after;
    if (schedule.startDate !== undefined && schedule.expression.kind !== 'rate') from = Math.max(after, schedule.startDate - 1);
    const next = nextFireTime(schedule.expression, new Date(from), { timezone: schedule.timezone, anchor })?.getTime();
    if (next === undefined || (schedule.endDate !== undefined && next > schedule.endDate)) {
      this.#log(`schedule ${schedule.id} (${schedule.expression.text}) will not fire again`);
      return;
    }
    const wait = next - this.now();
    if (wait * this.#scale > MAX_TIMER_MS) return this.#after(MAX_TIMER_MS / this.#scale, () => this.#arm(schedule, after));
    this.#after(wait, () => {
      this.#deliver(schedule, scheduledPayload(schedule, new Date(next), this.options.account), next, 0);
      this.#arm(schedule, next);
    });
  }

  #deliver(schedule: ScheduleDefinition, payload: Buffer, scheduledAt: number, retries: number): void {
    const attempt = Promise.resolve()
      .then(() => this.options.fire(schedule.functionName, schedule.qualifier, payload))
      .then(
        () => undefined,
        (error: unknown) => this.#failed(schedule, payload, scheduledAt, retries, error),
      );
    const tracked = attempt.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  #failed(schedule: ScheduleDefinition, payload: Buffer, scheduledAt: number, retries: number, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    const backoff = Math.min(FIRST_BACKOFF_MS * 2 ** retries, MAX_BACKOFF_MS);
    const age = this.now() + backoff - scheduledAt;
    if (!this.#running || retries >= schedule.retry.maximumRetryAttempts || age > schedule.retry.maximumEventAgeSeconds * 1000) {
      this.#log(`schedule ${schedule.id}: firing of ${new Date(scheduledAt).toISOString()} dropped after ${retries + 1} attempt(s): ${reason}`);
      return;
    }
    this.#after(backoff, () => this.#deliver(schedule, payload, scheduledAt, retries + 1));
  }
}
