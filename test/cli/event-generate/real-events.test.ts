/**
 * `lamina event generate` against the real thing: each kind's sample has the shape (keys, leaf
 * types, nesting) of the event the real front end, poller or scheduler hands a function for the
 * same request or message, captured through an InvokePort that records the payload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startS3 } from '../../../src/async/serve-s3.js';
import { albForFunction } from '../../../src/config/alb-targets.js';
import type { ApiDefinition, ApiKind } from '../../../src/config/api-events.js';
import { generateEvent } from '../../../src/cli/event-command.js';
import { startAlbs } from '../../../src/front-ends/alb/serve-albs.js';
import { startUrls } from '../../../src/front-ends/function-urls/serve-urls.js';
import { startApis } from '../../../src/front-ends/serve-apis.js';
import type { Delivery } from '../../../src/event-sources/eventbridge/rule-router.js';
import { DEFAULT_TARGET_RETRY, type EventRuleDefinition } from '../../../src/event-sources/eventbridge/rule-types.js';
import { startEventBridgeServer } from '../../../src/services/eventbridge/eventbridge-server.js';
import { InProcessQueueClient } from '../../../src/event-sources/sqs/queue-client.js';
import { SqsPoller } from '../../../src/event-sources/sqs/sqs-poller.js';
import { Scheduler } from '../../../src/event-sources/schedule/scheduler.js';
import { parseScheduleExpression } from '../../../src/event-sources/schedule/schedule-expression.js';
import { DEFAULT_SCHEDULE_RETRY } from '../../../src/event-sources/schedule/schedule-types.js';
import type { InvokePort, InvokeRequest } from '../../../src/platform/invoke-types.js';
import { queueDefinition, startTestSqs } from '../../services/sqs/sqs-test-server.js';
import { Sha256 } from '../../helpers/sha256.js';
import { shapeOf } from './event-shape.js';

const ACCOUNT = { region: 'us-east-1', accountId: '123456789012' };
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** An InvokePort that keeps every payload and answers `{}` (success: an SQS batch is deleted). */
function capturingPort(): InvokePort & { payloads: Array<Record<string, unknown>> } {
  const payloads: Array<Record<string, unknown>> = [];
  return {
    payloads,
    async invoke(req: InvokeRequest) {
      payloads.push(JSON.parse(req.payload.toString()) as Record<string, unknown>);
      return { requestId: 'r', executedVersion: '$LATEST', logs: () => '', result: { kind: 'response', payload: Buffer.from('{}'), contentType: 'application/json' } };
    },
    accept() {
      throw new Error('not used');
    },
  };
}

async function generated(source: string, kind: string, args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse(await generateEvent(source, kind, args)) as Record<string, unknown>;
}

