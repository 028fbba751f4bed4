/**
 * Lambda's scaling rate (docs/limits.md): each function may add at most 1,000 execution
 * environments per 10 seconds. A burst past that waits for the next slot instead of forking
 * without bound; the wait counts against the invocation's own time, as queueing does on Lambda.
 */

export const DEFAULT_SCALE_OUT = { environments: 1000, perMs: 10_000 } as const;

/**
 * A token bucket refilled continuously: `environments` tokens per `perMs`, burst of the same size.
 *
 * @example
 * const limiter = new ScaleOutLimiter(1000, 10_000);
 * await limiter.take(); // resolves at once while the budget lasts
 */
export class ScaleOutLimiter {
  readonly #capacity: number;
  readonly #msPerToken: number;
  #tokens: number;
  #updatedAt: number;
  #waiting: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(environments: number, perMs: number) {
    if (!(environments >= 1) || !(perMs > 0)) throw new RangeError(`scale-out rate must be positive, got ${environments} per ${perMs} ms`);
    this.#capacity = environments;
    this.#msPerToken = perMs / environments;
    this.#tokens = environments;
    this.#updatedAt = performance.now();
  }

  /** Resolves when a new environment may start. */
  take(): Promise<void> {
    this.#refill();
    if (this.#waiting.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#schedule();
    });
  }

  /** Environments that are waiting for a slot now. */
  get queued(): number {
    return this.#waiting.length;
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) / this.#msPerToken);
    this.#updatedAt = now;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const wait = Math.max(1, Math.ceil((1 - this.#tokens) * this.#msPerToken));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#refill();
      while (this.#waiting.length > 0 && this.#tokens >= 1) {
        this.#tokens -= 1;
        (this.#waiting.shift() as () => void)();
      }
      if (this.#waiting.length > 0) this.#schedule();
    }, wait);
  }
}
