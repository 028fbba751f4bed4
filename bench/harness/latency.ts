/**
 * Latency recording with hdr-histogram-js: microsecond values, percentiles p50/p90/p99/p99.9, the
 * compressed histogram for the JSON results, and the raw samples (kept for charts and re-analysis).
 */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * Microsecond latencies of one measured side.
 *
 * @example
 * const rec = new LatencyRecorder(); rec.record(250); rec.summary().p50 // 250
 */
export class LatencyRecorder {
  readonly #histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  readonly samples: number[] = [];

  /** Record one latency in microseconds (rounded, at least 1). */
  record(micros: number): void {
    const value = Math.max(1, Math.round(micros));
    this.#histogram.recordValue(value);
    this.samples.push(value);
  }

  /** Fold another recorder in (rounds of the same side). */
  add(other: LatencyRecorder): void {
    for (const value of other.samples) this.record(value);
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    const at = (p: number): number => (h.totalCount === 0 ? Number.NaN : h.getValueAtPercentile(p));
    return { count: h.totalCount, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: h.totalCount === 0 ? Number.NaN : h.maxValue, mean: h.mean };
  }

  /** The HdrHistogram compressed-base64 encoding, for the JSON results. */
  encoded(): string {
    return hdr.encodeIntoCompressedBase64(this.#histogram);
  }

  /** Points of the latency distribution: [percentile, micros] at log-spaced percentiles. */
  distribution(): [number, number][] {
    const points: [number, number][] = [];
    if (this.#histogram.totalCount === 0) return points;
    for (const p of [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100]) points.push([p, this.#histogram.getValueAtPercentile(p)]);
    return points;
  }
}
