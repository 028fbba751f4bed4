/**
 * A small log-bucket histogram for durations (docs/metrics.md, "Percentiles"): 16 buckets per
 * doubling from 1 µs to about 4.7 hours, so a quantile it reports is within 2.2% of the true one,
 * and recording is one logarithm and one array increment, with nothing allocated.
 *
 * Why not hdr-histogram-js: it would move from the devDependencies to the dependencies for what
 * is 70 lines here; HDR's fixed 1-3 significant digits buy nothing for a local tool whose
 * durations are themselves measured to about 0.01 ms, and its 64-bit counts and WASM build are
 * more than `/metrics` needs. Counts here are doubles: exact up to 2^53 observations.
 */

/** Buckets per doubling: each bucket is 2^(1/16) ≈ 4.4% wide; its midpoint is within 2.2%. */
const PER_DOUBLING = 16;
/** The smallest value told apart, in the unit recorded (ms: 1 µs). Smaller ones share bucket 0. */
const LOWEST = 2 ** -10;
/** Doublings above LOWEST (2^24 ms ≈ 4.7 h, longer than any Lambda timeout); larger share the last bucket. */
const DOUBLINGS = 34;
const BUCKETS = DOUBLINGS * PER_DOUBLING + 1;
const LOG2_LOWEST = Math.log2(LOWEST);

/**
 * @example
 * const h = new LogHistogram();
 * for (const ms of [1, 2, 3, 100]) h.record(ms);
 * h.quantile(0.5); // ≈ 2
 * h.max; // 100
 */
export class LogHistogram {
  #counts: Float64Array | undefined;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  /** Record one value (negative, NaN and infinite values are not durations: ignored). */
  record(value: number): void {
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY) return;
    // Allocated on the first value: most series of a run never see one.
    const counts = (this.#counts ??= new Float64Array(BUCKETS));
    const i = bucketOf(value);
    counts[i] = (counts[i] ?? 0) + 1;
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Add another histogram's values to this one (a function's versions, for the stop summary). */
  merge(other: LogHistogram): void {
    const theirs = other.#counts;
    if (theirs === undefined || other.count === 0) return;
    const counts = (this.#counts ??= new Float64Array(BUCKETS));
    for (let i = 0; i < BUCKETS; i += 1) counts[i] = (counts[i] ?? 0) + (theirs[i] ?? 0);
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /**
   * The value at quantile `q` (0..1): the midpoint of the bucket holding the ⌈q·count⌉-th
   * smallest value, kept within the exact minimum and maximum (so q = 1 is the exact maximum).
   * NaN when nothing was recorded.
   */
  quantile(q: number): number {
    const counts = this.#counts;
    if (counts === undefined || this.count === 0) return Number.NaN;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i += 1) {
      seen += counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, midpointOf(i)));
    }
    return this.max;
  }
}

function bucketOf(value: number): number {
  if (value <= LOWEST) return 0;
  const i = 1 + Math.floor((Math.log2(value) - LOG2_LOWEST) * PER_DOUBLING);
  return i >= BUCKETS ? BUCKETS - 1 : i;
}

/**
 * Bucket i > 0 holds (LOWEST·2^((i-1)/16), LOWEST·2^(i/16)]; its geometric midpoint. Bucket 0
 * holds [0, LOWEST]: 0, which the caller raises to the exact minimum (it lies in that bucket).
 */
function midpointOf(i: number): number {
  if (i === 0) return 0;
  return 2 ** (LOG2_LOWEST + (i - 0.5) / PER_DOUBLING);
}
