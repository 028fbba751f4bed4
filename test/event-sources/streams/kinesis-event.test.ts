/**
 * The pure builders of src/event-sources/streams/: the Kinesis event, what filters see of a record,
 * the failure record, and the lanes of ParallelizationFactor.
 */
import { describe, expect, it } from 'vitest';
import { streamFailureRecord } from '../../../src/event-sources/streams/failure-record.js';
import { kinesisEventPayload, kinesisEventRecord, kinesisFilterData, standInRoleArn } from '../../../src/event-sources/streams/kinesis-event.js';
import { eventBytes, laneOf } from '../../../src/event-sources/streams/key-lanes.js';
import { answeredState, windowFields, windowStartOf } from '../../../src/event-sources/streams/tumbling-window.js';

const streamArn = 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders';
const context = { shardId: 'shardId-000000000003', streamArn, invokeIdentityArn: standInRoleArn(streamArn) };
const record = { sequenceNumber: '49590338271490256608559692538361571095921575989136588898', partitionKey: 'pk-1', data: Buffer.from('{"kind":"order","n":1}'), arrivalMs: 1_545_084_650_987 };

describe('kinesis event', () => {
  it('builds a record with Lambda\'s fields and order', () => {
    const r = kinesisEventRecord(record, context);
    expect(JSON.stringify(r)).toBe(JSON.stringify({
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'pk-1', sequenceNumber: record.sequenceNumber, data: Buffer.from('{"kind":"order","n":1}').toString('base64'), approximateArrivalTimestamp: 1545084650.987 },
      eventSource: 'aws:kinesis', eventVersion: '1.0', eventID: `shardId-000000000003:${record.sequenceNumber}`, eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/lamina-event-source-mapping', awsRegion: 'eu-west-1', eventSourceARN: streamArn,
    }));
  });

  it('keeps binary data byte for byte', () => {
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    const payload = JSON.parse(kinesisEventPayload([{ ...record, data: bytes }], context).toString()) as { Records: Array<{ kinesis: { data: string } }> };
    expect(Buffer.from(payload.Records[0]?.kinesis.data ?? '', 'base64')).toEqual(bytes);
  });

  it('shows filters the kinesis member, with JSON object data decoded and other data left out', () => {
    expect(kinesisFilterData(kinesisEventRecord(record, context))).toEqual({ kinesisSchemaVersion: '1.0', partitionKey: 'pk-1', sequenceNumber: record.sequenceNumber, approximateArrivalTimestamp: 1545084650.987, data: { kind: 'order', n: 1 } });
    for (const text of ['plain text', '[1,2]', '42', '"str"', '{"broken":']) {
      expect(kinesisFilterData(kinesisEventRecord({ ...record, data: Buffer.from(text) }, context))).not.toHaveProperty('data');
    }
  });
});

describe('failure record', () => {
  it('describes the discarded records in Lambda\'s shape', () => {
    const later = { ...record, sequenceNumber: '49590338271490256608559692538361571095921575989136588899', arrivalMs: record.arrivalMs + 500 };
    const text = streamFailureRecord({
      requestId: 'req-1', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fn', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3,
      response: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' }, shardId: context.shardId, streamArn, records: [record, later], timestamp: new Date('2026-01-02T03:04:05.678Z'),
    });
    expect(JSON.parse(text)).toEqual({
      requestContext: { requestId: 'req-1', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fn', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-01-02T03:04:05.678Z',
      KinesisBatchInfo: {
        shardId: 'shardId-000000000003', startSequenceNumber: record.sequenceNumber, endSequenceNumber: later.sequenceNumber,
        approximateArrivalOfFirstRecord: '2018-12-17T22:10:50.987Z', approximateArrivalOfLastRecord: '2018-12-17T22:10:51.487Z', batchSize: 2, streamArn,
      },
    });
  });
});

describe('key lanes', () => {
  it('puts a partition key in the same lane every time, and spreads keys over the lanes', () => {
    const lanes = Array.from({ length: 200 }, (_, i) => laneOf(`key-${i}`, 4));
    expect(new Set(lanes)).toEqual(new Set([0, 1, 2, 3]));
    expect(Array.from({ length: 200 }, (_, i) => laneOf(`key-${i}`, 4))).toEqual(lanes);
    expect(laneOf('anything', 1)).toBe(0);
  });

  it('sizes a record by its base64 data', () => {
    expect(eventBytes({ ...record, data: Buffer.alloc(3_000_000) })).toBeGreaterThan(4_000_000);
  });
});

describe('tumbling windows', () => {
  it('aligns windows on multiples of their length', () => {
    expect(windowStartOf(Date.parse('2020-07-30T17:03:10.500Z'), 300_000)).toBe(Date.parse('2020-07-30T17:00:00Z'));
    expect(windowStartOf(Date.parse('2020-07-30T17:05:00Z'), 300_000)).toBe(Date.parse('2020-07-30T17:05:00Z'));
    expect(windowFields(Date.parse('2020-07-30T17:00:00Z'), 300_000, { n: 1 }, context, true)).toEqual({
      window: { start: '2020-07-30T17:00:00.000Z', end: '2020-07-30T17:05:00.000Z' }, state: { n: 1 }, shardId: context.shardId, eventSourceARN: streamArn, isFinalInvokeForWindow: true, isWindowTerminatedEarly: false,
    });
  });

  it('reads the answered state, {} for anything that is not an object state, and flags one over 1 MB', () => {
    const answer = (text: string) => answeredState({ kind: 'response', payload: Buffer.from(text), contentType: 'application/json' });
    expect(answer('{"state":{"a":1},"batchItemFailures":[]}')).toEqual({ state: { a: 1 }, tooLarge: false });
    for (const text of ['', 'null', '{"state":[1]}', '{"state":"x"}', '{}', 'not json']) expect(answer(text)).toEqual({ state: {}, tooLarge: false });
    expect(answer(JSON.stringify({ state: { big: 'x'.repeat(1024 * 1024) } })).tooLarge).toBe(true);
    expect(answeredState({ kind: 'function-error', error: { errorType: 'E', payload: Buffer.from('{"state":{"a":1}}') } })).toEqual({ state: {}, tooLarge: false });
  });
});
