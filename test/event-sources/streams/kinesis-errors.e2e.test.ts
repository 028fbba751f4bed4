/**
 * What a Kinesis mapping does when the function fails (src/event-sources/streams/batch-runner.ts),
 * on real runtime processes: bisecting down to the poison record, MaximumRetryAttempts and the
 * failure record on an OnFailure queue of the embedded SQS, the checkpoint of a partial batch
 * failure, and a shard that keeps going past a discarded batch. (Record age: test/event-sources/streams/batch-runner.test.ts.)
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bootstrapFunction } from '../../helpers/function-config.js';
import { queueDefinition } from '../../services/sqs/sqs-test-server.js';
import { KinesisHarness, streamDefinition, streamMapping } from './kinesis-harness.js';

vi.setConfig({ testTimeout: 60_000 });

let harness: KinesisHarness | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') console.log(harness?.output.join('').slice(-4000));
  await harness?.stop();
  harness = undefined;
});

const fn = (name: string) => bootstrapFunction(name, {}, 'kinesis-batch');
const failures = queueDefinition('stream-failures', { arn: 'arn:aws:sqs:us-east-1:123456789012:stream-failures' });
const onFailure = { kind: 'sqs' as const, arn: failures.arn, queueName: failures.name, region: 'us-east-1', accountId: '123456789012' };

/** Failure records the OnFailure queue holds, parsed. */
async function failureRecords(h: KinesisHarness): Promise<Array<Record<string, Record<string, unknown>>>> {
  const url = h.sqs?.server.service.queueUrl(failures.name, new URL(h.sqs.server.endpoint).host) ?? '';
  const out = await h.sqs?.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (out?.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Record<string, Record<string, unknown>>);
}

