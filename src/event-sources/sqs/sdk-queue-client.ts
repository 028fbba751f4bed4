/**
 * A QueueClient over `@aws-sdk/client-sqs`: what a mapping polls when its queue is not one the
 * template defines and the user gave `--sqs-endpoint` / `--aws-endpoint` (LocalStack, AWS, any
 * server of SQS's JSON protocol; docs/event-sources-external.md). Same three operations and the same
 * semantics as the in-process client, so the poller cannot tell them apart.
 */
import {
  ChangeMessageVisibilityCommand, DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient,
  type Message, type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { LOOPBACK_CREDENTIALS, type TargetCredentials } from '../../async/targets/target-clients.js';
import { isLoopbackEndpoint } from '../../async/targets/target-endpoints.js';
import type { MessageAttributes } from '../../services/sqs/message-attributes.js';
import type { QueueClient, QueueMessage } from './queue-client.js';

/** SQS's limit of entries in one batch request. */
const MAX_BATCH_ENTRIES = 10;
/** A request other than a long poll: connect and answer within this. */
const REQUEST_TIMEOUT_MS = 10_000;
/** A long poll lasts up to 20 s; the socket may stay silent that long, plus this margin. */
const LONG_POLL_MARGIN_MS = 5_000;

export interface SdkQueueTarget {
  /** `http://127.0.0.1:4566`, `https://sqs.us-east-1.amazonaws.com`. */
  readonly endpoint: string;
  /** `arn:aws:sqs:REGION:ACCOUNT:NAME`: the region signs, the account owns the queue. */
  readonly queueArn: string;
  /** Used when given; else test/test on loopback, else the SDK's default provider chain. */
  readonly credentials?: TargetCredentials | undefined;
}

/**
 * The SDK client a mapping's queue is polled with.
 *
 * @example sqsClientFor({ endpoint: 'http://127.0.0.1:4566', queueArn: 'arn:aws:sqs:us-east-1:000000000000:jobs' })
 */
export function sqsClientFor(target: SdkQueueTarget): SQSClient {
  const [, , , region = 'us-east-1'] = target.queueArn.split(':');
  // Never the user's real keys to a local emulator unless given, never made-up ones to AWS (as the
  // destination sender does: src/async/targets/target-clients.ts).
  const credentials = target.credentials ?? (isLoopbackEndpoint(target.endpoint) ? LOOPBACK_CREDENTIALS : undefined);
  return new SQSClient({
    region,
    endpoint: target.endpoint,
    // The queue URL's host may be one this machine cannot resolve (LocalStack's *.localstack.cloud).
    useQueueUrlAsEndpoint: false,
    maxAttempts: 2,
    ...(credentials === undefined ? {} : { credentials }),
    requestHandler: { connectionTimeout: REQUEST_TIMEOUT_MS, requestTimeout: 20_000 + LONG_POLL_MARGIN_MS },
  });
}

function attributesOf(attributes: Record<string, MessageAttributeValue> | undefined): MessageAttributes | undefined {
  if (attributes === undefined) return undefined;
  const out: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }> = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = {
      DataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      // The SDK decodes base64 into bytes; records carry base64, as the in-process client gives it.
      ...(value.BinaryValue !== undefined ? { BinaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    };
  }
  return out;
}

/** The SDK's message in the poller's shape; a message missing an id, handle or body is not one SQS sends. */
export function queueMessageOf(m: Message): QueueMessage | undefined {
  if (m.MessageId === undefined || m.ReceiptHandle === undefined || m.Body === undefined) return undefined;
  return {
    MessageId: m.MessageId,
    ReceiptHandle: m.ReceiptHandle,
    MD5OfBody: m.MD5OfBody ?? '',
    Body: m.Body,
    Attributes: m.Attributes,
    MD5OfMessageAttributes: m.MD5OfMessageAttributes,
    MessageAttributes: attributesOf(m.MessageAttributes),
  };
}

/** Read through a call: the signal changes while a request is under way. */
function wasAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/**
 * @example
 * const client = new SdkQueueClient(sqsClientFor({ endpoint, queueArn }), queueArn);
 * const messages = await client.receive(10, 20, stop.signal);
 */
export class SdkQueueClient implements QueueClient {
  #url: Promise<string> | undefined;

  constructor(private readonly sqs: SQSClient, private readonly queueArn: string) {}

  /** The queue's URL, asked once (GetQueueUrl by name and owner); asked again after a failure. */
  queueUrl(): Promise<string> {
    if (this.#url === undefined) {
      const [, , , , account, name = ''] = this.queueArn.split(':');
      this.#url = this.sqs.send(new GetQueueUrlCommand({ QueueName: name, ...(account === undefined || account === '' ? {} : { QueueOwnerAWSAccountId: account }) }), { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
        .then((out) => {
          if (out.QueueUrl === undefined) throw new Error(`GetQueueUrl of ${this.queueArn} answered no QueueUrl`);
          return out.QueueUrl;
        });
      this.#url.catch(() => { this.#url = undefined; });
    }
    return this.#url;
  }

  async receive(max: number, waitSeconds: number, abort?: AbortSignal): Promise<QueueMessage[]> {
    if (abort?.aborted === true) return [];
    const QueueUrl = await this.queueUrl();
    try {
      const out = await this.sqs.send(new ReceiveMessageCommand({
        QueueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'], AttributeNames: ['All'], MessageAttributeNames: ['All'],
      }), abort === undefined ? {} : { abortSignal: abort });
      return (out.Messages ?? []).flatMap((m) => queueMessageOf(m) ?? []);
    } catch (error) {
      // A cut long poll: a server that already took messages for it hands them back after their
      // visibility timeout (the embedded server takes none once its caller is gone).
      if (isAbort(error) && wasAborted(abort)) return [];
      throw error;
    }
  }

  async deleteBatch(handles: readonly string[]): Promise<void> {
    const QueueUrl = await this.queueUrl();
    for (let i = 0; i < handles.length; i += MAX_BATCH_ENTRIES) {
      const Entries = handles.slice(i, i + MAX_BATCH_ENTRIES).map((ReceiptHandle, n) => ({ Id: String(n), ReceiptHandle }));
      // Failed entries (an expired handle: the message was received again) are delivered again, as
      // with the in-process client.
      await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries }), { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    }
  }

  async changeVisibility(handle: string, seconds: number): Promise<void> {
    const QueueUrl = await this.queueUrl();
    await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: seconds }), { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  }
}
