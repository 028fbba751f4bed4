import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncTarget, OutboundMessage, TargetSender } from '../../../src/async/async-types.js';
import { createTargetSender, DETAIL_TYPES, TargetDeliveryError } from '../../../src/async/targets/target-sender.js';
import { formFields, json10, json11, md5Hex, startCaptureServer, xml, type CaptureServer, type Handler } from './capture-server.js';

const ACCOUNT = '123456789012';
const FUNCTION_ARN = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:orders:$LATEST`;
const QUEUE = { kind: 'sqs', arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:failures`, queueName: 'failures', region: 'eu-west-1', accountId: ACCOUNT } as const satisfies AsyncTarget;
const TOPIC = { kind: 'sns', arn: `arn:aws:sns:us-east-2:${ACCOUNT}:alerts`, region: 'us-east-2' } as const satisfies AsyncTarget;
const BUS = { kind: 'eventbridge', arn: `arn:aws:events:ap-south-1:${ACCOUNT}:event-bus/results`, region: 'ap-south-1' } as const satisfies AsyncTarget;
const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:0';

const RECORD: OutboundMessage = { kind: 'record', body: '{"version":"1.0","requestPayload":{"n":1}}', condition: 'Success', functionArn: FUNCTION_ARN, traceHeader: TRACE };
const FAILURE_RECORD: OutboundMessage = { kind: 'record', body: '{"version":"1.0"}', condition: 'EventAgeExceeded', functionArn: FUNCTION_ARN };
const DEAD_LETTER: OutboundMessage = {
  kind: 'dead-letter', body: '{"order":42}', functionArn: FUNCTION_ARN, traceHeader: TRACE,
  attributes: { RequestID: '5c4c9f4e-1111-4a2e-8880-a18cdf61200e', ErrorCode: '200', ErrorMessage: 'boom' },
};

const servers: CaptureServer[] = [];
const senders: TargetSender[] = [];
afterEach(async () => {
  for (const sender of senders.splice(0)) sender.close();
  for (const server of servers.splice(0)) await server.close();
});

async function serve(handler: Handler): Promise<CaptureServer> {
  const server = await startCaptureServer(handler);
  servers.push(server);
  return server;
}

function sender(options: Parameters<typeof createTargetSender>[0]): TargetSender {
  const made = createTargetSender(options);
  senders.push(made);
  return made;
}

/** An SQS stand-in: GetQueueUrl and SendMessage (JSON 1.0), with the body's MD5 the SDK checks. */
function sqsHandler(url: () => string): Handler {
  return (request) => {
    const body = JSON.parse(request.body) as { MessageBody?: string };
    if (request.headers['x-amz-target'] === 'AmazonSQS.GetQueueUrl') return json10({ QueueUrl: `${url()}/${ACCOUNT}/failures` });
    return json10({ MessageId: 'm-1', MD5OfMessageBody: md5Hex(body.MessageBody ?? '') });
  };
}

async function rejection(promise: Promise<unknown>): Promise<TargetDeliveryError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TargetDeliveryError);
  return error as TargetDeliveryError;
}