describe('Kinesis mapping errors', () => {
  it('bisects a failing batch down to the poison record, retries it, then sends its failure record to the OnFailure queue', async () => {
    harness = await KinesisHarness.start([fn('bisector')], [failures]);
    const h = harness;
    const stream = streamDefinition('poisoned', 1);
    await h.serve([stream], []);
    const data = Array.from({ length: 8 }, (_, i) => JSON.stringify(i === 5 ? { n: i, fail: true } : { n: i }));
    const seqs = await h.put('poisoned', data.map((d) => ({ key: 'k', data: d })));
    await h.addMappings([streamMapping(stream, 'bisector', { batchSize: 8, bisectBatchOnFunctionError: true, maximumRetryAttempts: 1, onFailure })]);
    let records: Awaited<ReturnType<typeof failureRecords>> = [];
    await expect.poll(async () => (records = [...records, ...await failureRecords(h)]).length, { timeout: 30_000 }).toBe(1);
    // 8 fail -> 0-3 ok, 4-7 fail -> 4,5 fail -> 4 ok, 5 fails twice (one retry) -> discarded; 6,7 ok.
    const n = (batch: string[]): number[] => batch.map((d) => (JSON.parse(d) as { n: number }).n);
    await expect.poll(() => h.batches('bisector').length, { timeout: 20_000 }).toBe(8);
    expect(h.batches('bisector').map(n)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3], [4, 5, 6, 7], [4, 5], [4], [5], [5], [6, 7]]);
    const record = records[0] as Record<string, Record<string, unknown>>;
    expect(Object.keys(record)).toEqual(['requestContext', 'responseContext', 'version', 'timestamp', 'KinesisBatchInfo']);
    expect(record.requestContext).toMatchObject({ functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bisector', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 });
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    expect(record.KinesisBatchInfo).toMatchObject({ shardId: 'shardId-000000000000', startSequenceNumber: seqs[5], endSequenceNumber: seqs[5], batchSize: 1, streamArn: stream.arn });
    expect(Object.keys(record.KinesisBatchInfo ?? {})).toEqual(['shardId', 'startSequenceNumber', 'endSequenceNumber', 'approximateArrivalOfFirstRecord', 'approximateArrivalOfLastRecord', 'batchSize', 'streamArn']);
  });

  it('retries a failing batch MaximumRetryAttempts times, describes it to OnFailure and goes on with the shard', async () => {
    harness = await KinesisHarness.start([fn('retrier')], [failures]);
    const h = harness;
    const stream = streamDefinition('stubborn', 1);
    await h.serve([stream], []);
    const seqs = await h.put('stubborn', [{ key: 'a', data: '{"n":0}' }, { key: 'a', data: '{"n":1,"fail":true}' }, { key: 'a', data: '{"n":2}' }]);
    await h.addMappings([streamMapping(stream, 'retrier', { batchSize: 3, maximumRetryAttempts: 2, onFailure })]);
    let records: Awaited<ReturnType<typeof failureRecords>> = [];
    await expect.poll(async () => (records = [...records, ...await failureRecords(h)]).length, { timeout: 30_000 }).toBe(1);
    expect(h.batches('retrier')).toEqual([0, 1, 2].map(() => ['{"n":0}', '{"n":1,"fail":true}', '{"n":2}']));
    expect(records[0]?.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 });
    expect(records[0]?.KinesisBatchInfo).toMatchObject({ startSequenceNumber: seqs[0], endSequenceNumber: seqs[2], batchSize: 3 });
    // The shard is not stuck: a later record is delivered.
    await h.put('stubborn', [{ key: 'a', data: '{"n":3}' }]);
    await expect.poll(() => h.batches('retrier').at(-1), { timeout: 20_000 }).toEqual(['{"n":3}']);
  });

  it('with ReportBatchItemFailures, checkpoints before the lowest failed record and retries from it', async () => {
    harness = await KinesisHarness.start([fn('partial')]);
    const h = harness;
    const stream = streamDefinition('partly', 1);
    await h.serve([stream], []);
    const data = ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3,"itemFailOnce":true}', '{"n":4}', '{"n":5,"itemFailOnce":true}', '{"n":6}'];
    await h.put('partly', data.map((d) => ({ key: 'k', data: d })));
    await h.addMappings([streamMapping(stream, 'partial', { batchSize: 10, reportBatchItemFailures: true })]);
    await expect.poll(() => h.batches('partial').length, { timeout: 30_000 }).toBe(2);
    // n3 and n5 fail the first time they are seen: from n3 (the lowest) everything comes again, n5 included.
    expect(h.batches('partial')).toEqual([data, data.slice(3)]);
    await h.put('partly', [{ key: 'k', data: '{"n":7}' }]);
    await expect.poll(() => h.batches('partial').length, { timeout: 20_000 }).toBe(3);
    expect(h.batches('partial')[2]).toEqual(['{"n":7}']);
  });

  it('a record failing forever (the defaults) holds up its own shard only; stopping ends the retries', async () => {
    harness = await KinesisHarness.start([fn('stuck')]);
    const h = harness;
    const stream = streamDefinition('two', 2);
    await h.serve([stream], [streamMapping(stream, 'stuck', { batchSize: 5 })]);
    // Find a key per shard, then block one shard with a poison record.
    const probe = await h.put('two', Array.from({ length: 8 }, (_, i) => ({ key: `k${i}`, data: `{"probe":${i}}` })));
    await expect.poll(() => h.deliveries('stuck').length, { timeout: 20_000 }).toBe(8);
    const shardOf = new Map(h.deliveries('stuck').map((d) => [d.key, d.shardId]));
    const keys = [...shardOf.keys()];
    const blocked = keys[0] as string;
    const free = keys.find((k) => shardOf.get(k) !== shardOf.get(blocked));
    expect(free).toBeDefined();
    expect(probe).toHaveLength(8);
    await h.put('two', [{ key: blocked, data: '{"fail":true}' }, { key: blocked, data: '{"after":"poison"}' }]);
    await expect.poll(() => h.batches('stuck').filter((b) => b.includes('{"fail":true}')).length, { timeout: 20_000 }).toBeGreaterThan(3);
    await h.put('two', Array.from({ length: 5 }, (_, i) => ({ key: free as string, data: `{"free":${i}}` })));
    await expect.poll(() => h.deliveries('stuck').filter((d) => d.data.startsWith('{"free"')).length, { timeout: 20_000 }).toBe(5);
    // The record behind the poison one in its shard only ever came with it, in its failing batch.
    for (const batch of h.batches('stuck').filter((b) => b.includes('{"after":"poison"}'))) expect(batch).toEqual(['{"fail":true}', '{"after":"poison"}']);
    await h.streams?.stop();
    const invokes = h.batches('stuck').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(h.batches('stuck')).toHaveLength(invokes);
  });
});
