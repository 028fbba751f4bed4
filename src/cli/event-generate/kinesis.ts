/**
 * `lamina event generate kinesis get-records`: a Kinesis batch as a stream mapping hands it to a
 * function, built by `kinesisEventPayload` (docs/event-sources-kinesis.md).
 */
import { ConfigError } from '../../errors.js';
import { kinesisEventPayload, standInRoleArn } from '../../event-sources/streams/kinesis-event.js';
import type { StreamRecord } from '../../event-sources/streams/stream-types.js';
import type { EventSourceGenerator, GenerateContext, OptionValues } from './generator-types.js';
import { list, resourceName, text } from './option-values.js';

/** Kinesis's limit on a partition key: 256 characters. */
const MAX_PARTITION_KEY = 256;
/** A sequence number shaped like Kinesis's (56 digits), counting up from this one. */
const FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136588898n;

export const kinesisGenerator: EventSourceGenerator = {
  name: 'kinesis',
  description: 'Kinesis stream mappings (Events: Kinesis)',
  kinds: [
    {
      name: 'get-records',
      description: 'A batch of records from one shard (one record per --data, in order)',
      options: [
        { name: 'stream-name', description: "The stream's name (in eventSourceARN)", default: 'example-stream' },
        { name: 'partition-key', description: "The records' partition key", default: 'partitionKey-03' },
        { name: 'data', description: 'A record\'s data as text (repeat for more records; base64-encoded into the event)', multiple: true },
        { name: 'shard-id', description: 'The shard', default: 'shardId-000000000000' },
      ],
      build: (values: OptionValues, context: GenerateContext): unknown => {
        const partitionKey = text(values, 'partition-key');
        if (partitionKey === '' || partitionKey.length > MAX_PARTITION_KEY) throw new ConfigError(`--partition-key must be 1-${MAX_PARTITION_KEY} characters`);
        const shardId = text(values, 'shard-id');
        if (!/^shardId-\d{12}$/.test(shardId)) throw new ConfigError(`--shard-id must look like shardId-000000000000, got ${JSON.stringify(shardId)}`);
        const given = list(values, 'data');
        const data = given.length === 0 ? ['Hello, this is a test 123.'] : given;
        const streamArn = `arn:aws:kinesis:${context.region}:${context.accountId}:stream/${resourceName(values, 'stream-name')}`;
        const records: StreamRecord[] = data.map((item, n) => ({ sequenceNumber: String(FIRST_SEQUENCE + BigInt(n)), partitionKey, data: Buffer.from(item), arrivalMs: context.now.getTime() }));
        return JSON.parse(kinesisEventPayload(records, { shardId, streamArn, invokeIdentityArn: standInRoleArn(streamArn) }).toString('utf8'));
      },
    },
  ],
};
