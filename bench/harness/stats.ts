/**
 * Statistics of benchmark samples. Machines are noisy, so the harness reports medians, a spread
 * (p10-p90 and min-max) and ratios of medians measured in the same run, never single figures.
 */

/**
 * Linearly interpolated quantile (q in [0, 1]) of the values; NaN for none.
 *
 * @example quantile([1, 2, 3, 4], 0.5) // 2.5
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const low = sorted[lo] as number;
  return low + ((sorted[hi] as number) - low) * (at - lo);
}

/** @example median([3, 1, 2]) // 2 */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export interface Spread {
  readonly count: number;
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
  /** (p90 - p10) / median: how much to trust the median (0.1 = within about 10 %). */
  readonly relative: number;
}

/**
 * Median and spread of a set of samples (one per round, or raw samples).
 *
 * @example spread([10, 11, 12]).median // 11
 */
export function spread(values: readonly number[]): Spread {
  const m = median(values);
  const p10 = quantile(values, 0.1);
  const p90 = quantile(values, 0.9);
  return {
    count: values.length,
    median: m,
    p10,
    p90,
    min: values.length === 0 ? Number.NaN : Math.min(...values),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
    relative: m === 0 ? Number.NaN : (p90 - p10) / m,
  };
}

/**
 * A ratio of two medians, and the range of per-round ratios when both sides have one sample per
 * round (the spread of the ratio itself, which is what alternation makes trustworthy).
 *
 * @example ratioOf([2, 2.2], [1, 1]) // { value: 2.1, low: 2, high: 2.2 }
 */
export function ratioOf(a: readonly number[], b: readonly number[]): { value: number; low: number; high: number } {
  const value = median(a) / median(b);
  if (a.length !== b.length || a.length === 0) return { value, low: value, high: value };
  const perRound = a.map((x, i) => x / (b[i] as number));
  return { value, low: Math.min(...perRound), high: Math.max(...perRound) };
}

/**
 * The order in which the sides run in each round: every side once per round, the starting side
 * rotated every round so none always runs first (first runs pay cold caches, later runs pay the
 * heat of the earlier ones).
 *
 * @example alternation(['a', 'b'], 3) // [['a','b'], ['b','a'], ['a','b']]
 */
export function alternation<T>(sides: readonly T[], rounds: number): T[][] {
  const order: T[][] = [];
  for (let round = 0; round < rounds; round += 1) {
    const shift = sides.length === 0 ? 0 : round % sides.length;
    order.push([...sides.slice(shift), ...sides.slice(0, shift)]);
  }
  return order;
}

/** Run `measure` for each side in alternating rounds; the samples per side, one per round. */
export async function inRounds<T extends string>(
  sides: readonly T[],
  rounds: number,
  measure: (side: T, round: number) => Promise<number>,
): Promise<Map<T, number[]>> {
  const samples = new Map<T, number[]>(sides.map((side) => [side, []]));
  let round = 0;
  for (const order of alternation(sides, rounds)) {
    for (const side of order) samples.get(side)?.push(await measure(side, round));
    round += 1;
  }
  return samples;
}
