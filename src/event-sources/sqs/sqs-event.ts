/**
 * The event Lambda hands a function for an SQS batch (docs/event-sources.md): `Records[]` with the
 * members in the order Lambda writes them, system attributes as strings and message attributes in
 * camel case with empty list members.
 */
import type { QueueMessage } from './queue-client.js';

export interface SqsMessageAttribute {
  readonly stringValue?: string;
  /** Base64, as SQS carries it. */
  readonly binaryValue?: string;
  readonly stringListValues: readonly string[];
  readonly binaryListValues: readonly string[];
  readonly dataType: string;
}

export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttribute>>;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly eventSource: 'aws:sqs';
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export interface SqsEvent { readonly Records: readonly SqsRecord[] }

/**
 * System attributes in Lambda's order: the four every record has, then FIFO's, then the trace
 * header and the dead-letter source when the message carries them.
 */
const ATTRIBUTE_ORDER = [
  'ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp',
  'SequenceNumber', 'MessageGroupId', 'MessageDeduplicationId', 'AWSTraceHeader', 'DeadLetterQueueSourceArn',
] as const;

/** The region of an ARN (`arn:aws:sqs:REGION:ACCOUNT:NAME`), empty if it has none. */
export function regionOfArn(arn: string): string {
  return arn.split(':')[3] ?? '';
}

function systemAttributes(m: QueueMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ATTRIBUTE_ORDER) {
    const value = m.Attributes?.[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function messageAttributes(m: QueueMessage): Record<string, SqsMessageAttribute> {
  const out: Record<string, SqsMessageAttribute> = {};
  for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
    out[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: value.BinaryValue } : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType,
    };
  }
  return out;
}

/**
 * One record of the event, for a message received from the queue `queueArn`.
 *
 * @example
 * sqsRecord(message, 'arn:aws:sqs:us-east-1:123456789012:jobs').eventSource; // 'aws:sqs'
 */
export function sqsRecord(m: QueueMessage, queueArn: string): SqsRecord {
  const attributes = messageAttributes(m);
  return {
    messageId: m.MessageId,
    receiptHandle: m.ReceiptHandle,
    body: m.Body,
    attributes: systemAttributes(m),
    messageAttributes: attributes,
    md5OfBody: m.MD5OfBody,
    ...(m.MD5OfMessageAttributes !== undefined && Object.keys(attributes).length > 0 ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: regionOfArn(queueArn),
  };
}

/**
 * The event's bytes for a batch of records.
 *
 * @example
 * const payload = sqsEventPayload([sqsRecord(message, arn)]);
 */
export function sqsEventPayload(records: readonly SqsRecord[]): Buffer {
  const event: SqsEvent = { Records: records };
  return Buffer.from(JSON.stringify(event));
}

/** Bytes a record adds to the event (its JSON and a separating comma). */
export function recordSize(record: SqsRecord): number {
  return Buffer.byteLength(JSON.stringify(record)) + 1;
}
