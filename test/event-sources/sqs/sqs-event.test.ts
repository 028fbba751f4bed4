/**
 * The SQS event record (src/event-sources/sqs/sqs-event.ts) built from messages the embedded SQS
 * server really hands out, through the in-process queue client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessQueueClient } from '../../../src/event-sources/sqs/queue-client.js';
import { recordSize, regionOfArn, sqsEventPayload, sqsRecord } from '../../../src/event-sources/sqs/sqs-event.js';
import { md5OfBody } from '../../../src/services/sqs/message-attributes.js';
import { queueDefinition, startTestSqs, type TestSqs } from '../../services/sqs/sqs-test-server.js';

let sqs: TestSqs;
beforeAll(async () => { sqs = await startTestSqs([queueDefinition('plain'), queueDefinition('ordered.fifo')]); });
afterAll(async () => { await sqs.dispose(); });

const PLAIN_ARN = 'arn:aws:sqs:us-east-1:123456789012:plain';

describe('sqsRecord', () => {
  it('mirrors Lambda: member order, string attributes, camel-case message attributes with empty lists', async () => {
    await sqs.server.service.send({
      QueueUrl: 'plain', MessageBody: '{"n":1}',
      MessageAttributes: { colour: { DataType: 'String', StringValue: 'blue' }, blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2]).toString('base64') } },
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' } },
    }, 'AKIDSENDER');
    const [m] = await new InProcessQueueClient(sqs.server.service, 'plain').receive(10, 0);
    if (m === undefined) throw new Error('no message');
    const record = sqsRecord(m, PLAIN_ARN);
    expect(Object.keys(record)).toEqual(['messageId', 'receiptHandle', 'body', 'attributes', 'messageAttributes', 'md5OfBody', 'md5OfMessageAttributes', 'eventSource', 'eventSourceARN', 'awsRegion']);
    expect(Object.keys(record.attributes)).toEqual(['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp', 'AWSTraceHeader']);
    expect(record).toMatchObject({
      messageId: m.MessageId, receiptHandle: m.ReceiptHandle, body: '{"n":1}', md5OfBody: md5OfBody('{"n":1}'),
      md5OfMessageAttributes: m.MD5OfMessageAttributes, eventSource: 'aws:sqs', eventSourceARN: PLAIN_ARN, awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1', SenderId: 'AKIDSENDER', AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' },
    });
    expect(record.attributes['SentTimestamp']).toMatch(/^\d{13}$/);
    expect(record.messageAttributes).toEqual({
      colour: { stringValue: 'blue', stringListValues: [], binaryListValues: [], dataType: 'String' },
      blob: { binaryValue: 'AAEC', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
    expect(Object.keys(record.messageAttributes['colour'] ?? {})).toEqual(['stringValue', 'stringListValues', 'binaryListValues', 'dataType']);
  });

  it('FIFO records carry SequenceNumber, MessageGroupId and MessageDeduplicationId; no md5OfMessageAttributes without attributes', async () => {
    await sqs.server.service.send({ QueueUrl: 'ordered.fifo', MessageBody: 'first', MessageGroupId: 'g1', MessageDeduplicationId: 'd1' });
    const [m] = await new InProcessQueueClient(sqs.server.service, 'ordered.fifo').receive(10, 0);
    if (m === undefined) throw new Error('no message');
    const record = sqsRecord(m, 'arn:aws:sqs:eu-west-3:123456789012:ordered.fifo');
    expect(Object.keys(record.attributes)).toEqual(['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp', 'SequenceNumber', 'MessageGroupId', 'MessageDeduplicationId']);
    expect(record.attributes).toMatchObject({ MessageGroupId: 'g1', MessageDeduplicationId: 'd1' });
    expect(record.messageAttributes).toEqual({});
    expect('md5OfMessageAttributes' in record).toBe(false);
    expect(record.awsRegion).toBe('eu-west-3');
  });

  it('the payload is {"Records":[...]} and a record adds its JSON size plus a comma', async () => {
    await sqs.server.service.send({ QueueUrl: 'plain', MessageBody: 'héllo "quoted"' });
    const [m] = await new InProcessQueueClient(sqs.server.service, 'plain').receive(1, 0);
    if (m === undefined) throw new Error('no message');
    const r = sqsRecord(m, PLAIN_ARN);
    const two = sqsEventPayload([r, r]);
    expect(JSON.parse(two.toString())).toEqual({ Records: [JSON.parse(JSON.stringify(r)), JSON.parse(JSON.stringify(r))] });
    expect(two.length).toBe(sqsEventPayload([]).length + 2 * recordSize(r) - 1);
  });

  it('regionOfArn takes the fourth field, and is empty for a hostile ARN', () => {
    expect(regionOfArn('arn:aws:sqs:ap-south-1:1:q')).toBe('ap-south-1');
    expect(regionOfArn('not-an-arn')).toBe('');
  });
});
