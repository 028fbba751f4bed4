/**
 * The event Lambda hands a function for a Kinesis batch (docs/event-sources-kinesis.md): `Records[]`
 * with the `kinesis` member first, then the source fields, in the order Lambda writes them. Pure:
 * `lamina event generate` and the mappings build events with the same functions.
 */
import type { StreamRecord } from './stream-types.js';

export interface KinesisEventRecord {
  readonly kinesis: {
    readonly kinesisSchemaVersion: '1.0';
    readonly partitionKey: string;
    readonly sequenceNumber: string;
    /** The record's bytes, base64. */
    readonly data: string;
    /** Seconds since the epoch, with milliseconds as the fraction. */
    readonly approximateArrivalTimestamp: number;
  };
  readonly eventSource: 'aws:kinesis';
  readonly eventVersion: '1.0';
  /** `shardId-000000000000:<sequence number>`. */
  readonly eventID: string;
  readonly eventName: 'aws:kinesis:record';
  readonly invokeIdentityArn: string;
  readonly awsRegion: string;
  readonly eventSourceARN: string;
}

/** What every record of a batch shares. */
export interface KinesisBatchContext {
  readonly shardId: string;
  /** `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`; the region is read from it. */
  readonly streamArn: string;
  /** The role Lambda reads the stream with (Lamina has no roles: a stand-in of the stream's account). */
  readonly invokeIdentityArn: string;
}

/**
 * One record of the event.
 *
 * @example
 * kinesisEventRecord({ sequenceNumber: '4968...', partitionKey: 'k', data: Buffer.from('hi'), arrivalMs: 1_700_000_000_123 }, { shardId: 'shardId-000000000000', streamArn, invokeIdentityArn });
 * // { kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'k', sequenceNumber: '4968...', data: 'aGk=', approximateArrivalTimestamp: 1700000000.123 }, eventSource: 'aws:kinesis', ... }
 */
export function kinesisEventRecord(record: StreamRecord, context: KinesisBatchContext): KinesisEventRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: record.data.toString('base64'),
      approximateArrivalTimestamp: record.arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${context.shardId}:${record.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: context.invokeIdentityArn,
    awsRegion: context.streamArn.split(':')[3] ?? '',
    eventSourceARN: context.streamArn,
  };
}

/**
 * The event's bytes for a batch; `extra` members (a tumbling window's) follow `Records`.
 *
 * @example kinesisEventPayload(records, context).toString() // '{"Records":[{"kinesis":{...},...}]}'
 */
export function kinesisEventPayload(records: readonly StreamRecord[], context: KinesisBatchContext, extra: object = {}): Buffer {
  return Buffer.from(JSON.stringify({ Records: records.map((r) => kinesisEventRecord(r, context)), ...extra }));
}

/**
 * What a `FilterCriteria` pattern is matched against: the record's `kinesis` member (partitionKey,
 * sequenceNumber, ... at the top, as Lambda filters Kinesis records), with `data` decoded as JSON
 * when it is a JSON object; otherwise `data` is left out, so a pattern on `data` never matches it.
 *
 * @example kinesisFilterData(kinesisEventRecord(record, context)) // { kinesisSchemaVersion: '1.0', partitionKey: 'k', ..., data: { type: 'order' } }
 */
export function kinesisFilterData(record: KinesisEventRecord): Readonly<Record<string, unknown>> {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  } catch {
    data = undefined;
  }
  const { data: _encoded, ...fields } = record.kinesis;
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? { ...fields, data } : fields;
}

/** The role Lambda reads with: Lamina's stand-in in the stream's account. */
export function standInRoleArn(streamArn: string): string {
  return `arn:aws:iam::${streamArn.split(':')[4] ?? ''}:role/lamina-event-source-mapping`;
}
