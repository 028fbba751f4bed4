/**
 * Sending, deleting and changing the visibility of messages, one or in batches
 * (docs/sqs-server.md). Each runs inside the caller's store transaction; a batch answers each entry
 * on its own (Successful / Failed) once the batch itself passed its checks.
 */
import { createHash, randomUUID } from 'node:crypto';
import { attributesSize, hasOnlyValidCharacters, md5OfAttributes, md5OfBody } from './message-attributes.js';
import { parseReceiptHandle, resolveQueue, type ResolvedQueue, type SqsContext } from './sqs-context.js';
import { SqsError, batchFailure, type BatchEntryFailure } from './sqs-errors.js';
import type { ChangeVisibilityEntry, DeleteEntry, SendEntry, SendMessageInput, SendMessageOutput } from './sqs-types.js';

/** FIFO deduplication ids are remembered for five minutes. */
const DEDUP_WINDOW_MS = 5 * 60_000;
const MAX_BATCH = 10;
const FIFO_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

/**
 * Checks a batch's entries as a whole: 1-10 of them, ids well formed and distinct.
 *
 * @example
 * checkBatch(input.Entries);
 */
export function checkBatch(entries: readonly { Id: string }[]): void {
  if (entries.length === 0) throw new SqsError('LAMINA_ERR_SQS_EMPTY_BATCH', 'There should be at least one entry in the request.');
  if (entries.length > MAX_BATCH) throw new SqsError('LAMINA_ERR_SQS_TOO_MANY_ENTRIES', `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${entries.length}.`);
  const seen = new Set<string>();
  for (const { Id } of entries) {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(Id)) throw new SqsError('LAMINA_ERR_SQS_INVALID_BATCH_ENTRY_ID', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    if (seen.has(Id)) throw new SqsError('LAMINA_ERR_SQS_BATCH_IDS_NOT_DISTINCT', `Id ${Id} repeated.`);
    seen.add(Id);
  }
}

function sendOne(ctx: SqsContext, target: ResolvedQueue, entry: Omit<SendMessageInput, 'QueueUrl'>, senderId: string, now: number, traceHeader?: string): SendMessageOutput {
  const { queue, config } = target;
  const body = entry.MessageBody;
  if (typeof body !== 'string' || body.length === 0) throw new SqsError('LAMINA_ERR_SQS_MISSING_PARAMETER', 'The request must contain the parameter MessageBody.');
  if (!hasOnlyValidCharacters(body)) throw new SqsError('LAMINA_ERR_SQS_INVALID_MESSAGE_CONTENTS', 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF');
  const size = Buffer.byteLength(body) + attributesSize(entry.MessageAttributes);
  if (size > config.maximumMessageSize) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `One or more parameters are invalid. Reason: Message must be shorter than ${config.maximumMessageSize} bytes.`);
  }
  if (entry.DelaySeconds !== undefined && (entry.DelaySeconds < 0 || entry.DelaySeconds > 900)) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${entry.DelaySeconds} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`);
  }
  let dedupId: string | undefined;
  const groupId = entry.MessageGroupId;
  if (groupId !== undefined && !FIFO_ID.test(groupId)) throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${groupId} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  if (config.fifo) {
    if (entry.DelaySeconds !== undefined && entry.DelaySeconds !== 0) {
      throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${entry.DelaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`);
    }
    if (groupId === undefined) throw new SqsError('LAMINA_ERR_SQS_MISSING_PARAMETER', 'The request must contain the parameter MessageGroupId.');
    dedupId = entry.MessageDeduplicationId;
    if (dedupId !== undefined && !FIFO_ID.test(dedupId)) throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${dedupId} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
    if (dedupId === undefined) {
      if (!config.contentBasedDeduplication) throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      // Content-based deduplication hashes the body only, not the attributes.
      dedupId = createHash('sha256').update(body, 'utf8').digest('hex');
    }
  } else {
    if (entry.MessageDeduplicationId !== undefined) {
      throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', 'Value for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.');
    }
    // A standard queue accepts MessageGroupId (fair queues) and keeps it; it orders nothing.
  }
  const md5Body = md5OfBody(body);
  const md5Attributes = md5OfAttributes(entry.MessageAttributes);
  const md5System = md5OfAttributes(entry.MessageSystemAttributes);
  const scope = queue.attributes['DeduplicationScope'] === 'messageGroup' ? `g:${groupId ?? ''}` : 'q';
  if (dedupId !== undefined) {
    const earlier = ctx.store.findDedup(queue.name, scope, dedupId, now);
    // A duplicate is accepted and answered with the first message's id, but not enqueued again.
    if (earlier !== undefined) return answer(earlier.messageId, md5Body, md5Attributes, md5System, earlier.sequenceNumber);
  }
  const id = randomUUID();
  const sequenceNumber = config.fifo ? ctx.store.nextSequenceNumber(queue.name) : undefined;
  const delay = entry.DelaySeconds ?? config.delaySeconds;
  ctx.store.insertMessage({
    queue: queue.name, id, body, attributes: entry.MessageAttributes,
    // The sender's trace header when it set no AWSTraceHeader itself (not in the MD5 it was answered).
    systemAttributes: entry.MessageSystemAttributes ?? (traceHeader === undefined ? undefined : { AWSTraceHeader: { DataType: 'String', StringValue: traceHeader } }),
    md5OfBody: md5Body, md5OfAttributes: md5Attributes, md5OfSystemAttributes: md5System, senderId, sentAt: now,
    visibleAt: now + delay * 1000, receiveCount: 0, firstReceiveAt: undefined, receiptHandle: undefined,
    groupId, dedupId, sequenceNumber, deadLetterSourceArn: undefined,
  });
  if (dedupId !== undefined) ctx.store.putDedup(queue.name, scope, dedupId, id, sequenceNumber, now + DEDUP_WINDOW_MS);
  return answer(id, md5Body, md5Attributes, md5System, sequenceNumber);
}

