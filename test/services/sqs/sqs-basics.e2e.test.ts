import { createHash } from 'node:crypto';
import {
  CreateQueueCommand, DeleteMessageCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand,
  PurgeQueueCommand, QueueDoesNotExist, QueueNameExists, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand,
  ListQueueTagsCommand, TagQueueCommand, InvalidMessageContents, SQSServiceException,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSqs, type TestSqs } from './sqs-test-server.js';

let sqs: TestSqs;
beforeAll(async () => { sqs = await startTestSqs(); });
afterAll(async () => { await sqs.dispose(); });

async function newQueue(name: string, Attributes: Record<string, string> = {}): Promise<string> {
  const out = await sqs.client.send(new CreateQueueCommand({ QueueName: name, Attributes }));
  return out.QueueUrl ?? '';
}

describe('the SQS server with @aws-sdk/client-sqs', () => {
  it('creates, finds, lists and deletes queues, with SQS URLs and ARNs', async () => {
    const url = await newQueue('basics-a');
    expect(url).toBe(`${sqs.server.endpoint}/123456789012/basics-a`);
    expect(await newQueue('basics-a')).toBe(url); // same attributes: idempotent
    await expect(sqs.client.send(new CreateQueueCommand({ QueueName: 'basics-a', Attributes: { VisibilityTimeout: '5' } }))).rejects.toBeInstanceOf(QueueNameExists);
    expect((await sqs.client.send(new GetQueueUrlCommand({ QueueName: 'basics-a' }))).QueueUrl).toBe(url);
    await newQueue('basics-b');
    const listed = await sqs.client.send(new ListQueuesCommand({ QueueNamePrefix: 'basics-' }));
    expect(listed.QueueUrls).toEqual([url, `${sqs.server.endpoint}/123456789012/basics-b`]);
    const attrs = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attrs.Attributes?.QueueArn).toBe('arn:aws:sqs:us-east-1:123456789012:basics-a');
    expect(attrs.Attributes?.VisibilityTimeout).toBe('30');
    expect(attrs.Attributes?.MaximumMessageSize).toBe('1048576');
    await sqs.client.send(new DeleteQueueCommand({ QueueUrl: url }));
    await expect(sqs.client.send(new GetQueueUrlCommand({ QueueName: 'basics-a' }))).rejects.toBeInstanceOf(QueueDoesNotExist);
  });

  it('raises QueueDoesNotExist with the Query code the SDK exposes', async () => {
    const err = await sqs.client.send(new SendMessageCommand({ QueueUrl: `${sqs.server.endpoint}/123456789012/nope`, MessageBody: 'x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueDoesNotExist);
    expect((err as QueueDoesNotExist).$metadata.httpStatusCode).toBe(400);
    expect((err as { Code?: string }).Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
  });

  it('sends, receives and deletes a message; the SDK checks MD5OfBody', async () => {
    const url = await newQueue('basics-send');
    const body = 'héllo 🌍 {"json":true}';
    const sent = await sqs.client.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: body,
      MessageAttributes: {
        Str: { DataType: 'String', StringValue: 'value' }, Num: { DataType: 'Number', StringValue: '42.5' },
        Bin: { DataType: 'Binary', BinaryValue: Uint8Array.from([0, 1, 2, 255]) }, Custom: { DataType: 'String.custom', StringValue: 'c' },
        'other.x': { DataType: 'String', StringValue: 'o' },
      },
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' } },
    }));
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update(body).digest('hex'));
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(sent.MD5OfMessageSystemAttributes).toMatch(/^[0-9a-f]{32}$/);
    const got = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['S.*', 'Bin'], MessageSystemAttributeNames: ['All'] }));
    expect(got.Messages).toHaveLength(1);
    const m = got.Messages?.[0];
    expect(m?.Body).toBe(body);
    expect(m?.MessageId).toBe(sent.MessageId);
    expect(Object.keys(m?.MessageAttributes ?? {}).sort()).toEqual(['Bin', 'Str']);
    expect(m?.MessageAttributes?.['Bin']?.BinaryValue).toEqual(Uint8Array.from([0, 1, 2, 255]));
    expect(m?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(m?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(m?.Attributes?.SenderId).toBe('AKIDLAMINATEST');
    expect(m?.Attributes?.AWSTraceHeader).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');
    expect(Number(m?.Attributes?.SentTimestamp)).toBeGreaterThan(0);
    expect(m?.Attributes?.ApproximateFirstReceiveTimestamp).toBeDefined();
    await sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m?.ReceiptHandle }));
    const counts = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(counts.Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('refuses bodies with characters SQS does not allow, and bodies over the queue maximum', async () => {
    const url = await newQueue('basics-bad', { MaximumMessageSize: '1024' });
    await expect(sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\u0000b' }))).rejects.toBeInstanceOf(InvalidMessageContents);
    await expect(sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '\uffff' }))).rejects.toBeInstanceOf(InvalidMessageContents);
    const big = await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1025) })).catch((e: unknown) => e);
    expect((big as SQSServiceException).name).toBe('InvalidParameterValue');
    expect((await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1024) }))).MessageId).toBeDefined();
    const empty = await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' })).catch((e: unknown) => e);
    expect((empty as SQSServiceException).name).toBe('MissingParameter');
    const badAttr = await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'ten' } } })).catch((e: unknown) => e);
    expect((badAttr as SQSServiceException).name).toBe('InvalidParameterValue');
  });

  it('accepts a 1 MiB body by default', async () => {
    const url = await newQueue('basics-mib');
    const body = 'y'.repeat(1_048_576);
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    const got = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(got.Messages?.[0]?.Body?.length).toBe(body.length);
    await expect(sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `${body}y` }))).rejects.toThrow(/shorter than 1048576/);
  });

  it('validates queue attributes, and sets, tags and purges', async () => {
    const url = await newQueue('basics-attrs');
    const bad = await sqs.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '43201' } })).catch((e: unknown) => e);
    expect((bad as SQSServiceException).name).toBe('InvalidAttributeValue');
    const unknown = await sqs.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Bogus: '1' } as Record<string, string> })).catch((e: unknown) => e);
    expect((unknown as SQSServiceException).name).toBe('InvalidAttributeName');
    await sqs.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '7', DelaySeconds: '3' } }));
    const attrs = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout', 'DelaySeconds'] }));
    expect(attrs.Attributes).toEqual({ VisibilityTimeout: '7', DelaySeconds: '3' });
    await sqs.client.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'core' } }));
    expect((await sqs.client.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({ team: 'core' });
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'delayed' }));
    const delayed = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
    expect(delayed.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    await sqs.client.send(new PurgeQueueCommand({ QueueUrl: url }));
    const again = await sqs.client.send(new PurgeQueueCommand({ QueueUrl: url })).catch((e: unknown) => e);
    expect((again as SQSServiceException).name).toBe('PurgeQueueInProgress');
    const after = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
    expect(after.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('0');
  });
});