/** POST /users/42?a=1&a=2 with a JSON body, the same request for the real front end and the sample. */
const BODY = '{"x":1}';
const REQUEST_ARGS = ['--method', 'POST', '--path', '/users/42', '--query', 'a=1&a=2', '--body', BODY, '--header', 'X-Custom=yes'];
async function sendRequest(base: string): Promise<void> {
  const res = await request(`${base}/users/42?a=1&a=2`, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json', 'user-agent': 'test', 'X-Custom': 'yes' } });
  await res.body.dump();
}

function apiDefinition(kind: ApiKind, format: '1.0' | '2.0' = kind === 'rest' ? '1.0' : '2.0'): ApiDefinition {
  const route = { method: 'ANY', path: '/users/{id}', functionName: 'Fn', payloadFormatVersion: format, timeoutMs: 30_000, source: 'test' };
  return { id: kind === 'rest' ? 'ServerlessRestApi' : 'ServerlessHttpApi', kind, stageName: kind === 'rest' ? 'Prod' : '$default', stageVariables: {}, binaryMediaTypes: [], routes: [route] };
}

describe('API Gateway samples equal in shape what the API front end delivers', () => {
  for (const [kind, name, format] of [['rest', 'aws-proxy', '1.0'], ['http', 'http-api-proxy', '2.0'], ['http', 'http-api-proxy', '1.0']] as const) {
    it(`${name} (${kind === 'rest' ? 'REST API' : 'HTTP API'}, payload ${format})`, async () => {
      const port = capturingPort();
      const apis = await startApis([apiDefinition(kind, format)], port, { host: '127.0.0.1', basePort: 0, ...ACCOUNT });
      cleanup.push(() => apis.close());
      await sendRequest(apis.served[0]?.url ?? '');
      const real = port.payloads[0];
      const sample = await generated('apigateway', name, [...REQUEST_ARGS, '--resource', '/users/{id}', ...(format === '1.0' && kind === 'http' ? ['--payload-format-version', '1.0'] : [])]);
      expect(shapeOf(sample)).toEqual(shapeOf(real));
      expect(sample.pathParameters).toEqual({ id: '42' });
      expect(sample.pathParameters).toEqual(real?.pathParameters);
      expect(sample.queryStringParameters).toEqual(real?.queryStringParameters);
      expect(sample.body).toBe(BODY);
      expect((sample.headers as Record<string, string>)[kind === 'rest' ? 'X-Custom' : 'x-custom']).toBe('yes');
      expect(Object.keys(sample)).toEqual(Object.keys(real ?? {}));
    });
  }

  it('a GET without a body or query keeps the same shape too (null maps, no body)', async () => {
    const port = capturingPort();
    const apis = await startApis([apiDefinition('rest'), apiDefinition('http')], port, { host: '127.0.0.1', basePort: 0, ...ACCOUNT });
    cleanup.push(() => apis.close());
    for (const served of apis.served) await (await request(`${served.url}/users/7`, { headers: { 'user-agent': 'test' } })).body.dump();
    expect(shapeOf(await generated('apigateway', 'aws-proxy', ['--path', '/users/7', '--resource', '/users/{id}']))).toEqual(shapeOf(port.payloads[0]));
    expect(shapeOf(await generated('apigateway', 'http-api-proxy', ['--path', '/users/7', '--resource', '/users/{id}']))).toEqual(shapeOf(port.payloads[1]));
  });
});

describe('ALB and function URL samples equal in shape what their front ends deliver', () => {
  for (const multi of [false, true]) {
    it(`alb request (multi-value headers ${multi ? 'on' : 'off'})`, async () => {
      const port = capturingPort();
      const albs = await startAlbs([{ listener: albForFunction('Fn', 80, { ...ACCOUNT, multiValueHeaders: multi }), localPort: undefined }], port, { host: '127.0.0.1', basePort: 0 });
      cleanup.push(() => albs.close());
      await sendRequest(albs.served[0]?.url ?? '');
      const sample = await generated('alb', 'request', [...REQUEST_ARGS, ...(multi ? ['--multi-value-headers'] : [])]);
      expect(shapeOf(sample)).toEqual(shapeOf(port.payloads[0]));
      expect(Object.keys(sample)).toEqual(Object.keys(port.payloads[0] ?? {}));
      expect(multi ? sample.multiValueQueryStringParameters : sample.queryStringParameters).toEqual(multi ? { a: ['1', '2'] } : { a: '2' });
    });
  }

  it('function-url request (AuthType AWS_IAM, a SigV4-signed request)', async () => {
    const port = capturingPort();
    const key = { accessKeyId: 'AKIDEVENTGENERATE', secretAccessKey: 'secret' };
    const url = { id: 'FnUrl', functionName: 'Fn', qualifier: undefined, authType: 'AWS_IAM' as const, invokeMode: 'BUFFERED' as const, cors: undefined };
    const urls = await startUrls([url], port, { host: '127.0.0.1', basePort: 0, ...ACCOUNT, keys: [key] });
    cleanup.push(() => urls.close());
    const address = new URL(urls.served[0]?.address ?? '');
    const signer = new SignatureV4({ credentials: key, region: 'us-east-1', service: 'lambda', sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: address.hostname, port: Number(address.port), path: '/users/42', query: { a: ['1', '2'] }, headers: { host: address.host, 'content-type': 'application/json', 'user-agent': 'test' }, body: BODY });
    const res = await request(`${address.origin}/users/42?a=1&a=2`, { method: 'POST', headers: signed.headers as Record<string, string>, body: BODY });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const sample = await generated('function-url', 'request', [...REQUEST_ARGS, '--function-name', 'Fn', '--iam-access-key', key.accessKeyId]);
    expect(shapeOf(sample)).toEqual(shapeOf(port.payloads[0]));
    expect((sample.requestContext as Record<string, unknown>).authorizer).toEqual((port.payloads[0]?.requestContext as Record<string, unknown>).authorizer);
  });

  it('function-url request (AuthType NONE)', async () => {
    const port = capturingPort();
    const url = { id: 'FnUrl', functionName: 'Fn', qualifier: undefined, authType: 'NONE' as const, invokeMode: 'BUFFERED' as const, cors: undefined };
    const urls = await startUrls([url], port, { host: '127.0.0.1', basePort: 0, ...ACCOUNT, keys: [] });
    cleanup.push(() => urls.close());
    await sendRequest((urls.served[0]?.address ?? '').replace(/\/$/, ''));
    const sample = await generated('function-url', 'request', [...REQUEST_ARGS, '--function-name', 'Fn']);
    expect(shapeOf(sample)).toEqual(shapeOf(port.payloads[0]));
    // The same URL id, derived from the function's name as the template loader derives it.
    expect((sample.requestContext as Record<string, unknown>).apiId).toBe((port.payloads[0]?.requestContext as Record<string, unknown>).apiId);
  });
});

describe('SQS and schedule samples equal in shape what the poller and the scheduler deliver', () => {
  for (const queueName of ['jobs', 'jobs.fifo']) {
    it(`sqs receive-message (${queueName}), message attributes included`, async () => {
      const queue = queueDefinition(queueName, queueName.endsWith('.fifo') ? { contentBasedDeduplication: true } : {});
      const sqs = await startTestSqs([queue]);
      cleanup.push(() => sqs.dispose());
      await sqs.client.send(new SendMessageCommand({
        QueueUrl: sqs.server.service.queueUrl(queueName, new URL(sqs.server.endpoint).host),
        MessageBody: 'hello',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'v' } },
        ...(queue.fifo ? { MessageGroupId: 'g' } : {}),
      }));
      const port = capturingPort();
      const mapping = { id: 'M', functionName: 'Fn', queueArn: queue.arn, queueName, fifo: queue.fifo, batchSize: 10, maximumBatchingWindowSeconds: 0, reportBatchItemFailures: false, filters: [], enabled: true };
      const poller = new SqsPoller({ mapping, client: new InProcessQueueClient(sqs.server.service, queueName), port, scaling: { initial: 1 } });
      poller.start();
      cleanup.push(() => poller.stop());
      await expect.poll(() => port.payloads.length, { timeout: 10_000 }).toBe(1);
      const sample = await generated('sqs', 'receive-message', ['--queue-name', queueName, '--body', 'hello', '--attribute', 'kind=v', '--message-group-id', 'g']);
      const real = port.payloads[0] as { Records: Array<Record<string, unknown>> };
      expect(shapeOf(sample)).toEqual(shapeOf(real));
      const [sampleRecord] = (sample as { Records: Array<Record<string, unknown>> }).Records;
      const [realRecord] = real.Records;
      expect(Object.keys(sampleRecord ?? {})).toEqual(Object.keys(realRecord ?? {}));
      expect(Object.keys(sampleRecord?.attributes ?? {})).toEqual(Object.keys(realRecord?.attributes ?? {}));
      // The same SQS code computed both: the body's and the attributes' MD5 sums agree.
      expect(sampleRecord?.md5OfBody).toBe(realRecord?.md5OfBody);
      expect(sampleRecord?.md5OfMessageAttributes).toBe(realRecord?.md5OfMessageAttributes);
      expect(sampleRecord?.eventSourceARN).toBe(queue.arn);
    });
  }

  for (const kind of ['rule', 'scheduler'] as const) {
    it(`schedule ${kind}`, async () => {
      const fired: Array<Record<string, unknown>> = [];
      const scheduler = new Scheduler({
        schedules: [{ id: 'S', kind, functionName: 'Fn', qualifier: undefined, expression: parseScheduleExpression('rate(1 minute)'), timezone: 'UTC', input: undefined, enabled: true, name: 'Every', retry: DEFAULT_SCHEDULE_RETRY }],
        fire: (_fn, _q, payload) => { fired.push(JSON.parse(payload.toString()) as Record<string, unknown>); },
        account: ACCOUNT,
        timeScale: 0.0001,
      });
      scheduler.start();
      cleanup.push(() => scheduler.stop());
      await expect.poll(() => fired.length, { timeout: 10_000 }).toBeGreaterThan(0);
      const sample = await generated('schedule', kind, ['--name', 'Every']);
      expect(shapeOf(sample)).toEqual(shapeOf(fired[0]));
      expect(Object.keys(sample)).toEqual(Object.keys(fired[0] ?? {}));
      expect(sample.resources).toEqual(fired[0]?.resources);
      expect(sample.detail).toEqual(fired[0]?.detail);
    });
  }
});

