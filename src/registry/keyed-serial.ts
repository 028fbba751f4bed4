/**
 * Runs tasks one at a time per key, in arrival order: a function's changes never interleave, even
 * when a change waits on I/O (a store's write) between its check and its effect. A task that
 * names several keys waits for each key's earlier tasks; as every task only waits on tasks that
 * arrived before it, no two can wait on each other.
 */

/**
 * @example
 * const serial = new KeyedSerial();
 * await serial.run(['fn:a'], async () => update());
 */
export class KeyedSerial {
  #tails = new Map<string, Promise<void>>();

  run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const before = keys.map((key) => this.#tails.get(key) ?? Promise.resolve());
    const result = Promise.all(before).then(task);
    // The tail settles either way: one failed change must not block the next.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    for (const key of keys) this.#tails.set(key, tail);
    void tail.then(() => {
      for (const key of keys) if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Keys with a task queued or running (for tests: nothing is left behind). */
  get busyKeys(): number {
    return this.#tails.size;
  }
}
