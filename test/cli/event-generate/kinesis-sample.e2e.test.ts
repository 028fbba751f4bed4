/**
 * `lamina event generate kinesis get-records` against the real thing: the sample equals in shape
 * (and in the fields the options set) the event a Kinesis mapping hands a real function for the
 * same records put through @aws-sdk/client-kinesis into the embedded Kinesis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateEvent } from '../../../src/cli/event-command.js';
import { bootstrapFunction } from '../../helpers/function-config.js';
import { KinesisHarness, streamDefinition, streamMapping } from '../../event-sources/streams/kinesis-harness.js';
import { shapeOf } from './event-shape.js';

let harness: KinesisHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

describe('the Kinesis sample', () => {
  it('has the shape, partition key, data and source ARN of a real batch', async () => {
    harness = await KinesisHarness.start([bootstrapFunction('consumer', {}, 'kinesis-batch')]);
    const h = harness;
    const stream = streamDefinition('orders', 1);
    await h.serve([stream], [streamMapping(stream, 'consumer', { batchSize: 10 })]);
    await h.put('orders', [{ key: 'customer-1', data: '{"n":1}' }, { key: 'customer-1', data: '{"n":2}' }]);
    await expect.poll(() => h.events('consumer').flatMap((e) => e.Records).length, { timeout: 30_000 }).toBe(2);
    const real = { Records: h.events('consumer').flatMap((e) => e.Records) };
    const sample = JSON.parse(await generateEvent('kinesis', 'get-records', ['--stream-name', 'orders', '--partition-key', 'customer-1', '--data', '{"n":1}', '--data', '{"n":2}'])) as typeof real;
    expect(shapeOf(sample)).toEqual(shapeOf(real));
    const fields = (e: typeof real) => e.Records.map((r) => {
      const k = r.kinesis as { partitionKey: string; data: string };
      return [Object.keys(r), k.partitionKey, k.data, r.eventSourceARN, r.awsRegion, r.eventName];
    });
    expect(fields(sample)).toEqual(fields(real));
  });
});
