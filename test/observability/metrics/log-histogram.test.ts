import { describe, expect, it } from 'vitest';
import { LogHistogram } from '../../../src/observability/metrics/log-histogram.js';
import { seededRandom } from '../../helpers/seeded-random.js';

/** The exact value at quantile q: the ⌈q·n⌉-th smallest, as the histogram defines it. */
function exact(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? Number.NaN;
}

describe('LogHistogram', () => {
  it('reports quantiles within 2.2% of the exact ones, the exact maximum, sum and count', () => {
    const random = seededRandom(17);
    const values: number[] = [];
    const h = new LogHistogram();
    for (let i = 0; i < 20_000; i += 1) {
      // Log-normal-ish durations from 0.05 ms to several seconds.
      const v = Math.exp(random() * 12 - 3);
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.01, 0.5, 0.9, 0.99, 0.999]) {
      const want = exact(values, q);
      expect(Math.abs(h.quantile(q) - want) / want, `q=${q}`).toBeLessThanOrEqual(0.0222);
    }
    expect(h.quantile(1)).toBe(values.at(-1));
    expect(h.max).toBe(values.at(-1));
    expect(h.min).toBe(values[0]);
    expect(h.count).toBe(20_000);
    expect(h.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 6);
  });

  it('keeps a single value exact and a constant distribution exact at every quantile', () => {
    const h = new LogHistogram();
    for (let i = 0; i < 5; i += 1) h.record(12.34);
    for (const q of [0, 0.5, 0.99, 1]) expect(h.quantile(q)).toBe(12.34);
  });

  it('ignores what is not a duration, and answers NaN when empty', () => {
    const h = new LogHistogram();
    expect(h.quantile(0.5)).toBeNaN();
    for (const v of [Number.NaN, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) h.record(v);
    expect(h.count).toBe(0);
    h.record(0);
    h.record(1e12);
    expect(h.count).toBe(2);
    expect(h.quantile(0.5)).toBe(0);
    expect(h.quantile(1)).toBe(1e12);
  });

  it('merges: the merged quantiles are those of all the values', () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    const all = new LogHistogram();
    for (let i = 1; i <= 1000; i += 1) {
      (i % 3 === 0 ? a : b).record(i);
      all.record(i);
    }
    a.merge(b);
    a.merge(new LogHistogram());
    expect(a.count).toBe(1000);
    expect(a.max).toBe(1000);
    for (const q of [0.5, 0.9, 0.99]) expect(a.quantile(q)).toBe(all.quantile(q));
  });
});