function answer(id: string, md5Body: string, md5Attributes: string | undefined, md5System: string | undefined, sequenceNumber: string | undefined): SendMessageOutput {
  return {
    MessageId: id, MD5OfMessageBody: md5Body,
    ...(md5Attributes !== undefined ? { MD5OfMessageAttributes: md5Attributes } : {}),
    ...(md5System !== undefined ? { MD5OfMessageSystemAttributes: md5System } : {}),
    ...(sequenceNumber !== undefined ? { SequenceNumber: sequenceNumber } : {}),
  };
}

/**
 * SendMessage. The caller notifies the queue's waiters after the transaction commits.
 *
 * @example
 * sendMessage(ctx, { QueueUrl: url, MessageBody: 'hi' }, 'AKIDEXAMPLE');
 */
export function sendMessage(ctx: SqsContext, input: SendMessageInput, senderId: string, traceHeader?: string): SendMessageOutput {
  return sendOne(ctx, resolveQueue(ctx, input.QueueUrl), input, senderId, Date.now(), traceHeader);
}

/** SendMessageBatch: the entries' total size counts against the queue's maximum as well. */
export function sendMessageBatch(ctx: SqsContext, input: { QueueUrl: string; Entries: readonly SendEntry[] }, senderId: string, traceHeader?: string): { Successful: (SendMessageOutput & { Id: string })[]; Failed: BatchEntryFailure[] } {
  const target = resolveQueue(ctx, input.QueueUrl);
  checkBatch(input.Entries);
  const total = input.Entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? '') + attributesSize(e.MessageAttributes), 0);
  if (total > target.config.maximumMessageSize) {
    throw new SqsError('LAMINA_ERR_SQS_BATCH_TOO_LONG', `Batch requests cannot be longer than ${target.config.maximumMessageSize} bytes. You have sent ${total} bytes.`);
  }
  const now = Date.now();
  const Successful: (SendMessageOutput & { Id: string })[] = [];
  const Failed: BatchEntryFailure[] = [];
  for (const entry of input.Entries) {
    try {
      if (entry.rejected !== undefined) throw entry.rejected;
      Successful.push({ Id: entry.Id, ...sendOne(ctx, target, entry, senderId, now, traceHeader) });
    } catch (err) {
      Failed.push(batchFailure(entry.Id, err));
    }
  }
  return { Successful, Failed };
}

