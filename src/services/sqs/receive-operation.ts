/**
 * ReceiveMessage (docs/sqs-server.md): picks receivable messages (oldest first; for FIFO, in order
 * per group and never from a group with a message in flight), moves those past the redrive
 * policy's maxReceiveCount to the dead-letter queue, marks the rest in flight under a new receipt
 * handle, and long-polls up to WaitTimeSeconds when nothing is there.
 */
import { selectAttributes } from './message-attributes.js';
import { newReceiptHandle, queueArn, queueNameOfArn, resolveQueue, type ResolvedQueue, type SqsContext } from './sqs-context.js';
import { SqsError } from './sqs-errors.js';
import type { StoredMessage } from './sqs-store.js';
import type { ReceiveMessageInput, ReceivedMessage } from './sqs-types.js';

const SYSTEM_ATTRIBUTES = [
  'SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp',
  'SequenceNumber', 'MessageDeduplicationId', 'MessageGroupId', 'AWSTraceHeader', 'DeadLetterQueueSourceArn',
] as const;

function checkInput(input: ReceiveMessageInput): void {
  const max = input.MaxNumberOfMessages;
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 10)) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
  }
  const wait = input.WaitTimeSeconds;
  if (wait !== undefined && (!Number.isInteger(wait) || wait < 0 || wait > 20)) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
  }
  const vt = input.VisibilityTimeout;
  if (vt !== undefined && (!Number.isInteger(vt) || vt < 0 || vt > 43_200)) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${vt} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.`);
  }
}

/** Moves a message to the dead-letter queue if it was received maxReceiveCount times already. */
function redriven(ctx: SqsContext, target: ResolvedQueue, m: StoredMessage, now: number, moved: Set<string>): boolean {
  const redrive = target.config.redrive;
  if (redrive === undefined || m.receiveCount < redrive.maxReceiveCount) return false;
  const dlqName = queueNameOfArn(ctx, redrive.deadLetterTargetArn);
  const dlq = dlqName === undefined ? undefined : ctx.store.getQueue(dlqName);
  // A dead-letter queue deleted since the policy was set: the message stays, as SQS keeps it.
  if (dlqName === undefined || dlq === undefined) return false;
  const sequence = dlq.attributes['FifoQueue'] === 'true' ? ctx.store.nextSequenceNumber(dlqName) : undefined;
  ctx.store.moveMessage(m, dlqName, queueArn(ctx, target.queue.name), sequence, now);
  moved.add(dlqName);
  return true;
}

function pickStandard(ctx: SqsContext, target: ResolvedQueue, max: number, now: number, moved: Set<string>): StoredMessage[] {
  const picked: StoredMessage[] = [];
  for (;;) {
    // Redriven messages leave the queue, so the picked ones are the first visible ones: skip them.
    const batch = ctx.store.messages(target.queue.name, now, max - picked.length, picked.length);
    let movedAny = false;
    for (const m of batch) {
      if (redriven(ctx, target, m, now, moved)) movedAny = true;
      else picked.push(m);
    }
    if (batch.length === 0 || picked.length >= max || !movedAny) return picked;
  }
}

function pickFifo(ctx: SqsContext, target: ResolvedQueue, max: number, now: number, moved: Set<string>): StoredMessage[] {
  const blocked = ctx.store.blockedGroups(target.queue.name, now);
  const picked: StoredMessage[] = [];
  let after = 0;
  // Pages, not one cursor: a redrive writes to the table while the scan goes on.
  for (let page = ctx.store.messagesAfter(target.queue.name, after, 500); page.length > 0; page = ctx.store.messagesAfter(target.queue.name, after, 500)) {
    for (const m of page) {
      after = m.ord;
      if (picked.length >= max) return picked;
      const group = m.groupId ?? '';
      if (blocked.has(group)) continue;
      // The group's head is not receivable yet (delayed): nothing behind it in the group may pass it.
      if (m.visibleAt > now) { blocked.add(group); continue; }
      if (redriven(ctx, target, m, now, moved)) continue;
      picked.push(m);
    }
    if (picked.length >= max) return picked;
  }
  return picked;
}

function systemAttributes(m: StoredMessage, wanted: readonly string[], receiveCount: number, firstReceiveAt: number): Record<string, string> | undefined {
  const all = wanted.includes('All');
  const values: Record<string, string | undefined> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(receiveCount),
    ApproximateFirstReceiveTimestamp: String(firstReceiveAt),
    SequenceNumber: m.sequenceNumber,
    MessageDeduplicationId: m.dedupId,
    MessageGroupId: m.groupId,
    AWSTraceHeader: m.systemAttributes?.['AWSTraceHeader']?.StringValue,
    DeadLetterQueueSourceArn: m.deadLetterSourceArn,
  };
  const out: Record<string, string> = {};
  for (const name of SYSTEM_ATTRIBUTES) {
    const value = values[name];
    if (value !== undefined && (all || wanted.includes(name))) out[name] = value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * One receive attempt, without waiting: what is receivable now, marked in flight.
 * Returns the dead-letter queues that received messages, so their waiters can be woken.
 *
 * @example
 * const { messages } = receiveNow(ctx, { QueueUrl: url, MaxNumberOfMessages: 10 });
 */
export function receiveNow(ctx: SqsContext, input: ReceiveMessageInput): { messages: ReceivedMessage[]; moved: Set<string> } {
  checkInput(input);
  const target = resolveQueue(ctx, input.QueueUrl);
  const now = Date.now();
  ctx.store.expire(target.queue.name, now - target.config.messageRetentionPeriod * 1000);
  const max = input.MaxNumberOfMessages ?? 1;
  const moved = new Set<string>();
  const picked = target.config.fifo ? pickFifo(ctx, target, max, now, moved) : pickStandard(ctx, target, max, now, moved);
  const visibleAt = now + (input.VisibilityTimeout ?? target.config.visibilityTimeout) * 1000;
  const wanted = input.AttributeNames ?? [];
  const messages = picked.map((m): ReceivedMessage => {
    const handle = newReceiptHandle(target.queue.name, m.id);
    ctx.store.markReceived(m.id, visibleAt, handle, now);
    const attributes = selectAttributes(m.attributes, input.MessageAttributeNames ?? []);
    const system = systemAttributes(m, wanted, m.receiveCount + 1, m.firstReceiveAt ?? now);
    return {
      MessageId: m.id, ReceiptHandle: handle, MD5OfBody: m.md5OfBody, Body: m.body,
      ...(system !== undefined ? { Attributes: system } : {}),
      // SQS digests all of the message's attributes, whichever were asked for.
      ...(attributes !== undefined && m.md5OfAttributes !== undefined ? { MD5OfMessageAttributes: m.md5OfAttributes, MessageAttributes: attributes } : {}),
    };
  });
  return { messages, moved };
}

/**
 * ReceiveMessage with long polling: tries, then waits for a send, a visibility change or the next
 * message's visibility time, until WaitTimeSeconds (else the queue's ReceiveMessageWaitTimeSeconds).
 *
 * @example
 * const out = await receiveMessage(ctx, { QueueUrl: url, WaitTimeSeconds: 20 }, abortSignal);
 */
export async function receiveMessage(ctx: SqsContext, input: ReceiveMessageInput, abort?: AbortSignal): Promise<{ Messages?: ReceivedMessage[] }> {
  checkInput(input);
  const { queue, config } = ctx.store.transaction(() => resolveQueue(ctx, input.QueueUrl));
  const deadline = Date.now() + (input.WaitTimeSeconds ?? config.receiveMessageWaitTimeSeconds) * 1000;
  for (;;) {
    const { messages, moved } = ctx.store.transaction(() => receiveNow(ctx, input));
    for (const name of moved) ctx.signals.notify(name);
    const now = Date.now();
    if (messages.length > 0 || now >= deadline || ctx.signals.isClosed || abort?.aborted === true) {
      return messages.length > 0 ? { Messages: messages } : {};
    }
    const next = ctx.store.nextVisibleAt(queue.name, now);
    await ctx.signals.wait(queue.name, Math.min(deadline, next ?? deadline) - now, abort);
    // Woken by shutdown: the store may be closing, so answer without touching it again.
    if (ctx.signals.isClosed) return {};
  }
}
