/**
 * SQS event source mappings on standard queues (src/event-sources/sqs/), on real runtime processes
 * behind a real Platform, fed by the embedded SQS server: batches and their deletion, batch size and
 * window, partial batch failures, redelivery and the dead-letter queue, filters, stop and Enabled.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bootstrapFunction } from '../../helpers/function-config.js';
import { queueDefinition } from '../../services/sqs/sqs-test-server.js';
import { MappingHarness } from './sqs-mapping-harness.js';

// Polls wait out visibility timeouts and long polls; a loaded machine (the full suite on 2 cores) needs room.
vi.setConfig({ testTimeout: 60_000 });

let harness: MappingHarness | undefined;
afterEach(async () => { await harness?.stop(); harness = undefined; });

const consumer = bootstrapFunction('consumer', {}, 'sqs-batch');
/** One poller and no scale-up: batches form the same way on every run. */
const ONE_POLLER = { scaling: { initial: 1, perMinute: 0 } };
const dlq = queueDefinition('work-dlq');
/** A 1 s visibility timeout and a redrive after the second receive. */
const redriven = (name: string) => queueDefinition(name, { visibilityTimeout: 1, redrive: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 } });

describe('standard queues', () => {
  it('delivers a batch in Lambda\'s event shape and deletes it on success', async () => {
    const queue = queueDefinition('orders');
    harness = await MappingHarness.start([queue], [bootstrapFunction('raw', {}, 'recorder')]);
    const h = harness;
    h.poll(queue, 'raw');
    await h.send('orders', ['{"n":1}', '{"n":2}', '{"n":3}']);
    const events = (): Array<{ Records: Array<Record<string, unknown>> }> => h.output.join('').split('\n')
      .map((l) => /^\[raw\] RECEIVED \S+ \S+ (.*)$/.exec(l)?.[1]).filter((b): b is string => b !== undefined).map((b) => JSON.parse(b) as { Records: Array<Record<string, unknown>> });
    await expect.poll(() => events().flatMap((e) => e.Records).length, { timeout: 30_000 }).toBe(3);
    const records = events().flatMap((e) => e.Records);
    expect(records.map((r) => r['body']).sort()).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    for (const r of records) {
      expect(Object.keys(r)).toEqual(['messageId', 'receiptHandle', 'body', 'attributes', 'messageAttributes', 'md5OfBody', 'eventSource', 'eventSourceARN', 'awsRegion']);
      expect(r).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: queue.arn, awsRegion: 'us-east-1', attributes: { ApproximateReceiveCount: '1', SenderId: 'AKIDLAMINATEST' } });
    }
    await expect.poll(() => h.depth('orders'), { timeout: 20_000 }).toBe(0);
  });

  it('honours BatchSize with a zero window, and gathers across receives within the window', async () => {
    const small = queueDefinition('small');
    const windowed = queueDefinition('windowed');
    harness = await MappingHarness.start([small, windowed], [consumer, bootstrapFunction('gatherer', {}, 'sqs-batch')]);
    const h = harness;
    await h.send('small', Array.from({ length: 7 }, (_, i) => `s${i}`));
    await h.send('windowed', Array.from({ length: 25 }, (_, i) => `w${i}`));
    h.poll(small, 'consumer', { batchSize: 3 }, ONE_POLLER);
    // 25 records from three receives (10 + 10 + 5) within a 5 s window: one invoke.
    h.poll(windowed, 'gatherer', { batchSize: 25, maximumBatchingWindowSeconds: 5 }, ONE_POLLER);
    await expect.poll(() => h.deliveries('consumer').length, { timeout: 30_000 }).toBe(7);
    await expect.poll(() => h.deliveries('gatherer').length, { timeout: 30_000 }).toBe(25);
    expect(h.batches('consumer')).toEqual([3, 3, 1]);
    expect(h.batches('gatherer')).toEqual([25]);
    expect(h.deliveries('gatherer').map((d) => d.body).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `w${i}`).sort());
    await expect.poll(async () => await h.depth('small') + await h.depth('windowed'), { timeout: 20_000 }).toBe(0);
  });

  it('a window that closes before BatchSize invokes with what it has', async () => {
    const queue = queueDefinition('slow');
    harness = await MappingHarness.start([queue], [consumer]);
    const h = harness;
    h.poll(queue, 'consumer', { batchSize: 100, maximumBatchingWindowSeconds: 1 }, ONE_POLLER);
    await h.send('slow', ['a', 'b']);
    await expect.poll(() => h.deliveries('consumer').length, { timeout: 30_000 }).toBe(2);
    expect(h.batches('consumer').reduce((a, b) => a + b, 0)).toBe(2);
    await expect.poll(() => h.depth('slow'), { timeout: 20_000 }).toBe(0);
  });

  it('ReportBatchItemFailures: deletes all but the reported messages; the reported one reaches the DLQ', async () => {
    const queue = redriven('partial');
    harness = await MappingHarness.start([queue, dlq], [consumer]);
    const h = harness;
    h.poll(queue, 'consumer', { reportBatchItemFailures: true }, ONE_POLLER);
    await h.send('partial', ['{"ok":1}', '{"itemFail":true}', '{"ok":2}']);
    await expect.poll(() => h.drain('work-dlq'), { timeout: 30_000 }).toEqual(['{"itemFail":true}']);
    const seen = h.deliveries('consumer');
    expect(seen.filter((d) => d.body === '{"ok":1}').map((d) => d.receiveCount)).toEqual([1]);
    expect(seen.filter((d) => d.body === '{"ok":2}').map((d) => d.receiveCount)).toEqual([1]);
    expect(seen.filter((d) => d.body === '{"itemFail":true}').map((d) => d.receiveCount)).toEqual([1, 2]);
    await expect.poll(() => h.depth('partial'), { timeout: 20_000 }).toBe(0);
  });

  it('an itemIdentifier naming no message fails the whole batch; without ReportBatchItemFailures the answer is ignored', async () => {
    const reported = redriven('invalid-answer');
    const ignored = queueDefinition('ignored');
    harness = await MappingHarness.start([reported, ignored, dlq], [consumer, bootstrapFunction('plain', {}, 'sqs-batch')]);
    const h = harness;
    h.poll(reported, 'consumer', { reportBatchItemFailures: true }, ONE_POLLER);
    h.poll(ignored, 'plain', {}, ONE_POLLER);
    await h.send('invalid-answer', ['{"ok":3}', '{"badItem":true}']);
    await h.send('ignored', ['{"itemFail":true}']);
    await expect.poll(async () => (await h.drain('work-dlq')).length, { timeout: 30_000 }).toBe(2);
    for (const body of ['{"ok":3}', '{"badItem":true}']) {
      expect(h.deliveries('consumer').filter((d) => d.body === body).map((d) => d.receiveCount)).toEqual([1, 2]);
    }
    await expect.poll(() => h.depth('ignored'), { timeout: 20_000 }).toBe(0);
    expect(h.deliveries('plain').map((d) => d.receiveCount)).toEqual([1]);
  });

  it('a function error deletes nothing: redelivered after the visibility timeout, then moved to the DLQ', async () => {
    const queue = redriven('failing');
    harness = await MappingHarness.start([queue, dlq], [consumer]);
    const h = harness;
    const poller = h.poll(queue, 'consumer', {}, ONE_POLLER);
    await h.send('failing', ['{"fail":true}']);
    await expect.poll(() => h.drain('work-dlq'), { timeout: 30_000 }).toEqual(['{"fail":true}']);
    expect(h.deliveries('consumer').map((d) => d.receiveCount)).toEqual([1, 2]);
    expect(poller.stats).toMatchObject({ invocations: 2, failedBatches: 2, deleted: 0 });
    expect(h.output.join('')).toContain('END RequestId');
  });

  it('keeps the event within 6 MB: a message that would not fit goes back to the queue for the next batch', async () => {
    const queue = queueDefinition('large');
    harness = await MappingHarness.start([queue], [consumer]);
    const h = harness;
    // 1,000,000-byte bodies: six make an event just under 6 MiB, a seventh would not fit.
    for (let i = 0; i < 7; i += 1) await h.sqs.server.service.send({ QueueUrl: 'large', MessageBody: String(i).repeat(1_000_000) });
    h.poll(queue, 'consumer', { batchSize: 10, maximumBatchingWindowSeconds: 2 }, ONE_POLLER);
    await expect.poll(() => h.deliveries('consumer').length, { timeout: 20_000 }).toBe(7);
    expect(h.batches('consumer')).toEqual([6, 1]);
    expect(h.deliveries('consumer').every((d) => d.body === 'LONG:1000000')).toBe(true);
    // The one handed back was received a second time.
    expect(h.deliveries('consumer').map((d) => d.receiveCount)).toEqual([1, 1, 1, 1, 1, 1, 2]);
    await expect.poll(() => h.depth('large'), { timeout: 20_000 }).toBe(0);
  });

  it('records the filter refuses are deleted without an invoke', async () => {
    const queue = queueDefinition('filtered');
    harness = await MappingHarness.start([queue], [consumer]);
    const h = harness;
    const keep = (record: unknown): boolean => {
      const body = (record as { body?: unknown }).body;
      try { return typeof body === 'string' && (JSON.parse(body) as { keep?: unknown }).keep === true; } catch { return false; }
    };
    const poller = h.poll(queue, 'consumer', {}, { matches: keep });
    await h.send('filtered', ['{"keep":true,"n":1}', '{"keep":false}', 'not json', '{"keep":true,"n":2}', '{}']);
    await expect.poll(() => h.depth('filtered'), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => poller.stats.filtered + poller.stats.deleted, { timeout: 20_000 }).toBe(5);
    expect(h.deliveries('consumer').map((d) => d.body).sort()).toEqual(['{"keep":true,"n":1}', '{"keep":true,"n":2}']);
    expect(poller.stats.filtered).toBe(3);
  });

  it('stop aborts the long polls: a message sent afterwards stays in the queue, never received', async () => {
    const queue = queueDefinition('stopped');
    harness = await MappingHarness.start([queue], [consumer]);
    const h = harness;
    const poller = h.poll(queue, 'consumer');
    expect(poller.stats.pollers).toBe(5);
    await poller.stop();
    expect(poller.stats.pollers).toBe(0);
    await h.send('stopped', ['late']);
    const [m] = await h.sqs.server.service.receive({ QueueUrl: 'stopped', AttributeNames: ['All'] });
    expect(m?.Body).toBe('late');
    expect(m?.Attributes?.['ApproximateReceiveCount']).toBe('1');
    expect(h.deliveries('consumer')).toEqual([]);
    // Half of SQS's 20 s long poll: a stop that waited for the polls to end would miss it.
  }, 10_000);

  it('Enabled: false never polls', async () => {
    const queue = queueDefinition('disabled');
    harness = await MappingHarness.start([queue], [consumer]);
    const h = harness;
    const poller = h.poll(queue, 'consumer', { enabled: false });
    await h.send('disabled', ['waiting']);
    expect(poller.stats.pollers).toBe(0);
    const [m] = await h.sqs.server.service.receive({ QueueUrl: 'disabled', AttributeNames: ['All'] });
    expect(m?.Attributes?.['ApproximateReceiveCount']).toBe('1');
  });
});
