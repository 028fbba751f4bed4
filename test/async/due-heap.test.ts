/**
 * The due-time heap (src/async/due-heap.ts) against a plain sort, on seeded random input with
 * many equal due times, pushes and pops interleaved.
 */
import { describe, expect, it } from 'vitest';
import { DueHeap, type DueItem } from '../../src/async/due-heap.js';
import { seededRandom as random } from '../helpers/seeded-random.js';

const byDueThenSeq = (a: DueItem, b: DueItem): number => a.dueAt - b.dueAt || a.seq - b.seq;

function drain<T extends DueItem>(heap: DueHeap<T>): T[] {
  const out: T[] = [];
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) out.push(item);
  return out;
}

describe('DueHeap', () => {
  it('is empty at first', () => {
    const heap = new DueHeap<DueItem>();
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
    expect(heap.size).toBe(0);
  });

  it('puts a retry due later behind a new event due now', () => {
    const heap = new DueHeap<DueItem & { id: string }>();
    heap.push({ dueAt: 120_000, seq: 1, id: 'retry' });
    heap.push({ dueAt: 0, seq: 2, id: 'new' });
    expect(heap.peek()?.id).toBe('new');
    expect(drain(heap).map((i) => i.id)).toEqual(['new', 'retry']);
  });

  it.each([1, 2, 3, 42, 1234, 99999])('pops in (dueAt, seq) order like a sort (seed %i)', (seed) => {
    const next = random(seed);
    const heap = new DueHeap<DueItem>();
    const items: DueItem[] = [];
    // Few distinct due times: ties decided by seq are the common case.
    for (let seq = 0; seq < 500; seq += 1) {
      const item = { dueAt: Math.floor(next() * 20), seq: Math.floor(next() * 1_000_000) };
      items.push(item);
      heap.push(item);
      expect(heap.size).toBe(seq + 1);
    }
    expect(heap.values()).toHaveLength(500);
    expect([...heap.values()].sort(byDueThenSeq)).toEqual([...items].sort(byDueThenSeq));
    const popped = drain(heap);
    expect(popped).toEqual([...items].sort(byDueThenSeq));
    expect(heap.size).toBe(0);
  });

  it.each([7, 8, 9, 10])('stays ordered with pushes and pops interleaved (seed %i)', (seed) => {
    const next = random(seed);
    const heap = new DueHeap<DueItem>();
    const model: DueItem[] = [];
    let seq = 0;
    for (let step = 0; step < 3000; step += 1) {
      if (next() < 0.55) {
        const item = { dueAt: Math.floor(next() * 50) - 10, seq: (seq += 1) };
        heap.push(item);
        model.push(item);
      } else {
        model.sort(byDueThenSeq);
        const expected = model.shift();
        expect(heap.peek()).toBe(expected);
        expect(heap.pop()).toBe(expected);
      }
      expect(heap.size).toBe(model.length);
    }
    expect(drain(heap)).toEqual(model.sort(byDueThenSeq));
  });

  it('returns the very objects pushed, duplicates included', () => {
    const heap = new DueHeap<DueItem>();
    const same = { dueAt: 5, seq: 5 };
    heap.push(same);
    heap.push(same);
    heap.push({ dueAt: 5, seq: 4 });
    const out = drain(heap);
    expect(out.map((i) => i.seq)).toEqual([4, 5, 5]);
    expect(out[1]).toBe(same);
    expect(out[2]).toBe(same);
  });
});
