/**
 * Kinesis stream mappings (src/event-sources/streams/) on real runtime processes behind a real
 * Platform, fed by the embedded Kinesis through @aws-sdk/client-kinesis: the event shape, order
 * per shard over several shards, ParallelizationFactor keeping each partition key in order,
 * starting positions, and filter criteria.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bootstrapFunction } from '../../helpers/function-config.js';
import { KinesisHarness, streamDefinition, streamMapping, type KinesisDelivery } from './kinesis-harness.js';

vi.setConfig({ testTimeout: 60_000 });

let harness: KinesisHarness | undefined;
afterEach(async (ctx) => { if (ctx.task.result?.state === 'fail') console.log(harness?.output.join('').slice(-3000)); await harness?.stop(); harness = undefined; });

const fn = (name: string) => bootstrapFunction(name, {}, 'kinesis-batch');

/** The first delivery of each sequence number, in the order the function saw them. */
function firstSeen(deliveries: readonly KinesisDelivery[]): KinesisDelivery[] {
  const seen = new Set<string>();
  return deliveries.filter((d) => (seen.has(d.seq) ? false : (seen.add(d.seq), true)));
}

/** Sequence numbers compare as decimal integers of equal length within a shard. */
const ascending = (seqs: readonly string[]): boolean => seqs.every((s, i) => i === 0 || BigInt(seqs[i - 1] as string) < BigInt(s));

