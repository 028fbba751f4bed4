/**
 * A fixed-capacity list that forgets its oldest items, and remembers how many were added since
 * it was last asked: the dashboard's bounded lists (log tail, invocations, throttles) and their
 * deltas in one structure, with nothing kept twice.
 */

/**
 * @example
 * const ring = new Ring<string>(2);
 * ring.push('a'); ring.push('b'); ring.push('c');
 * ring.all(); // ['b', 'c']
 * ring.takeNew(); // { items: ['b', 'c'], dropped: 1 }
 */
export class Ring<T> {
  readonly #items: Array<T | undefined>;
  #next = 0;
  #size = 0;
  #added = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a ring holds at least one item, got ${capacity}`);
    this.#items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size += 1;
    this.#added += 1;
  }

  /** The items held, oldest first. */
  all(): T[] {
    return this.#last(this.#size);
  }

  /** The items added since the last call (those still held) and how many of them were already forgotten. */
  takeNew(): { items: T[]; dropped: number } {
    const held = Math.min(this.#added, this.#size);
    const dropped = this.#added - held;
    this.#added = 0;
    return { items: this.#last(held), dropped };
  }

  #last(n: number): T[] {
    const out: T[] = [];
    for (let i = n; i > 0; i -= 1) out.push(this.#items[(this.#next - i + this.capacity) % this.capacity] as T);
    return out;
  }
}