describe('the EventBridge sample equals in shape what the embedded EventBridge delivers', () => {
  it('eventbridge event, resources included', async () => {
    const delivered: Delivery[] = [];
    const rule: EventRuleDefinition = { id: 'R', name: 'orders', busName: 'default', pattern: { source: ['shop'] }, enabled: true, targets: [{ id: 't', arn: 'arn:aws:lambda:us-east-1:123456789012:function:Fn', functionName: 'Fn', qualifier: undefined, input: { kind: 'event' }, retry: DEFAULT_TARGET_RETRY }] };
    const server = await startEventBridgeServer({ host: '127.0.0.1', port: 0, ...ACCOUNT, buses: [], rules: [rule], deliver: async (d) => { delivered.push(d); } });
    cleanup.push(() => server.close());
    const client = new EventBridgeClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    cleanup.push(async () => client.destroy());
    const out = await client.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'Order Placed', Detail: '{"orderId":"7","amount":3}', Resources: ['arn:aws:s3:::b'] }] }));
    expect(out.FailedEntryCount).toBe(0);
    const real = JSON.parse(delivered[0]?.payload.toString() ?? '{}') as Record<string, unknown>;
    const sample = await generated('eventbridge', 'event', ['--source', 'shop', '--detail', '{"orderId":"7","amount":3}', '--resource', 'arn:aws:s3:::b']);
    expect(shapeOf(sample)).toEqual(shapeOf(real));
    expect(Object.keys(sample)).toEqual(Object.keys(real));
    expect({ ...sample, id: undefined, time: undefined }).toEqual({ ...real, id: undefined, time: undefined });
  });
});