describe('Kinesis mappings', () => {
  it('delivers every record once, in Lambda\'s event shape, in order within each of several shards', async () => {
    harness = await KinesisHarness.start([fn('consumer')]);
    const h = harness;
    const stream = streamDefinition('orders', 3);
    await h.serve([stream], [streamMapping(stream, 'consumer', { batchSize: 7 })]);
    const sent = Array.from({ length: 90 }, (_, i) => ({ key: `customer-${i % 13}`, data: JSON.stringify({ n: i }) }));
    const seqs = await h.put('orders', sent);
    await expect.poll(() => h.deliveries('consumer').length, { timeout: 30_000 }).toBe(90);
    const got = h.deliveries('consumer');
    expect(new Set(got.map((d) => d.seq))).toEqual(new Set(seqs));
    const shards = new Set(got.map((d) => d.shardId));
    expect(shards.size).toBeGreaterThan(1);
    for (const shard of shards) {
      const inShard = got.filter((d) => d.shardId === shard);
      expect(ascending(inShard.map((d) => d.seq))).toBe(true);
      // Within a shard, a key's records keep the order they were put in.
      for (const key of new Set(inShard.map((d) => d.key))) {
        const ns = inShard.filter((d) => d.key === key).map((d) => (JSON.parse(d.data) as { n: number }).n);
        expect(ns).toEqual([...ns].sort((a, b) => a - b));
      }
    }
    expect(Math.max(...h.batches('consumer').map((b) => b.length))).toBeLessThanOrEqual(7);
    const record = h.events('consumer')[0]?.Records[0] as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(['kinesis', 'eventSource', 'eventVersion', 'eventID', 'eventName', 'invokeIdentityArn', 'awsRegion', 'eventSourceARN']);
    expect(Object.keys(record.kinesis as object)).toEqual(['kinesisSchemaVersion', 'partitionKey', 'sequenceNumber', 'data', 'approximateArrivalTimestamp']);
    expect(record).toMatchObject({ eventSource: 'aws:kinesis', eventVersion: '1.0', eventName: 'aws:kinesis:record', awsRegion: 'us-east-1', eventSourceARN: stream.arn });
    const k = record.kinesis as { sequenceNumber: string; approximateArrivalTimestamp: number; kinesisSchemaVersion: string };
    expect(record.eventID).toMatch(new RegExp(`^shardId-\\d{12}:${k.sequenceNumber}$`));
    expect(k.kinesisSchemaVersion).toBe('1.0');
    expect(Math.abs(k.approximateArrivalTimestamp - Date.now() / 1000)).toBeLessThan(600);
    // IteratorAge: the age of the last invoke's newest record.
    expect(h.streams?.pollers[0]?.stats.iteratorAgeMs).toBeGreaterThanOrEqual(0);
    expect(h.streams?.pollers[0]?.stats.invocations).toBe(h.batches('consumer').length);
    // Measured for /metrics once per invoke (docs/metrics.md).
    const ages = h.measured.filter(([name, metric]) => name === 'consumer' && metric === 'IteratorAge');
    expect(ages).toHaveLength(h.streams?.pollers[0]?.stats.invocations ?? -1);
    for (const [, , age] of ages) expect(age).toBeGreaterThanOrEqual(0);
  });

  it('runs up to ParallelizationFactor batches of one shard at once, each partition key in order', async () => {
    harness = await KinesisHarness.start([fn('parallel')]);
    const h = harness;
    const stream = streamDefinition('clicks', 1);
    await h.serve([stream], [streamMapping(stream, 'parallel', { batchSize: 3, parallelizationFactor: 4 })]);
    const sent = Array.from({ length: 48 }, (_, i) => ({ key: `user-${i % 8}`, data: JSON.stringify({ n: i, sleepMs: 40 }) }));
    await h.put('clicks', sent);
    await expect.poll(() => h.deliveries('parallel').length, { timeout: 40_000 }).toBe(48);
    const got = h.deliveries('parallel');
    for (let u = 0; u < 8; u += 1) {
      const ns = got.filter((d) => d.key === `user-${u}`).map((d) => (JSON.parse(d.data) as { n: number }).n);
      expect(ns).toEqual(Array.from({ length: 6 }, (_, i) => u + 8 * i));
    }
    // Some invokes overlapped in time: batches of different key groups ran side by side.
    const spans = h.spans('parallel').sort((a, b) => a.start - b.start);
    const overlapping = spans.some((s, i) => spans.slice(i + 1).some((t) => t.start < s.end));
    expect(overlapping).toBe(true);
    // Every batch holds records of one key group only.
    for (const batch of h.batches('parallel')) expect(batch.length).toBeLessThanOrEqual(3);
  });

  it('starts at TRIM_HORIZON, LATEST or AT_TIMESTAMP', async () => {
    harness = await KinesisHarness.start([fn('old'), fn('new'), fn('since')]);
    const h = harness;
    const stream = streamDefinition('events', 2);
    // The stream and its records exist before the mappings start.
    await h.serve([stream], []);
    await h.put('events', [{ key: 'a', data: 'early-1' }, { key: 'b', data: 'early-2' }]);
    await new Promise((r) => setTimeout(r, 50));
    const cut = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    await h.put('events', [{ key: 'c', data: 'middle-1' }]);
    await h.addMappings([
      streamMapping(stream, 'old', { startingPosition: { kind: 'TRIM_HORIZON' } }),
      streamMapping(stream, 'new', { startingPosition: { kind: 'LATEST' } }),
      streamMapping(stream, 'since', { startingPosition: { kind: 'AT_TIMESTAMP', timestampMs: cut } }),
    ]);
    await h.put('events', [{ key: 'd', data: 'late-1' }, { key: 'e', data: 'late-2' }]);
    await expect.poll(() => h.deliveries('old').length, { timeout: 30_000 }).toBe(5);
    await expect.poll(() => h.deliveries('new').length, { timeout: 30_000 }).toBe(2);
    await expect.poll(() => h.deliveries('since').length, { timeout: 30_000 }).toBe(3);
    expect(h.deliveries('new').map((d) => d.data).sort()).toEqual(['late-1', 'late-2']);
    expect(h.deliveries('since').map((d) => d.data).sort()).toEqual(['late-1', 'late-2', 'middle-1']);
  });

  it('invokes only with the records a filter matches (data decoded as JSON), passing over the rest', async () => {
    harness = await KinesisHarness.start([fn('picky')]);
    const h = harness;
    const stream = streamDefinition('mixed', 1);
    await h.serve([stream], [streamMapping(stream, 'picky', { batchSize: 10, filters: [{ data: { kind: ['keep'] } }, { partitionKey: [{ prefix: 'vip-' }] }] })]);
    await h.put('mixed', [
      { key: 'a', data: '{"kind":"keep","n":1}' },
      { key: 'b', data: '{"kind":"drop","n":2}' },
      { key: 'c', data: 'not json, kind keep' },
      { key: 'vip-1', data: 'plain text from a vip' },
      { key: 'd', data: '{"kind":"keep","n":5}' },
    ]);
    await expect.poll(() => h.deliveries('picky').length, { timeout: 30_000 }).toBe(3);
    await expect.poll(() => h.streams?.pollers[0]?.stats.filtered, { timeout: 10_000 }).toBe(2);
    expect(h.deliveries('picky').map((d) => d.data)).toEqual(['{"kind":"keep","n":1}', 'plain text from a vip', '{"kind":"keep","n":5}']);
  });

  it('gathers a batch over MaximumBatchingWindowInSeconds; a disabled mapping never reads', async () => {
    harness = await KinesisHarness.start([fn('gatherer'), fn('off'), fn('eager')]);
    const h = harness;
    const stream = streamDefinition('trickle', 1);
    await h.serve([stream], [
      streamMapping(stream, 'gatherer', { batchSize: 50, maximumBatchingWindowSeconds: 5 }),
      streamMapping(stream, 'eager', { batchSize: 50 }),
      streamMapping(stream, 'off', { enabled: false }),
    ]);
    for (let i = 0; i < 4; i += 1) await h.put('trickle', Array.from({ length: 3 }, (_, j) => ({ key: 'k', data: `r${3 * i + j}` })));
    await expect.poll(() => h.deliveries('gatherer').length, { timeout: 30_000 }).toBe(12);
    // The 12 records, read over several polls, were put well within the 5 s window the first one opened: one invoke.
    expect(h.batches('gatherer')).toEqual([Array.from({ length: 12 }, (_, i) => `r${i}`)]);
    await expect.poll(() => h.deliveries('eager').length, { timeout: 30_000 }).toBe(12);
    expect(h.deliveries('off')).toEqual([]);
    expect(h.streams?.pollers[2]?.stats.shards).toBe(0);
  });

  it('keeps a tumbling window\'s state across invokes and ends each window with a final invoke', async () => {
    harness = await KinesisHarness.start([fn('windowed')]);
    const h = harness;
    const stream = streamDefinition('counted', 1);
    await h.serve([stream], [streamMapping(stream, 'windowed', { batchSize: 2, tumblingWindowSeconds: 1 })]);
    await h.put('counted', Array.from({ length: 7 }, (_, i) => ({ key: 'k', data: `{"n":${i}}` })));
    type Windowed = { Records: Array<{ kinesis: { approximateArrivalTimestamp: number } }>; window: { start: string; end: string }; state: { count?: number }; isFinalInvokeForWindow: boolean; isWindowTerminatedEarly: boolean; shardId: string; eventSourceARN: string };
    const events = (): Windowed[] => h.events('windowed') as unknown as Windowed[];
    const finals = (): Windowed[] => events().filter((e) => e.isFinalInvokeForWindow);
    // Every window that had records gets its final invoke, whose state counts the window's records.
    await expect.poll(() => {
      const starts = new Set(events().filter((e) => !e.isFinalInvokeForWindow).map((e) => e.window.start));
      return starts.size > 0 && [...starts].every((s) => finals().some((f) => f.window.start === s));
    }, { timeout: 20_000 }).toBe(true);
    let total = 0;
    for (const final of finals()) {
      expect(final.Records).toEqual([]);
      const inWindow = events().filter((e) => !e.isFinalInvokeForWindow && e.window.start === final.window.start);
      const count = inWindow.reduce((sum, e) => sum + e.Records.length, 0);
      expect(final.state).toEqual({ count });
      total += count;
      // Each invoke saw the state the previous one answered, and only records of its window.
      inWindow.reduce((seen, e) => {
        expect(e.state.count ?? 0).toBe(seen);
        for (const r of e.Records) {
          const at = r.kinesis.approximateArrivalTimestamp * 1000;
          expect(at >= Date.parse(e.window.start) && at < Date.parse(e.window.end)).toBe(true);
        }
        return seen + e.Records.length;
      }, 0);
      expect(Date.parse(final.window.end) - Date.parse(final.window.start)).toBe(1000);
      expect(final).toMatchObject({ shardId: 'shardId-000000000000', eventSourceARN: stream.arn, isWindowTerminatedEarly: false });
    }
    expect(total).toBe(7);
    expect(Object.keys(events()[0] ?? {})).toEqual(['Records', 'window', 'state', 'shardId', 'eventSourceARN', 'isFinalInvokeForWindow', 'isWindowTerminatedEarly']);
  });
});
