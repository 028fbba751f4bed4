/**
 * A small seeded PRNG (mulberry32) so every fuzz case can be replayed from the number printed
 * with a failure. Math.random() would make a failure unrepeatable.
 */

/** A deterministic random source; the same seed gives the same sequence on every machine. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /**
   * A float in [0, 1).
   *
   * @example
   * new Rng(1).next(); // 0.6270739405881613, always
   */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /**
   * One element of a non-empty list.
   *
   * @example
   * new Rng(7).pick(['a', 'b']); // 'a' or 'b', the same one for seed 7
   */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 1) out[i] = this.int(256);
    return out;
  }

  /** A seed for a child generator (one per case), so a case replays without the ones before it. */
  fork(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
}

/**
 * A fresh random seed for a long run (printed, so the run can be replayed).
 *
 * @example
 * const seed = randomSeed(); // e.g. 2873016152
 */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0;
}
