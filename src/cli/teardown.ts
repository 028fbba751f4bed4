/**
 * The parts `lamina serve` has started, stopped in the reverse order of their start: at shutdown,
 * and when a later part fails to start (so a port that is taken never leaves the earlier listeners,
 * the queue's writer thread or the state directory's lock behind).
 */

type Step = () => unknown;

export class Teardown {
  readonly #steps: Step[] = [];
  #ran = false;

  /** Add a step; it runs before every step added earlier. */
  add(step: Step): void {
    this.#steps.push(step);
  }

  /**
   * Start one part and add its stop; when the start fails, stop everything started so far and
   * throw the start's error (through `wrap` when given).
   *
   * @example
   * const apis = await teardown.start(() => startApis(...), (a) => a.close());
   */
  async start<T>(start: () => T | Promise<T>, stop: (part: T) => unknown, wrap?: (error: Error) => Error): Promise<T> {
    let part: T;
    try {
      part = await start();
    } catch (error) {
      await this.run();
      throw wrap === undefined ? error : wrap(error as Error);
    }
    this.add(() => stop(part));
    return part;
  }

  /** Run every step, latest first, once; a step that throws does not stop the others. */
  async run(): Promise<void> {
    if (this.#ran) return;
    this.#ran = true;
    const failures: unknown[] = [];
    for (const step of this.#steps.reverse()) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) process.stderr.write(`lamina: ${failures.length} part(s) did not stop cleanly: ${failures.map(String).join('; ')}\n`);
  }
}

/** A function that does its work the first time only (a stop registered at two places). */
export function once(fn: () => unknown): () => unknown {
  let done = false;
  let result: unknown;
  return () => {
    if (!done) {
      done = true;
      result = fn();
    }
    return result;
  };
}
