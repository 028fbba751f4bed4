/**
 * The SDK-backed QueueClient (src/event-sources/sqs/sdk-queue-client.ts) against a real SQS server
 * on 127.0.0.1 (the embedded one, over HTTP): a message it receives makes the same event record as
 * the in-process client makes of the same message, binary attributes included; visibility changes,
 * deletes in batches of 10, a cut long poll that takes nothing, and a queue that appears later.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessQueueClient } from '../../../src/event-sources/sqs/queue-client.js';
import { SdkQueueClient, sqsClientFor } from '../../../src/event-sources/sqs/sdk-queue-client.js';
import { sqsRecord } from '../../../src/event-sources/sqs/sqs-event.js';
import { queueDefinition, startTestSqs, type TestSqs } from '../../services/sqs/sqs-test-server.js';

const ARN = 'arn:aws:sqs:us-east-1:123456789012:jobs';
const opened: Array<{ sqs: TestSqs; destroy: () => void }> = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    o.destroy();
    await o.sqs.dispose();
  }
});

async function setUp(queues = [queueDefinition('jobs', { visibilityTimeout: 30 })]): Promise<{ sqs: TestSqs; client: SdkQueueClient; url: string }> {
  const sqs = await startTestSqs(queues);
  const sdk = sqsClientFor({ endpoint: sqs.server.endpoint, queueArn: ARN });
  opened.push({ sqs, destroy: () => sdk.destroy() });
  return { sqs, client: new SdkQueueClient(sdk, ARN), url: `${sqs.server.endpoint}/123456789012/jobs` };
}

describe('SdkQueueClient', () => {
  it('receives what the in-process client receives: the same record, attributes and MD5s included', async () => {
    const { sqs, client, url } = await setUp();
    await sqs.client.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: 'héllo',
      MessageAttributes: { s: { DataType: 'String', StringValue: 'v' }, b: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 255]) }, n: { DataType: 'Number.int', StringValue: '7' } },
    }));
    const [viaSdk] = await client.receive(10, 1);
    expect(viaSdk).toBeDefined();
    // Handed back at once: the in-process client receives the same message a second time.
    await client.changeVisibility(viaSdk?.ReceiptHandle ?? '', 0);
    const [inProcess] = await new InProcessQueueClient(sqs.server.service, 'jobs').receive(10, 1);
    const a = sqsRecord(viaSdk as NonNullable<typeof viaSdk>, ARN);
    const b = sqsRecord(inProcess as NonNullable<typeof inProcess>, ARN);
    expect(b.attributes.ApproximateReceiveCount).toBe('2');
    const { receiptHandle: _ra, attributes: { ApproximateReceiveCount: _ca, ...attrsA }, ...restA } = a;
    const { receiptHandle: _rb, attributes: { ApproximateReceiveCount: _cb, ...attrsB }, ...restB } = b;
    expect(restA).toEqual(restB);
    expect(attrsA).toEqual(attrsB);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(a.messageAttributes.b?.binaryValue).toBe(Buffer.from([0, 1, 255]).toString('base64'));
  });

  it('deletes any number of handles, 10 per request', async () => {
    const { sqs, client, url } = await setUp();
    for (let i = 0; i < 12; i++) await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    const got = [...await client.receive(10, 1), ...await client.receive(10, 1)];
    expect(got).toHaveLength(12);
    await client.deleteBatch(got.map((m) => m.ReceiptHandle));
    const attrs = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(attrs.Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('answers a cut long poll with nothing, and the server\'s poll ends with it (a later message is not taken by it)', async () => {
    const { sqs, client, url } = await setUp();
    const stop = new AbortController();
    const started = Date.now();
    const polling = client.receive(10, 20, stop.signal);
    setTimeout(() => stop.abort(), 200);
    expect(await polling).toEqual([]);
    expect(Date.now() - started).toBeLessThan(15_000);
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'after' }));
    const [m] = await client.receive(10, 2);
    expect(m?.Body).toBe('after');
    expect(m?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  it('fails while the queue does not exist, and finds it once it does', async () => {
    const { sqs, client, url } = await setUp([]);
    await expect(client.receive(10, 0)).rejects.toThrow(/does not exist/);
    await sqs.client.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' }));
    expect((await client.receive(10, 1)).map((m) => m.Body)).toEqual(['late']);
  });
});
