import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueDefinition, startTestSqs, type TestSqs } from './sqs-test-server.js';

let sqs: TestSqs;
beforeAll(async () => { sqs = await startTestSqs([queueDefinition('raw')]); });
afterAll(async () => { await sqs.dispose(); });

async function post(target: string | undefined, body: string | Buffer, contentType = 'application/x-amz-json-1.0'): Promise<{ status: number; query: string | null; json: Record<string, unknown> }> {
  const res = await fetch(sqs.server.endpoint, { method: 'POST', body, headers: { 'content-type': contentType, ...(target !== undefined ? { 'x-amz-target': target } : {}) } });
  return { status: res.status, query: res.headers.get('x-amzn-query-error'), json: (await res.json()) as Record<string, unknown> };
}

describe('the JSON 1.0 protocol with hostile input', () => {
  it('answers malformed JSON, unknown actions and wrong member types with SQS errors', async () => {
    const malformed = await post('AmazonSQS.ListQueues', '{');
    expect(malformed.status).toBe(400);
    expect(malformed.json['__type']).toBe('com.amazonaws.sqs#SerializationException');
    const notObject = await post('AmazonSQS.ListQueues', '[1,2]');
    expect(notObject.status).toBe(400);
    const unknown = await post('AmazonSQS.Explode', '{}');
    expect(unknown.query).toBe('InvalidAction;Sender');
    const noTarget = await post(undefined, '{}');
    expect(noTarget.json['__type']).toBe('com.amazonaws.sqs#InvalidAction');
    const wrongType = await post('AmazonSQS.SendMessage', JSON.stringify({ QueueUrl: 5, MessageBody: 'x' }));
    expect(wrongType.query).toBe('InvalidParameterValue;Sender');
    const missing = await post('AmazonSQS.SendMessage', JSON.stringify({ QueueUrl: 'raw' }));
    expect(missing.query).toBe('MissingParameter;Sender');
    const fraction = await post('AmazonSQS.ReceiveMessage', JSON.stringify({ QueueUrl: 'raw', MaxNumberOfMessages: 1.5 }));
    expect(fraction.query).toBe('InvalidParameterValue;Sender');
    const entries = await post('AmazonSQS.DeleteMessageBatch', JSON.stringify({ QueueUrl: 'raw', Entries: 'x' }));
    expect(entries.query).toBe('InvalidParameterValue;Sender');
    const proto = await post('AmazonSQS.ListQueues', JSON.stringify({ __proto__: { polluted: true }, QueueNamePrefix: 'r' }));
    expect(proto.status).toBe(200);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('answers a form without a target in the Query protocol, and refuses methods neither protocol has', async () => {
    const res = await fetch(sqs.server.endpoint, { method: 'POST', body: 'Action=ListQueues&Version=2012-11-05', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml');
    expect(await res.text()).toContain(`<QueueUrl>${sqs.server.endpoint}/123456789012/raw</QueueUrl>`);
    // A JSON body with the form's content type and no target is read as a form: no Action in it.
    const noAction = await fetch(sqs.server.endpoint, { method: 'POST', body: '{}', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(noAction.status).toBe(400);
    expect(await noAction.text()).toContain('<Code>MissingAction</Code>');
    const put = await fetch(sqs.server.endpoint, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(400);
    expect(put.headers.get('x-amzn-query-error')).toBe('InvalidAction;Sender');
  });

  it('refuses a request body over its bound without buffering it all', async () => {
    const huge = Buffer.alloc(17 * 1024 * 1024, 0x61);
    const res = await post('AmazonSQS.SendMessage', huge).catch((e: unknown) => e);
    // Either the 413 answer arrives, or the connection is cut while the client still uploads.
    if (res instanceof Error) expect(res.message).toMatch(/fetch failed|socket|reset/i);
    else expect((res as { status: number }).status).toBe(413);
  });
});