/**
 * DeleteMessage: a stale handle (the message was received again since) succeeds without deleting,
 * and so does a handle of a message already gone, as in SQS.
 *
 * @example
 * deleteMessage(ctx, { QueueUrl: url, ReceiptHandle: handle });
 */
export function deleteMessage(ctx: SqsContext, input: { QueueUrl: string; ReceiptHandle: string }): Record<string, never> {
  const { queue } = resolveQueue(ctx, input.QueueUrl);
  deleteOne(ctx, queue.name, input.ReceiptHandle);
  return {};
}

function deleteOne(ctx: SqsContext, queue: string, handle: string): void {
  const { messageId } = parseReceiptHandle(handle, queue);
  const message = ctx.store.message(messageId);
  if (message !== undefined && message.queue === queue && message.receiptHandle === handle) ctx.store.deleteMessage(messageId);
}

export function deleteMessageBatch(ctx: SqsContext, input: { QueueUrl: string; Entries: readonly DeleteEntry[] }): { Successful: { Id: string }[]; Failed: BatchEntryFailure[] } {
  const { queue } = resolveQueue(ctx, input.QueueUrl);
  checkBatch(input.Entries);
  const Successful: { Id: string }[] = [];
  const Failed: BatchEntryFailure[] = [];
  for (const entry of input.Entries) {
    try {
      deleteOne(ctx, queue.name, entry.ReceiptHandle);
      Successful.push({ Id: entry.Id });
    } catch (err) {
      Failed.push(batchFailure(entry.Id, err));
    }
  }
  return { Successful, Failed };
}

/** Changes a message's visibility; returns true when it became visible now (waiters to wake). */
function changeOne(ctx: SqsContext, queue: string, handle: string, timeout: number, now: number): boolean {
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > 43_200) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${timeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`);
  }
  const { messageId } = parseReceiptHandle(handle, queue);
  const message = ctx.store.message(messageId);
  if (message === undefined || message.queue !== queue) throw new SqsError('LAMINA_ERR_SQS_RECEIPT_HANDLE_INVALID', `The input receipt handle "${handle}" is not a valid receipt handle.`);
  if (message.receiptHandle !== handle || message.visibleAt <= now) {
    throw new SqsError('LAMINA_ERR_SQS_MESSAGE_NOT_INFLIGHT', `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`);
  }
  ctx.store.setVisibleAt(messageId, now + timeout * 1000);
  return timeout === 0;
}

export function changeMessageVisibility(ctx: SqsContext, input: { QueueUrl: string; ReceiptHandle: string; VisibilityTimeout: number }): { wake: boolean } {
  const { queue } = resolveQueue(ctx, input.QueueUrl);
  return { wake: changeOne(ctx, queue.name, input.ReceiptHandle, input.VisibilityTimeout, Date.now()) };
}

export function changeMessageVisibilityBatch(ctx: SqsContext, input: { QueueUrl: string; Entries: readonly ChangeVisibilityEntry[] }): { Successful: { Id: string }[]; Failed: BatchEntryFailure[]; wake: boolean } {
  const { queue } = resolveQueue(ctx, input.QueueUrl);
  checkBatch(input.Entries);
  const now = Date.now();
  const Successful: { Id: string }[] = [];
  const Failed: BatchEntryFailure[] = [];
  let wake = false;
  for (const entry of input.Entries) {
    try {
      wake = changeOne(ctx, queue.name, entry.ReceiptHandle, entry.VisibilityTimeout, now) || wake;
      Successful.push({ Id: entry.Id });
    } catch (err) {
      Failed.push(batchFailure(entry.Id, err));
    }
  }
  return { Successful, Failed, wake };
}
