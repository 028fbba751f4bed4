/**
 * The typed requests and answers of the SQS operations the server implements, as the AWS JSON 1.0
 * protocol carries them (member names as in the service model). The protocol layer
 * (sqs-protocol.ts) turns a request into one `SqsAction`; the in-process API takes the same inputs.
 */
import type { MessageAttributes } from './message-attributes.js';

export interface QueueRef { readonly QueueUrl: string }

export interface SendMessageInput extends QueueRef {
  readonly MessageBody: string;
  readonly DelaySeconds?: number | undefined;
  readonly MessageAttributes?: MessageAttributes | undefined;
  readonly MessageSystemAttributes?: MessageAttributes | undefined;
  readonly MessageDeduplicationId?: string | undefined;
  readonly MessageGroupId?: string | undefined;
}

/** A batch entry; `rejected` holds the error of an entry whose members were malformed, reported for it alone. */
export type SendEntry = Omit<SendMessageInput, 'QueueUrl'> & { readonly Id: string; readonly rejected?: Error | undefined };

export interface SendMessageOutput {
  readonly MessageId: string;
  readonly MD5OfMessageBody: string;
  readonly MD5OfMessageAttributes?: string | undefined;
  readonly MD5OfMessageSystemAttributes?: string | undefined;
  readonly SequenceNumber?: string | undefined;
}

export interface ReceiveMessageInput extends QueueRef {
  readonly MaxNumberOfMessages?: number | undefined;
  readonly VisibilityTimeout?: number | undefined;
  readonly WaitTimeSeconds?: number | undefined;
  /** `AttributeNames` (deprecated) and `MessageSystemAttributeNames`, merged. */
  readonly AttributeNames?: readonly string[] | undefined;
  readonly MessageAttributeNames?: readonly string[] | undefined;
  readonly ReceiveRequestAttemptId?: string | undefined;
}

export interface ReceivedMessage {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly MD5OfBody: string;
  readonly Body: string;
  readonly Attributes?: Record<string, string> | undefined;
  readonly MD5OfMessageAttributes?: string | undefined;
  readonly MessageAttributes?: MessageAttributes | undefined;
}

export interface ChangeVisibilityEntry { readonly Id: string; readonly ReceiptHandle: string; readonly VisibilityTimeout: number }
export interface DeleteEntry { readonly Id: string; readonly ReceiptHandle: string }

/** One request, after the protocol layer checked its shape. */
export type SqsAction =
  | { readonly action: 'CreateQueue'; readonly input: { readonly QueueName: string; readonly Attributes: Record<string, string>; readonly tags: Record<string, string> } }
  | { readonly action: 'GetQueueUrl'; readonly input: { readonly QueueName: string; readonly QueueOwnerAWSAccountId?: string | undefined } }
  | { readonly action: 'ListQueues'; readonly input: { readonly QueueNamePrefix?: string | undefined; readonly MaxResults?: number | undefined; readonly NextToken?: string | undefined } }
  | { readonly action: 'GetQueueAttributes'; readonly input: QueueRef & { readonly AttributeNames: readonly string[] } }
  | { readonly action: 'SetQueueAttributes'; readonly input: QueueRef & { readonly Attributes: Record<string, string> } }
  | { readonly action: 'DeleteQueue'; readonly input: QueueRef }
  | { readonly action: 'PurgeQueue'; readonly input: QueueRef }
  | { readonly action: 'ListDeadLetterSourceQueues'; readonly input: QueueRef }
  | { readonly action: 'ListQueueTags'; readonly input: QueueRef }
  | { readonly action: 'TagQueue'; readonly input: QueueRef & { readonly Tags: Record<string, string> } }
  | { readonly action: 'UntagQueue'; readonly input: QueueRef & { readonly TagKeys: readonly string[] } }
  | { readonly action: 'SendMessage'; readonly input: SendMessageInput }
  | { readonly action: 'SendMessageBatch'; readonly input: QueueRef & { readonly Entries: readonly SendEntry[] } }
  | { readonly action: 'ReceiveMessage'; readonly input: ReceiveMessageInput }
  | { readonly action: 'DeleteMessage'; readonly input: QueueRef & { readonly ReceiptHandle: string } }
  | { readonly action: 'DeleteMessageBatch'; readonly input: QueueRef & { readonly Entries: readonly DeleteEntry[] } }
  | { readonly action: 'ChangeMessageVisibility'; readonly input: QueueRef & { readonly ReceiptHandle: string; readonly VisibilityTimeout: number } }
  | { readonly action: 'ChangeMessageVisibilityBatch'; readonly input: QueueRef & { readonly Entries: readonly ChangeVisibilityEntry[] } };

export type SqsActionName = SqsAction['action'];

/** Who is calling: SenderId in received messages is the caller's access key id, as SQS shows it. */
export interface CallerContext {
  readonly senderId: string;
  /** `host:port` the caller used, for queue URLs in answers. */
  readonly host: string;
  /**
   * The caller's `X-Amzn-Trace-Id` (the AWS SDK sends it from inside a function): kept as the
   * message's `AWSTraceHeader` when the message sets none, as SQS does for traced senders, so a
   * loop through a queue can be counted (docs/async-invocation.md, "Recursive loops").
   */
  readonly traceHeader?: string | undefined;
}
