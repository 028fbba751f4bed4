import {
  ChangeMessageVisibilityBatchCommand, ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageBatchCommand, DeleteMessageCommand,
  GetQueueAttributesCommand, ListDeadLetterSourceQueuesCommand, SetQueueAttributesCommand, MessageNotInflight, ReceiveMessageCommand, SendMessageBatchCommand,
  SendMessageCommand, BatchEntryIdsNotDistinct, EmptyBatchRequest, TooManyEntriesInBatchRequest, InvalidBatchEntryId,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSqs, type TestSqs } from './sqs-test-server.js';

let sqs: TestSqs;
beforeAll(async () => { sqs = await startTestSqs(); });
afterAll(async () => { await sqs.dispose(); });

async function newQueue(name: string, Attributes: Record<string, string> = {}): Promise<string> {
  return (await sqs.client.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl ?? '';
}

async function receive(QueueUrl: string, extra: { MaxNumberOfMessages?: number; WaitTimeSeconds?: number; VisibilityTimeout?: number } = {}) {
  return (await sqs.client.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'], ...extra }))).Messages ?? [];
}

describe('delivery semantics', () => {
  it('long polling returns as soon as a message arrives', async () => {
    const url = await newQueue('poll');
    const polling = receive(url, { WaitTimeSeconds: 20 });
    let settled = false;
    void polling.then(() => { settled = true; });
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false); // still waiting: the queue is empty
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const got = await polling;
    expect(got.map((m) => m.Body)).toEqual(['wake up']);
  });

  it('an empty long poll answers with no messages after WaitTimeSeconds', async () => {
    const url = await newQueue('poll-empty');
    expect(await receive(url, { WaitTimeSeconds: 1 })).toEqual([]);
  });

  it('redelivers after the visibility timeout, with a new handle and a higher receive count', async () => {
    const url = await newQueue('visibility');
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const [first] = await receive(url, { VisibilityTimeout: 1 });
    expect(first?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(await receive(url)).toEqual([]); // in flight
    const [second] = await receive(url, { WaitTimeSeconds: 5 }); // wakes when the timeout lapses
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(second?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(first?.Attributes?.ApproximateFirstReceiveTimestamp);
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    // The stale handle deletes nothing; the current one does.
    await sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle }));
    await expect(sqs.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 0 }))).rejects.toBeInstanceOf(MessageNotInflight);
    await sqs.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: second?.ReceiptHandle, VisibilityTimeout: 0 }));
    const [third] = await receive(url);
    expect(third?.Attributes?.ApproximateReceiveCount).toBe('3');
    await sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: third?.ReceiptHandle }));
    expect(await receive(url)).toEqual([]);
    const bad = await sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })).catch((e: unknown) => e);
    expect((bad as Error).name).toBe('ReceiptHandleIsInvalid');
  });

  it('delays messages per queue and per message', async () => {
    const url = await newQueue('delay');
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 }));
    expect(await receive(url)).toEqual([]);
    const got = await receive(url, { WaitTimeSeconds: 5 });
    expect(got.map((m) => m.Body)).toEqual(['later']);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const dlq = await newQueue('redrive-dlq');
    const dlqArn = 'arn:aws:sqs:us-east-1:123456789012:redrive-dlq';
    const url = await newQueue('redrive-src', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) });
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) {
      const [m] = await receive(url);
      await sqs.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m?.ReceiptHandle, VisibilityTimeout: 0 }));
    }
    expect(await receive(url)).toEqual([]); // the third receive moved it instead
    const [dead] = await receive(dlq);
    expect(dead?.Body).toBe('poison');
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe('arn:aws:sqs:us-east-1:123456789012:redrive-src');
    const sources = await sqs.client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
    expect(sources.queueUrls).toEqual([url]);
    const missing = await sqs.client.send(new CreateQueueCommand({ QueueName: 'redrive-bad', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:none', maxReceiveCount: 1 }) } })).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/does not exist/);
  });

  it('FIFO: in order per group, a group with a message in flight waits, deduplication for five minutes', async () => {
    const url = await newQueue('orders.fifo', { FifoQueue: 'true' });
    const send = (body: string, group: string, dedup: string) => sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: dedup }));
    const a1 = await send('a1', 'A', 'd1');
    await send('b1', 'B', 'd2');
    await send('a2', 'A', 'd3');
    const dup = await send('a1 again', 'A', 'd1');
    expect(dup.MessageId).toBe(a1.MessageId);
    expect(dup.SequenceNumber).toBe(a1.SequenceNumber);
    expect(a1.SequenceNumber).toMatch(/^\d{20}$/);
    const first = await receive(url, { MaxNumberOfMessages: 1 });
    expect(first.map((m) => m.Body)).toEqual(['a1']);
    expect(first[0]?.Attributes?.MessageGroupId).toBe('A');
    expect(first[0]?.Attributes?.SequenceNumber).toBe(a1.SequenceNumber);
    // Group A is blocked while a1 is in flight; B is free.
    const next = await receive(url, { MaxNumberOfMessages: 10 });
    expect(next.map((m) => m.Body)).toEqual(['b1']);
    await sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first[0]?.ReceiptHandle }));
    expect((await receive(url, { MaxNumberOfMessages: 10 })).map((m) => m.Body)).toEqual(['a2']);
    const noGroup = await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'z' })).catch((e: unknown) => e);
    expect((noGroup as Error).name).toBe('MissingParameter');
    const noDedup = await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'A' })).catch((e: unknown) => e);
    expect((noDedup as Error).message).toMatch(/ContentBasedDeduplication/);
  });

  it('FIFO: a long poll waiting on a blocked group wakes when the in-flight message is deleted', async () => {
    const url = await newQueue('wake.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'first', MessageGroupId: 'g' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'second', MessageGroupId: 'g' }));
    const [first] = await receive(url, { MaxNumberOfMessages: 1, VisibilityTimeout: 600 });
    const polling = receive(url, { WaitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 200));
    await sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle }));
    expect((await polling).map((m) => m.Body)).toEqual(['second']);
  });

  it('FIFO redrive: the poison head moves to the FIFO dead-letter queue and its group goes on', async () => {
    const dlq = await newQueue('poison-dlq.fifo', { FifoQueue: 'true' });
    const url = await newQueue('poison.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:poison-dlq.fifo', maxReceiveCount: 1 }) });
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison', MessageGroupId: 'g' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'healthy', MessageGroupId: 'g' }));
    const [first] = await receive(url);
    expect(first?.Body).toBe('poison');
    await sqs.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 0 }));
    expect((await receive(url, { MaxNumberOfMessages: 10 })).map((m) => m.Body)).toEqual(['healthy']);
    const [dead] = await receive(dlq);
    expect(dead?.Body).toBe('poison');
    expect(dead?.Attributes?.MessageGroupId).toBe('g');
    expect(dead?.Attributes?.SequenceNumber).toMatch(/^\d{20}$/);
    await newQueue('poison-standard-dlq');
    const mixed = await sqs.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:poison-standard-dlq', maxReceiveCount: 1 }) } })).catch((e: unknown) => e);
    expect((mixed as Error).message).toMatch(/same type/);
  });

  it('FIFO with content-based deduplication hashes the body', async () => {
    const url = await newQueue('content.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const one = await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g' }));
    const two = await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g' }));
    const other = await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'other', MessageGroupId: 'g' }));
    expect(two.MessageId).toBe(one.MessageId);
    expect(other.MessageId).not.toBe(one.MessageId);
    const got = await receive(url, { MaxNumberOfMessages: 10 });
    expect(got.map((m) => m.Body)).toEqual(['same', 'other']);
  });

  it('batches: per-entry results, and whole-batch errors', async () => {
    const url = await newQueue('batch');
    const sent = await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [
      { Id: 'ok1', MessageBody: 'one' }, { Id: 'bad', MessageBody: 'bad\u0001' }, { Id: 'ok2', MessageBody: 'two', DelaySeconds: 0 },
    ] }));
    expect(sent.Successful?.map((e) => e.Id)).toEqual(['ok1', 'ok2']);
    expect(sent.Failed).toEqual([{ Id: 'bad', SenderFault: true, Code: 'InvalidMessageContents', Message: expect.stringMatching(/Invalid characters/) as unknown }]);
    const attr = await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [
      { Id: 'badattr', MessageBody: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'NaN' } } }, { Id: 'fine', MessageBody: 'three' },
    ] }));
    expect(attr.Successful?.map((e) => e.Id)).toEqual(['fine']);
    expect(attr.Failed?.map((e) => [e.Id, e.Code])).toEqual([['badattr', 'InvalidParameterValue']]);
    await expect(sqs.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] }))).rejects.toBeInstanceOf(EmptyBatchRequest);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    await expect(sqs.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: eleven }))).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
    await expect(sqs.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'x', MessageBody: '1' }, { Id: 'x', MessageBody: '2' }] }))).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
    await expect(sqs.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'no spaces', MessageBody: '1' }] }))).rejects.toBeInstanceOf(InvalidBatchEntryId);
    const got = await receive(url, { MaxNumberOfMessages: 10 });
    expect(got.map((m) => m.Body).sort()).toEqual(['one', 'three', 'two']);
    const changed = await sqs.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: [
      { Id: 'c1', ReceiptHandle: got[0]?.ReceiptHandle, VisibilityTimeout: 60 }, { Id: 'c2', ReceiptHandle: 'nonsense', VisibilityTimeout: 60 },
    ] }));
    expect(changed.Successful?.map((e) => e.Id)).toEqual(['c1']);
    expect(changed.Failed?.[0]?.Code).toBe('ReceiptHandleIsInvalid');
    const deleted = await sqs.client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
    expect(deleted.Successful).toHaveLength(3);
    const attrs = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attrs.Attributes?.ApproximateNumberOfMessages).toBe('0');
    expect(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('receives up to MaxNumberOfMessages, oldest first, and refuses more than 10', async () => {
    const url = await newQueue('many');
    for (let i = 0; i < 12; i++) await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    const got = await receive(url, { MaxNumberOfMessages: 10 });
    expect(got.map((m) => m.Body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    await expect(receive(url, { MaxNumberOfMessages: 11 })).rejects.toThrow(/MaxNumberOfMessages/);
  });
});