describe('SQS', () => {
  it('looks the queue URL up once, then sends a dead letter with Lambda\'s attributes and the trace header', async () => {
    let base = '';
    const server = await serve(sqsHandler(() => base));
    base = server.url;
    const s = sender({ endpoints: { sqs: server.url } });
    await s.send(QUEUE, DEAD_LETTER);
    await s.send(QUEUE, DEAD_LETTER);

    expect(server.requests.map((r) => r.headers['x-amz-target'])).toEqual(['AmazonSQS.GetQueueUrl', 'AmazonSQS.SendMessage', 'AmazonSQS.SendMessage']);
    const [lookup, send, again] = server.requests;
    expect(lookup?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(lookup?.body ?? '')).toEqual({ QueueName: 'failures', QueueOwnerAWSAccountId: ACCOUNT });
    expect(JSON.parse(send?.body ?? '')).toEqual({
      QueueUrl: `${server.url}/${ACCOUNT}/failures`,
      MessageBody: '{"order":42}',
      MessageAttributes: {
        RequestID: { DataType: 'String', StringValue: '5c4c9f4e-1111-4a2e-8880-a18cdf61200e' },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: 'boom' },
      },
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: TRACE } },
    });
    // Signed for the target's region, with LocalStack's fixed key on loopback.
    expect(send?.headers.authorization).toMatch(/Credential=test\/\d{8}\/eu-west-1\/sqs\/aws4_request/);
    // One client, one kept-alive connection.
    expect(again?.remotePort).toBe(send?.remotePort);
  });

  it('sends a record as the bare body, and prefers the template queue\'s own server', async () => {
    let base = '';
    const local = await serve(sqsHandler(() => base));
    base = local.url;
    const elsewhere = await serve(() => json10({}, 500));
    const s = sender({ endpoints: { sqs: elsewhere.url }, localQueues: new Map([[QUEUE.arn, local.url]]), credentials: { accessKeyId: 'AKIDLAMINA', secretAccessKey: 'secret' } });
    await s.send(QUEUE, FAILURE_RECORD);
    expect(elsewhere.requests).toHaveLength(0);
    const sent = JSON.parse(local.requests[1]?.body ?? '') as Record<string, unknown>;
    expect(sent).toEqual({ QueueUrl: `${local.url}/${ACCOUNT}/failures`, MessageBody: '{"version":"1.0"}' });
    expect(local.requests[1]?.headers.authorization).toContain('Credential=AKIDLAMINA/');
  });

  it('rejects with the target ARN and SQS\'s error code, and looks the URL up again next time', async () => {
    let base = '';
    let refuse = true;
    const server = await serve((request) => {
      if (request.headers['x-amz-target'] === 'AmazonSQS.SendMessage' && refuse) {
        return json10({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' }, 400);
      }
      return sqsHandler(() => base)(request);
    });
    base = server.url;
    const s = sender({ endpoints: { sqs: server.url } });
    const error = await rejection(s.send(QUEUE, DEAD_LETTER));
    expect(error.targetArn).toBe(QUEUE.arn);
    expect(error.code).toBe('QueueDoesNotExist');
    expect(error.message).toContain(QUEUE.arn);
    expect(error.message).toContain('QueueDoesNotExist');
    refuse = false;
    await s.send(QUEUE, DEAD_LETTER);
    expect(server.requests.filter((r) => r.headers['x-amz-target'] === 'AmazonSQS.GetQueueUrl')).toHaveLength(2);
  });

  it('refuses a FIFO queue without sending', async () => {
    const server = await serve(() => json10({}));
    const fifo = { ...QUEUE, arn: `${QUEUE.arn}.fifo`, queueName: 'failures.fifo' };
    const error = await rejection(sender({ endpoints: { sqs: server.url } }).send(fifo, DEAD_LETTER));
    expect(error.code).toBe('UnsupportedTarget');
    expect(server.requests).toHaveLength(0);
  });
});

