import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { queueDefinition, startTestSqs, type TestSqs } from './sqs-test-server.js';

const started: TestSqs[] = [];
afterAll(async () => {
  for (const s of started) await s.stop();
  if (started[0] !== undefined) rmSync(started[0].dir, { recursive: true, force: true });
});

describe('durability and template queues', () => {
  it('creates the template queues with their attributes and redrive, idempotently on restart', async () => {
    const dlq = queueDefinition('tpl-dlq');
    const main = queueDefinition('tpl-main', { visibilityTimeout: 12, delaySeconds: 0, redrive: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 } });
    // The source comes before its dead-letter queue: creation must not depend on the order.
    const first = await startTestSqs([main, dlq]);
    started.push(first);
    const url = first.server.service.queueUrl('tpl-main');
    const attrs = await first.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attrs.Attributes?.VisibilityTimeout).toBe('12');
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 });

    // Messages: one in flight (received once, long visibility), one waiting.
    await first.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'in flight' }));
    const [m] = (await first.client.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 600 }))).Messages ?? [];
    expect(m?.Body).toBe('in flight');
    await first.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'waiting' }));
    await first.stop();

    // Restart on the same file, with the template changed: attributes follow, messages stay.
    const second = await startTestSqs([{ ...main, visibilityTimeout: 20, redrive: undefined }, dlq], first.dir);
    started.push(second);
    const url2 = second.server.service.queueUrl('tpl-main');
    const after = await second.client.send(new GetQueueAttributesCommand({ QueueUrl: url2, AttributeNames: ['All'] }));
    expect(after.Attributes?.VisibilityTimeout).toBe('20');
    expect(after.Attributes?.RedrivePolicy).toBeUndefined();
    expect(after.Attributes?.ApproximateNumberOfMessages).toBe('1');
    expect(after.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('1');
    const got = (await second.client.send(new ReceiveMessageCommand({ QueueUrl: url2, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages ?? [];
    expect(got.map((x) => x.Body)).toEqual(['waiting']);
    // The in-flight message kept its receipt handle and visibility across the restart.
    const { service } = second.server;
    await service.delete('tpl-main', m?.ReceiptHandle ?? '');
    const left = await second.client.send(new GetQueueAttributesCommand({ QueueUrl: url2, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
    expect(left.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('1'); // only 'waiting' now
  });

  it('the in-process API sends and long-polls without HTTP, and the SDK sees the same messages', async () => {
    const sqs = await startTestSqs([queueDefinition('inproc')]);
    started.push(sqs);
    const { service } = sqs.server;
    const polling = service.receive({ QueueUrl: 'inproc', WaitTimeSeconds: 10, AttributeNames: ['All'] });
    await sqs.client.send(new SendMessageCommand({ QueueUrl: service.queueUrl('inproc'), MessageBody: 'from the SDK' }));
    const [m] = await polling;
    expect(m?.Body).toBe('from the SDK');
    expect(m?.Attributes?.SenderId).toBe('AKIDLAMINATEST');
    const sent = await service.send({ QueueUrl: 'inproc', MessageBody: 'from Lamina' });
    const got = (await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: service.queueUrl('inproc') }))).Messages ?? [];
    expect(got.map((x) => [x.MessageId, x.Body])).toEqual([[sent.MessageId, 'from Lamina']]);
  });

  it('drops messages older than the retention period', async () => {
    const sqs = await startTestSqs([queueDefinition('retention', { messageRetentionPeriod: 60 })]);
    started.push(sqs);
    const { service } = sqs.server;
    await service.send({ QueueUrl: 'retention', MessageBody: 'old' });
    // Age the message in the store itself: waiting a minute is not a test.
    const db = (service.ctx.store as unknown as { db: { prepare(sql: string): { run(...a: unknown[]): unknown } } }).db;
    db.prepare('UPDATE messages SET sent_at = sent_at - 61000 WHERE queue = ?').run('retention');
    await service.send({ QueueUrl: 'retention', MessageBody: 'new' });
    expect((await service.receive({ QueueUrl: 'retention', MaxNumberOfMessages: 10 })).map((x) => x.Body)).toEqual(['new']);
  });

  it('closing the server ends a pending long poll', async () => {
    const sqs = await startTestSqs([queueDefinition('closing')]);
    const pending = sqs.client.send(new ReceiveMessageCommand({ QueueUrl: sqs.server.service.queueUrl('closing'), WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 200));
    const closing = sqs.server.close();
    const out = await pending;
    expect(out.Messages).toBeUndefined();
    await closing;
    await sqs.dispose();
  });
});
