/**
 * Draining retirement of one version's pool (docs/control-plane.md, "Draining retirement"): once
 * its version was replaced or deleted, its idle environments end now, a busy one ends when its
 * invocation has ended (or serves an invocation the pool accepted before), none is reused and
 * the drain settles when the last environment has exited. `FunctionPool` owns the environments;
 * this module decides what happens to them while the pool drains.
 */
import type { ExecutionEnvironment } from './environment.js';

/** What a drain needs of its pool. */
export interface DrainablePool {
  /** Remove and hand over the idle environments (their idle timers cleared). */
  takeIdle(): ExecutionEnvironment[];
  /** No environment alive, and none being started. */
  isEmpty(): boolean;
  /** The next invocation of this pool waiting for a free environment, if any. */
  takeWaiter(): ((env: ExecutionEnvironment) => void) | undefined;
  /** Release what the pool's sandboxes share, once it is empty. */
  dispose(): Promise<void> | undefined;
}

/**
 * Retire a free environment once its invocation's END and REPORT lines are written (they are
 * written on the next turn, environment.ts).
 *
 * @example retireSoon(env); // a surplus provisioned environment that just became idle
 */
export function retireSoon(env: ExecutionEnvironment): void {
  setImmediate(() => {
    if (env.state === 'idle') env.retire();
  });
}

/**
 * @example
 * const drain = new PoolDrain(pool);
 * void drain.start(); // drain.active === true; settles when the last environment exited
 */
export class PoolDrain {
  readonly #pool: DrainablePool;
  #active = false;
  /** Settles once the pool has no environment left. */
  #drained: Promise<void> | undefined;
  #whenEmpty: (() => void) | undefined;

  constructor(pool: DrainablePool) {
    this.#pool = pool;
  }

  /** Retired while environments may still be busy: none of them is used again once free. */
  get active(): boolean {
    return this.#active;
  }

  /** Start draining (once; later calls answer the same promise). */
  start(): Promise<void> {
    if (this.#drained !== undefined) return this.#drained;
    this.#active = true;
    for (const env of this.#pool.takeIdle()) env.retire();
    const empty = new Promise<void>((resolve) => {
      this.#whenEmpty = resolve;
    });
    this.checkEmpty();
    this.#drained = empty.then(() => this.#pool.dispose());
    return this.#drained;
  }

  /** Called whenever an environment exits or a start ends: settles the drain once none is left. */
  checkEmpty(): void {
    if (this.#whenEmpty === undefined || !this.#pool.isEmpty()) return;
    this.#whenEmpty();
    this.#whenEmpty = undefined;
  }

  /**
   * A draining pool's environment is free: an invocation of this pool that waits for it (one
   * accepted before the retirement) still gets it; otherwise it ends, after its END and REPORT.
   */
  free(env: ExecutionEnvironment): void {
    const waiter = env.state === 'idle' && !env.provisioned ? this.#pool.takeWaiter() : undefined;
    if (waiter !== undefined) return waiter(env);
    retireSoon(env);
  }
}
