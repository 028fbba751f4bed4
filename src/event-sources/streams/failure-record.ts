/**
 * The record a stream mapping sends to its `OnFailure` destination when it discards a batch
 * (docs/event-sources-kinesis.md): what was invoked, why it was given up and which records of
 * which shard it held (`KinesisBatchInfo`), never the records themselves: the destination's reader
 * fetches them from the stream by sequence number while the stream retains them.
 */
import type { StreamRecord } from './stream-types.js';

/** Why a batch was discarded. */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface FailureRecordInput {
  readonly requestId: string;
  /** `arn:aws:lambda:REGION:ACCOUNT:function:NAME` (qualified when the mapping is). */
  readonly functionArn: string;
  readonly condition: DiscardCondition;
  /** Invokes made with these records (0 when they aged out before any). */
  readonly approximateInvokeCount: number;
  /** The last invoke's answer, when there was one. */
  readonly response?: { readonly statusCode: number; readonly executedVersion: string; readonly functionError?: string | undefined } | undefined;
  readonly shardId: string;
  readonly streamArn: string;
  /** The discarded records, in shard order (at least one). */
  readonly records: readonly StreamRecord[];
  readonly timestamp: Date;
}

/**
 * The failure record's JSON text, in Lambda's key order.
 *
 * @example
 * streamFailureRecord({ requestId, functionArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3, shardId: 'shardId-000000000000', streamArn, records, timestamp: new Date() });
 * // '{"requestContext":{...},"responseContext":{...},"version":"1.0","timestamp":"...","KinesisBatchInfo":{"shardId":...}}'
 */
export function streamFailureRecord(input: FailureRecordInput): string {
  const first = input.records[0];
  const last = input.records.at(-1);
  const response = input.response;
  return JSON.stringify({
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    responseContext: response === undefined
      ? { statusCode: 0, executedVersion: '', functionError: '' }
      : { statusCode: response.statusCode, executedVersion: response.executedVersion, functionError: response.functionError ?? '' },
    version: '1.0',
    timestamp: input.timestamp.toISOString(),
    KinesisBatchInfo: {
      shardId: input.shardId,
      startSequenceNumber: first?.sequenceNumber ?? '',
      endSequenceNumber: last?.sequenceNumber ?? '',
      approximateArrivalOfFirstRecord: new Date(first?.arrivalMs ?? 0).toISOString(),
      approximateArrivalOfLastRecord: new Date(last?.arrivalMs ?? 0).toISOString(),
      batchSize: input.records.length,
      streamArn: input.streamArn,
    },
  });
}