describe('the S3 samples equal in shape what the embedded S3 sends a function', () => {
  it('s3 put and delete, the key encoded the same way', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lamina-generate-s3-'));
    cleanup.push(async () => rmSync(stateDir, { recursive: true, force: true }));
    const accepted: InvokeRequest[] = [];
    const notification = { id: 'Up', bucketName: 'uploads', functionName: 'Fn', qualifier: undefined, events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'], prefix: '', suffix: '', where: 'test' };
    const started = await startS3([{ logicalId: 'U', name: 'uploads' }], [notification], { accept: (r) => void accepted.push(r) }, { stateDir, host: '127.0.0.1', port: 0, ...ACCOUNT, log: () => undefined });
    cleanup.push(() => started.close());
    const client = new S3Client({ endpoint: started.server?.endpoint, region: ACCOUNT.region, forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    cleanup.push(async () => client.destroy());
    const key = 'in/a b (ü).txt';
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: 'hello' }));
    await client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: key }));
    const [put, removed] = accepted.map((r) => JSON.parse(r.payload.toString()) as { Records: Array<Record<string, unknown>> });
    for (const [kind, real] of [['put', put], ['delete', removed]] as const) {
      const sample = await generated('s3', kind, ['--bucket', 'uploads', '--key', key, ...(kind === 'put' ? ['--size', '5'] : [])]);
      expect(shapeOf(sample)).toEqual(shapeOf(real));
      const sampleRecord = (sample as { Records: Array<{ eventName: string; s3: { object: Record<string, unknown>; bucket: unknown } }> }).Records[0];
      const realRecord = (real as { Records: Array<{ eventName: string; s3: { object: Record<string, unknown>; bucket: unknown } }> } | undefined)?.Records[0];
      expect(sampleRecord?.eventName).toBe(realRecord?.eventName);
      expect(sampleRecord?.s3.bucket).toEqual(realRecord?.s3.bucket);
      expect(sampleRecord?.s3.object.key).toBe(realRecord?.s3.object.key);
      expect(sampleRecord?.s3.object.size).toBe(realRecord?.s3.object.size);
    }
  });
});
