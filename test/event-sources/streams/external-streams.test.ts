/**
 * Which Kinesis a stream mapping reads (src/event-sources/streams/external-streams.ts): the refusal
 * without an endpoint, the SDK client's region and credentials, and the choice between the embedded
 * Kinesis and the user's endpoint.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { kinesisClientFor, mappingReader, unreadableMappings } from '../../../src/event-sources/streams/external-streams.js';
import type { StreamMapping } from '../../../src/event-sources/streams/stream-types.js';

const mapping = (id: string, streamArn: string): StreamMapping => ({
  id, functionName: 'Reader', streamArn, streamName: streamArn.split('/')[1] ?? '', startingPosition: { kind: 'LATEST' }, batchSize: 100, maximumBatchingWindowSeconds: 0,
  parallelizationFactor: 1, bisectBatchOnFunctionError: false, maximumRetryAttempts: -1, maximumRecordAgeSeconds: -1, reportBatchItemFailures: false, filters: [], enabled: true,
});
const DEFINED = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';
const OUTSIDE = 'arn:aws:kinesis:eu-west-2:123456789012:stream/orders';

describe('unreadableMappings', () => {
  it('names every mapping of a stream the template does not define, with its ARN, when no endpoint was given', () => {
    const problem = unreadableMappings([mapping('A', DEFINED), mapping('B', OUTSIDE), mapping('C', `${OUTSIDE}-2`)], new Set([DEFINED]), undefined);
    expect(problem?.split('\n')).toEqual([
      expect.stringContaining('need --kinesis-endpoint (or --aws-endpoint)'),
      `B: ${OUTSIDE}`,
      `C: ${OUTSIDE}-2`,
    ]);
  });

  it('has nothing to say when every stream is the template\'s, or an endpoint was given', () => {
    expect(unreadableMappings([mapping('A', DEFINED)], new Set([DEFINED]), undefined)).toBeUndefined();
    expect(unreadableMappings([mapping('B', OUTSIDE)], new Set(), 'http://127.0.0.1:4566')).toBeUndefined();
    expect(unreadableMappings([], new Set(), undefined)).toBeUndefined();
  });

  it('matches the whole ARN: the same stream name in another account or region is not the template\'s', () => {
    expect(unreadableMappings([mapping('A', 'arn:aws:kinesis:us-east-1:111111111111:stream/clicks')], new Set([DEFINED]), undefined)).toContain('A: arn:aws:kinesis:us-east-1:111111111111:stream/clicks');
  });
});

describe('kinesisClientFor', () => {
  it('signs with the ARN\'s region, and test/test on a loopback endpoint', async () => {
    const client = kinesisClientFor('http://127.0.0.1:4566', OUTSIDE, undefined);
    try {
      expect(await client.config.region()).toBe('eu-west-2');
      expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'test', secretAccessKey: 'test' });
    } finally {
      client.destroy();
    }
  });

  it('uses the host\'s keys when given, on any endpoint', async () => {
    const client = kinesisClientFor('https://kinesis.eu-west-2.amazonaws.com', OUTSIDE, { accessKeyId: 'AKIDHOST', secretAccessKey: 'host-secret' });
    try {
      expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIDHOST', secretAccessKey: 'host-secret' });
    } finally {
      client.destroy();
    }
  });

  it('never sends made-up keys to a remote endpoint', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDCHAIN';
    process.env.AWS_SECRET_ACCESS_KEY = 'chain-secret';
    const client = kinesisClientFor('https://kinesis.eu-west-2.amazonaws.com', OUTSIDE, undefined);
    try {
      // The SDK's default chain answers (here from the environment), not test/test.
      expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIDCHAIN' });
    } finally {
      client.destroy();
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID; else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY; else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });
});

describe('mappingReader', () => {
  it('reads the template\'s stream on the embedded client and any other at the endpoint', () => {
    const embedded = new KinesisClient({ region: 'us-east-1' });
    try {
      const own = mappingReader(mapping('A', DEFINED), new Set([DEFINED]), embedded, { endpoint: 'http://127.0.0.1:4566' });
      expect(own.client).toBe(embedded);
      expect(own.where).toBe('embedded');
      const other = mappingReader(mapping('B', OUTSIDE), new Set([DEFINED]), embedded, { endpoint: 'http://127.0.0.1:4566' });
      expect(other.client).not.toBe(embedded);
      expect(other.where).toBe('http://127.0.0.1:4566');
      other.close();
      expect(() => mappingReader(mapping('B', OUTSIDE), new Set([DEFINED]), embedded, { endpoint: undefined })).toThrow(`B: ${OUTSIDE} is not served here`);
    } finally {
      embedded.destroy();
    }
  });
});
