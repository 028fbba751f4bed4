/** Telemetry batching: by maxItems, by maxBytes, by timeoutMs, in order. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TelemetryBatcher, type TelemetryEvent } from '../../src/observability/telemetry-batcher.js';

const event = (n: number, pad = 0): TelemetryEvent => ({ time: '2026-01-01T00:00:00.000Z', type: 'function', record: `${n}${'x'.repeat(pad)}` });

function recorder(): { batches: TelemetryEvent[][]; send: (batch: readonly TelemetryEvent[]) => Promise<void> } {
  const batches: TelemetryEvent[][] = [];
  return { batches, send: async (batch) => void batches.push([...batch]) };
}

afterEach(() => vi.useRealTimers());

describe('TelemetryBatcher', () => {
  it('sends a batch as soon as it holds maxItems events', async () => {
    const { batches, send } = recorder();
    const batcher = new TelemetryBatcher({ maxItems: 3, maxBytes: 1_000_000, timeoutMs: 30_000 }, send);
    for (let n = 0; n < 7; n += 1) batcher.push(event(n));
    await batcher.flush();
    expect(batches.map((b) => b.map((e) => e.record))).toEqual([['0', '1', '2'], ['3', '4', '5'], ['6']]);
  });

  it('never lets a batch grow past maxBytes', async () => {
    const { batches, send } = recorder();
    const size = Buffer.byteLength(JSON.stringify(event(0, 100)));
    const batcher = new TelemetryBatcher({ maxItems: 1000, maxBytes: size * 2 + 1, timeoutMs: 30_000 }, send);
    for (let n = 0; n < 5; n += 1) batcher.push(event(n, 100));
    await batcher.flush();
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const batch of batches) expect(batch.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)), 0)).toBeLessThanOrEqual(size * 2 + 1);
  });

  it('sends what it holds timeoutMs after the first event', async () => {
    vi.useFakeTimers();
    const { batches, send } = recorder();
    const batcher = new TelemetryBatcher({ maxItems: 1000, maxBytes: 1_000_000, timeoutMs: 500 }, send);
    batcher.push(event(1));
    await vi.advanceTimersByTimeAsync(499);
    batcher.push(event(2));
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches.map((b) => b.map((e) => e.record))).toEqual([['1', '2']]);
  });

  it('keeps order across batches when a send is slow, and a failed send drops only its batch', async () => {
    const received: string[] = [];
    let calls = 0;
    const send = async (batch: readonly TelemetryEvent[]): Promise<void> => {
      calls += 1;
      if (calls === 1) await new Promise((resolve) => setTimeout(resolve, 20));
      if (calls === 2) throw new Error('subscriber down');
      received.push(...batch.map((e) => (e.type === 'function' ? String(e.record) : e.type)));
    };
    const batcher = new TelemetryBatcher({ maxItems: 1, maxBytes: 1_000_000, timeoutMs: 30_000 }, send);
    for (let n = 0; n < 4; n += 1) batcher.push(event(n));
    await batcher.flush();
    // The lost batch is told in the next one that goes out.
    expect(received).toEqual(['0', 'platform.logsDropped', '2', '3']);
  });
});

describe('a subscriber that falls behind', () => {
  it('holds at most MAX_PENDING_BATCHES batches, drops the rest and tells it with the next batch sent', async () => {
    const { MAX_PENDING_BATCHES, LOGS_DROPPED_REASON } = await import('../../src/observability/telemetry-batcher.js');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sent: TelemetryEvent[][] = [];
    const batcher = new TelemetryBatcher({ maxItems: 1, maxBytes: 1_000_000, timeoutMs: 30_000 }, async (batch) => {
      await gate;
      sent.push([...batch]);
    });
    for (let n = 0; n < MAX_PENDING_BATCHES + 5; n += 1) batcher.push(event(n));
    expect(batcher.dropped).toBe(5);
    release();
    await batcher.flush();
    expect(sent.length).toBe(MAX_PENDING_BATCHES);
    // The first batch went out after the drops: it leads with their count and size.
    const droppedBytes = [8, 9, 10, 11, 12].reduce((sum, n) => sum + Buffer.byteLength(JSON.stringify(event(n))), 0);
    expect(sent[0]?.[0]).toMatchObject({ type: 'platform.logsDropped', record: { reason: LOGS_DROPPED_REASON, droppedRecords: 5, droppedBytes } });
    expect(sent[0]?.map((e) => e.record)).toEqual([expect.anything(), '0']);
    expect(sent.slice(1).flat().map((e) => e.type)).not.toContain('platform.logsDropped');
    batcher.push(event(99));
    await batcher.flush();
    expect(sent.length).toBe(MAX_PENDING_BATCHES + 1);
    expect(sent.at(-1)?.map((e) => e.record)).toEqual(['99']);
  });

  it('keeps the count of a loss whose report was itself lost, for the next batch', async () => {
    const sent: TelemetryEvent[][] = [];
    let calls = 0;
    const batcher = new TelemetryBatcher({ maxItems: 1, maxBytes: 1_000_000, timeoutMs: 30_000 }, async (batch) => {
      calls += 1;
      if (calls <= 2) throw new Error('subscriber down');
      sent.push([...batch]);
    });
    for (let n = 0; n < 3; n += 1) batcher.push(event(n));
    await batcher.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.[0]?.record).toMatchObject({ droppedRecords: 2 });
    expect(sent[0]?.[1]?.record).toBe('2');
    expect(batcher.dropped).toBe(2);
  });
});
