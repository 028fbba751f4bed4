import { describe, expect, it } from 'vitest';
import { type BatchClock, ChangeBatcher, inPackages } from '../../src/hot-reload/change-batcher.js';

/** A clock that only moves when the test moves it. */
function fakeClock(): BatchClock & { advance(ms: number): void } {
  let now = 0;
  const timers = new Map<number, { at: number; run: () => void }>();
  let next = 1;
  return {
    now: () => now,
    setTimeout: (run, ms) => {
      const id = next++;
      timers.set(id, { at: now + ms, run });
      return id;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].run();
      }
      now = end;
    },
  };
}

const TIMINGS = { quietMs: 20, packagesQuietMs: 300, capMs: 1000, packagesCapMs: 5000 };

function batcherOn(clock: ReturnType<typeof fakeClock>): { batcher: ChangeBatcher; batches: string[][] } {
  const batches: string[][] = [];
  return { batcher: new ChangeBatcher((paths) => batches.push([...paths].sort()), TIMINGS, clock), batches };
}

describe('ChangeBatcher', () => {
  it('hands over the events of one save as one batch once they are quiet', () => {
    const clock = fakeClock();
    const { batcher, batches } = batcherOn(clock);
    batcher.add('/p/src/.app.js.swp');
    clock.advance(5);
    batcher.add('/p/src/app.js');
    batcher.add('/p/src/app.js');
    clock.advance(19);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([['/p/src/.app.js.swp', '/p/src/app.js']]);
    expect(batcher.pending).toBe(0);
  });

  it('waits longer once a node_modules path is in the batch (an install is one reload)', () => {
    const clock = fakeClock();
    const { batcher, batches } = batcherOn(clock);
    batcher.add('/p/src/package-lock.json');
    for (let i = 0; i < 20; i += 1) {
      batcher.add(`/p/src/node_modules/pkg${i}/index.js`);
      clock.advance(100);
    }
    expect(batches).toEqual([]);
    clock.advance(300);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(21);
  });

  it('hands a batch that never goes quiet over at its cap, then starts the next', () => {
    const clock = fakeClock();
    const { batcher, batches } = batcherOn(clock);
    for (let i = 0; i < 200; i += 1) {
      batcher.add(`/p/src/out${i % 3}.log`);
      clock.advance(10);
    }
    // 2000 ms of writes every 10 ms: one batch per 1000 ms cap, never one per write.
    expect(batches).toHaveLength(2);
    batcher.add('/p/src/out0.log');
    clock.advance(20);
    expect(batches).toHaveLength(3);
  });

  it('hands nothing over after close', () => {
    const clock = fakeClock();
    const { batcher, batches } = batcherOn(clock);
    batcher.add('/p/a.js');
    batcher.close();
    batcher.add('/p/b.js');
    clock.advance(10_000);
    expect(batches).toEqual([]);
  });

  it('tells package paths apart by a whole node_modules segment', () => {
    expect(inPackages('/p/node_modules/x/index.js')).toBe(true);
    expect(inPackages('/p/node_modules')).toBe(true);
    expect(inPackages('/p/my_node_modules_notes.txt')).toBe(false);
    expect(inPackages('/p/src/not-node_modules/a.js')).toBe(false);
  });
});
