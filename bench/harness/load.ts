/**
 * Load on a function: sequential invokes into a latency histogram, and closed-loop throughput
 * with N concurrent callers for a fixed time (undici, keep-alive, one connection per caller).
 */
import { performance } from 'node:perf_hooks';
import { LatencyRecorder } from './latency.js';

/** One call: resolves when the answer is complete, throws on a wrong answer. */
export type Call = () => Promise<void>;

/**
 * `count` sequential calls (after `warmup` unrecorded ones) into `recorder`; returns invokes/s.
 *
 * @example await sequential(call, 1000, recorder, 50)
 */
export async function sequential(call: Call, count: number, recorder: LatencyRecorder, warmup = 0): Promise<number> {
  for (let i = 0; i < warmup; i += 1) await call();
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    await call();
    recorder.record((performance.now() - t0) * 1000);
  }
  return (count / (performance.now() - started)) * 1000;
}

export interface Throughput {
  readonly callers: number;
  readonly completed: number;
  readonly perSecond: number;
  readonly latency: LatencyRecorder;
  /** Calls that threw (throttled, failed). */
  readonly errors: number;
  readonly firstError: string | undefined;
}

/**
 * `callers` closed loops calling for `durationMs`; calls in flight at the end still count toward
 * latency but not toward the rate (the rate counts what finished within the window).
 *
 * @example const t = await closedLoop(call, 8, 2000); t.perSecond
 */
export async function closedLoop(call: Call, callers: number, durationMs: number): Promise<Throughput> {
  const latency = new LatencyRecorder();
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await call();
        const t1 = performance.now();
        latency.record((t1 - t0) * 1000);
        if (t1 <= deadline) completed += 1;
      } catch (error) {
        errors += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, loop));
  return { callers, completed, perSecond: (completed / durationMs) * 1000, latency, errors, firstError };
}
