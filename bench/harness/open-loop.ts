/**
 * Open-loop load: requests arrive at a fixed rate whatever the server does, and each request's
 * latency is measured from the time it was *meant* to be sent, not from when a free connection
 * let it go. A closed loop (and a rate-limited tool that times from the actual send) stops
 * sending while the server stalls, so the requests that would have arrived during the stall are
 * never timed: "coordinated omission". Here they queue in the generator and their wait counts.
 * docs/performance.md (open-loop load) says why this generator and not autocannon, measured.
 */
import { performance } from 'node:perf_hooks';
import { LatencyRecorder } from './latency.js';
import type { Call } from './load.js';

export interface OpenLoopRequest {
  /** Arrivals per second. */
  readonly rate: number;
  /** How long arrivals are scheduled for. */
  readonly durationMs: number;
  /** The most calls in flight at once (the connections); later arrivals wait in order, timed. */
  readonly maxInFlight: number;
}

/** Milliseconds (performance.now) of each request: meant to be sent, sent, answered (NaN if not). */
export interface Timeline {
  readonly intended: Float64Array;
  readonly sent: Float64Array;
  readonly done: Float64Array;
}

export interface OpenLoopResult {
  readonly rate: number;
  readonly durationMs: number;
  readonly scheduled: number;
  readonly completed: number;
  /** Answers per second over the scheduled window, or to the last answer when that came later. */
  readonly achievedPerSecond: number;
  /** Microseconds from the intended send time to the answer (coordinated omission corrected). */
  readonly corrected: LatencyRecorder;
  /** Microseconds from the actual send to the answer (what an uncorrected tool reports). */
  readonly service: LatencyRecorder;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly timeline: Timeline;
}

/**
 * The intended send times: `count` arrivals `1000 / rate` ms apart from `start`. Computed from the
 * index, never accumulated, so a late timer never shifts the later arrivals.
 *
 * @example arrivalTimes(0, 4, 1000) // Float64Array [0, 250, 500, 750]
 */
export function arrivalTimes(start: number, rate: number, durationMs: number): Float64Array {
  const count = Math.max(0, Math.floor((rate * durationMs) / 1000));
  const interval = 1000 / rate;
  const times = new Float64Array(count);
  for (let i = 0; i < count; i += 1) times[i] = start + i * interval;
  return times;
}

/**
 * Run `call` at `rate` per second for `durationMs`, at most `maxInFlight` at once; resolves when
 * every scheduled call has answered or failed.
 *
 * @example const r = await openLoop(call, { rate: 500, durationMs: 2000, maxInFlight: 16 }); r.corrected.summary().p99
 */
export async function openLoop(call: Call, request: OpenLoopRequest): Promise<OpenLoopResult> {
  if (!(request.rate > 0) || !(request.durationMs > 0) || !(request.maxInFlight >= 1)) throw new Error(`open loop wants a rate, a duration and in-flight above 0, got ${JSON.stringify(request)}`);
  const start = performance.now();
  const intended = arrivalTimes(start, request.rate, request.durationMs);
  const count = intended.length;
  const sent = new Float64Array(count).fill(Number.NaN);
  const done = new Float64Array(count).fill(Number.NaN);
  const corrected = new LatencyRecorder();
  const service = new LatencyRecorder();
  let next = 0; // the next arrival not yet sent
  let inFlight = 0;
  let finished = 0;
  let errors = 0;
  let firstError: string | undefined;
  let timer: NodeJS.Timeout | undefined;

  return new Promise((resolve) => {
    const finish = (): void => {
      const last = done.reduce((m, t) => (Number.isFinite(t) && t > m ? t : m), start);
      const completed = count - errors;
      resolve({
        rate: request.rate,
        durationMs: request.durationMs,
        scheduled: count,
        completed,
        achievedPerSecond: (completed / Math.max(request.durationMs, last - start)) * 1000,
        corrected,
        service,
        errors,
        firstError,
        timeline: { intended, sent, done },
      });
    };
    const send = (i: number): void => {
      inFlight += 1;
      sent[i] = performance.now();
      call().then(
        () => {
          const t = performance.now();
          done[i] = t;
          corrected.record((t - (intended[i] as number)) * 1000);
          service.record((t - (sent[i] as number)) * 1000);
        },
        (error: unknown) => {
          errors += 1;
          firstError ??= (error as Error).message;
        },
      ).finally(() => {
        inFlight -= 1;
        finished += 1;
        if (finished === count) finish();
        else pump();
      });
    };
    // Send every arrival that is due while a slot is free; the ones that find none stay due
    // (their intended time does not move) and go as answers free slots.
    const pump = (): void => {
      const now = performance.now();
      while (next < count && inFlight < request.maxInFlight && (intended[next] as number) <= now) send((next += 1) - 1);
      if (next < count && timer === undefined && inFlight < request.maxInFlight) {
        timer = setTimeout(() => {
          timer = undefined;
          pump();
        }, Math.max(0, (intended[next] as number) - now));
      }
    };
    if (count === 0) finish();
    else pump();
  });
}
