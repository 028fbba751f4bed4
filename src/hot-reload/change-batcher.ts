/**
 * Coalescing of file events into reload batches (docs/hot-reload.md): a save is several events
 * (an editor's temporary file, its rename, the directory's change), an `npm install` thousands.
 * A batch is handed over once its paths have been quiet for a short while: briefly for ordinary
 * files, so a save reaches the next invoke quickly, longer once the batch holds a path under
 * `node_modules`, so an install is one reload rather than one per package. A batch that never
 * goes quiet (a process writing without pause) is handed over anyway after a cap, so that a
 * reload is neither starved nor repeated more often than once per cap.
 */

export interface BatchTimings {
  /** Quiet time that ends a batch of ordinary paths. */
  readonly quietMs: number;
  /** Quiet time that ends a batch holding a `node_modules` path. */
  readonly packagesQuietMs: number;
  /** The longest a batch is held after its first path, however busy. */
  readonly capMs: number;
  readonly packagesCapMs: number;
}

/** 25 ms: an editor's save is over well within it; the reload then has most of a 300 ms budget. */
export const DEFAULT_TIMINGS: BatchTimings = { quietMs: 25, packagesQuietMs: 400, capMs: 1_000, packagesCapMs: 10_000 };

/** Timers, so tests can run a batcher on a fake clock. */
export interface BatchClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_CLOCK: BatchClock = {
  now: () => performance.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A path inside some package installation. @example inPackages('/p/node_modules/x/i.js') // true */
export function inPackages(path: string): boolean {
  return /(^|[\\/])node_modules([\\/]|$)/.test(path);
}

/**
 * @example
 * const batcher = new ChangeBatcher((paths) => reload(paths));
 * batcher.add('/project/src/app.js'); // reload([...]) about 25 ms after the last add
 */
export class ChangeBatcher {
  readonly #flush: (paths: ReadonlySet<string>) => void;
  readonly #timings: BatchTimings;
  readonly #clock: BatchClock;
  #paths = new Set<string>();
  #packages = false;
  #firstAt = 0;
  #timer: unknown;
  #closed = false;

  constructor(flush: (paths: ReadonlySet<string>) => void, timings: BatchTimings = DEFAULT_TIMINGS, clock: BatchClock = REAL_CLOCK) {
    this.#flush = flush;
    this.#timings = timings;
    this.#clock = clock;
  }

  /** Paths waiting in the current batch. */
  get pending(): number {
    return this.#paths.size;
  }

  add(path: string): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    if (this.#paths.size === 0) this.#firstAt = now;
    this.#paths.add(path);
    if (inPackages(path)) this.#packages = true;
    const quiet = this.#packages ? this.#timings.packagesQuietMs : this.#timings.quietMs;
    const cap = this.#packages ? this.#timings.packagesCapMs : this.#timings.capMs;
    const wait = Math.max(0, Math.min(quiet, this.#firstAt + cap - now));
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => this.#hand(), wait);
  }

  /** Drop what is pending; nothing is handed over after this. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#paths = new Set();
  }

  #hand(): void {
    this.#timer = undefined;
    const paths = this.#paths;
    this.#paths = new Set();
    this.#packages = false;
    if (paths.size > 0) this.#flush(paths);
  }
}
