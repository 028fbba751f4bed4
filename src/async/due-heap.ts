/**
 * A binary min-heap of items by due time, then by arrival order: the queue of one function's
 * events, where a retry due in two minutes must not hold back a new event due now.
 */

export interface DueItem {
  readonly dueAt: number;
  readonly seq: number;
}

function before(a: DueItem, b: DueItem): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
}

/**
 * @example
 * const heap = new DueHeap<{ dueAt: number; seq: number }>();
 * heap.push({ dueAt: 5, seq: 1 });
 * heap.peek()?.dueAt; // 5
 */
export class DueHeap<T extends DueItem> {
  #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (!before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && before(items[right] as T, items[left] as T) ? right : left;
      if (!before(items[child] as T, last)) break;
      items[i] = items[child] as T;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** Every item, in no particular order. */
  values(): readonly T[] {
    return this.#items;
  }
}
