/**
 * A latency histogram with fixed bucket bounds (docs/dashboard.md): counting a duration is one
 * short scan, the memory is the same whatever the traffic, and the wire form is a plain array the
 * page draws without knowing anything but the bounds sent with it.
 */

/** Upper bounds (ms, inclusive) of the buckets; one more bucket holds everything above the last. */
export const BUCKET_BOUNDS_MS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000];

/** The histogram as sent to the page: `counts[i]` durations were at most `BUCKET_BOUNDS_MS[i]` (the last: above them all). */
export interface HistogramView {
  readonly counts: readonly number[];
  readonly count: number;
  readonly sumMs: number;
  readonly maxMs: number;
}

/**
 * The index of the bucket a duration falls in.
 *
 * @example bucketOf(0.4) // 0 (at most 1 ms)
 * @example bucketOf(15) // 4 (at most 20 ms)
 */
export function bucketOf(durationMs: number): number {
  for (let i = 0; i < BUCKET_BOUNDS_MS.length; i += 1) {
    if (durationMs <= (BUCKET_BOUNDS_MS[i] as number)) return i;
  }
  return BUCKET_BOUNDS_MS.length;
}

/**
 * @example
 * const h = new LatencyHistogram();
 * h.add(12.5);
 * h.view().counts[4]; // 1
 */
export class LatencyHistogram {
  readonly #counts: number[] = new Array<number>(BUCKET_BOUNDS_MS.length + 1).fill(0);
  #count = 0;
  #sumMs = 0;
  #maxMs = 0;

  add(durationMs: number): void {
    // A duration that is not a finite, non-negative number is not a latency: it is not counted.
    if (!Number.isFinite(durationMs) || durationMs < 0) return;
    const i = bucketOf(durationMs);
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.#count += 1;
    this.#sumMs += durationMs;
    if (durationMs > this.#maxMs) this.#maxMs = durationMs;
  }

  view(): HistogramView {
    return { counts: [...this.#counts], count: this.#count, sumMs: this.#sumMs, maxMs: this.#maxMs };
  }
}