describe('SNS', () => {
  it('publishes a dead letter with the attributes as query fields and the trace header', async () => {
    const server = await serve(() => xml('<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>p-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>'));
    await sender({ endpoints: { sns: server.url } }).send(TOPIC, DEAD_LETTER);
    const [publish] = server.requests;
    expect(publish?.method).toBe('POST');
    expect(publish?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(publish?.headers['x-amzn-trace-id']).toBe(TRACE);
    expect(publish?.headers.authorization).toMatch(/\/us-east-2\/sns\/aws4_request/);
    const fields = formFields(publish?.body ?? '');
    expect(fields).toMatchObject({ Action: 'Publish', Version: '2010-03-31', TopicArn: TOPIC.arn, Message: '{"order":42}' });
    const attributes: Record<string, { type?: string; value?: string }> = {};
    for (const n of [1, 2, 3]) {
      const name = fields[`MessageAttributes.entry.${n}.Name`] ?? '';
      attributes[name] = { type: fields[`MessageAttributes.entry.${n}.Value.DataType`], value: fields[`MessageAttributes.entry.${n}.Value.StringValue`] };
    }
    expect(attributes).toEqual({
      RequestID: { type: 'String', value: '5c4c9f4e-1111-4a2e-8880-a18cdf61200e' },
      ErrorCode: { type: 'Number', value: '200' },
      ErrorMessage: { type: 'String', value: 'boom' },
    });
  });

  it('publishes a record with no attributes and rejects with SNS\'s error code', async () => {
    let fail = false;
    const server = await serve(() => fail
      ? xml('<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>r-2</RequestId></ErrorResponse>', 404)
      : xml('<PublishResponse><PublishResult><MessageId>p-2</MessageId></PublishResult></PublishResponse>'));
    const s = sender({ endpoints: { sns: server.url } });
    await s.send(TOPIC, FAILURE_RECORD);
    const fields = formFields(server.requests[0]?.body ?? '');
    expect(Object.keys(fields).some((k) => k.startsWith('MessageAttributes'))).toBe(false);
    expect(fields.Message).toBe('{"version":"1.0"}');
    fail = true;
    const error = await rejection(s.send(TOPIC, FAILURE_RECORD));
    expect(error.code).toBe('NotFound');
    expect(error.message).toContain(TOPIC.arn);
    expect(error.message).toContain('HTTP 404');
  });
});

describe('EventBridge', () => {
  it('puts one entry: the bus ARN, source lambda, the detail-type, the record as detail, bus and function as resources', async () => {
    const server = await serve(() => json11({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }));
    const s = sender({ endpoints: { events: server.url } });
    await s.send(BUS, RECORD);
    await s.send(BUS, FAILURE_RECORD);
    const [success, failure] = server.requests;
    expect(success?.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    expect(success?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(success?.body ?? '')).toEqual({
      Entries: [{
        EventBusName: BUS.arn, Source: 'lambda', DetailType: 'Lambda Function Invocation Result - Success',
        Detail: RECORD.body, Resources: [BUS.arn, FUNCTION_ARN], TraceHeader: TRACE,
      }],
    });
    const entry = (JSON.parse(failure?.body ?? '') as { Entries: Array<Record<string, unknown>> }).Entries[0];
    expect(entry?.DetailType).toBe(DETAIL_TYPES.failure);
    expect(entry?.DetailType).toBe('Lambda Function Invocation Result - Failure');
    expect(entry).not.toHaveProperty('TraceHeader');
  });

  it('treats a 200 answer with a failed entry as a failed send', async () => {
    const server = await serve(() => json11({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }] }));
    const error = await rejection(sender({ endpoints: { events: server.url } }).send(BUS, RECORD));
    expect(error.code).toBe('MalformedDetail');
    expect(error.message).toContain(BUS.arn);
    expect(error.message).toContain('Detail is malformed.');
  });

  it('refuses a dead letter: only SQS and SNS take them', async () => {
    const server = await serve(() => json11({ FailedEntryCount: 0, Entries: [] }));
    const error = await rejection(sender({ endpoints: { events: server.url } }).send(BUS, DEAD_LETTER));
    expect(error.code).toBe('UnsupportedTarget');
    expect(server.requests).toHaveLength(0);
  });
});

describe('failures that never reach a service', () => {
  it('gives up on a hung endpoint at the deadline', async () => {
    const server = await serve(() => undefined);
    const error = await rejection(sender({ endpoints: { sns: server.url }, requestTimeoutMs: 300 }).send(TOPIC, RECORD));
    expect(error.code).toBe('RequestTimeout');
    expect(error.message).toContain(TOPIC.arn);
    expect(server.requests.length).toBeGreaterThanOrEqual(1);
  });

  it('names the missing endpoint', async () => {
    const error = await rejection(sender({ endpoints: {} }).send(TOPIC, RECORD));
    expect(error.code).toBe('NoEndpoint');
    expect(error.message).toContain(TOPIC.arn);
  });

  it('reports a refused connection with the socket\'s code', async () => {
    const server = await serve(() => undefined);
    const url = server.url;
    await server.close();
    servers.length = 0;
    const error = await rejection(sender({ endpoints: { events: url } }).send(BUS, RECORD));
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toContain(BUS.arn);
  });
});
