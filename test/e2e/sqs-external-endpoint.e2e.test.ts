/**
 * SQS event source mappings of queues the template does not define (issue 15): `lamina serve
 * --sqs-endpoint` polls them through the AWS SDK. The "external" SQS is a second, separate SQS
 * server started here on its own port (a stand-in for LocalStack or AWS: it shares nothing with the
 * server `lamina serve` embeds). Messages sent to it reach the function through the real `lamina
 * serve`, are deleted after success, are redelivered after a failure and reach the external queue's
 * dead-letter queue after maxReceiveCount; a FIFO queue's groups arrive in order. Without an
 * endpoint, the mappings are refused at start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/function-config.js';
import { LAMINA_BIN, startServe, type ServeProcess } from '../helpers/serve-process.js';
import { queueDefinition, startTestSqs, type TestSqs } from '../services/sqs/sqs-test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-sqs-external-'));
let external: TestSqs | undefined;
let serve: ServeProcess | undefined;
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:ext-jobs';
const FIFO_ARN = 'arn:aws:sqs:us-east-1:123456789012:ext-orders.fifo';

const template = `Transform: AWS::Serverless-2016-10-31
Resources:
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${join(FIXTURES, 'runtimes', 'sqs-batch')}
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: ${QUEUE_ARN}
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
        Orders:
          Type: SQS
          Properties:
            Queue: ${FIFO_ARN}
            BatchSize: 10
`;

/** Ready once both mappings are listed: those lines come after "Lamina is serving", sometimes in a later read. */
const READY = /^(?=[\s\S]*Lamina is serving)(?=[\s\S]*ext-jobs \(at )(?=[\s\S]*ext-orders\.fifo \(at )/;

beforeAll(async () => {
  const dead = queueDefinition('ext-dead');
  external = await startTestSqs([dead, queueDefinition('ext-jobs', { visibilityTimeout: 1, redrive: { deadLetterTargetArn: dead.arn, maxReceiveCount: 2 } }), queueDefinition('ext-orders.fifo', { contentBasedDeduplication: true })]);
  writeFileSync(join(dir, 'template.yaml'), template);
  serve = (await startServe(['--template', 'template.yaml', '--port', '0', '--sqs-port', '0', '--sqs-endpoint', external.server.endpoint, '--state-dir', join(dir, 'state'), '--no-limits'], dir, READY)).serve;
}, 60_000);

afterAll(async () => {
  if (serve !== undefined) expect(await serve.stop()).toBe(0);
  await external?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const queueUrl = (name: string): string => `${external?.server.endpoint ?? ''}/123456789012/${name}`;
const records = (): Array<{ messageId: string; count: number; body: string }> =>
  [...(serve?.output() ?? '').matchAll(/\[Consumer\] RECORD \S+ (\S+) (\d+) (.*)\n/g)].map((m) => ({ messageId: m[1] ?? '', count: Number(m[2]), body: m[3] ?? '' }));

async function queueCounts(name: string): Promise<{ visible: number; inFlight: number }> {
  const out = await external?.client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl(name), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return { visible: Number(out?.Attributes?.ApproximateNumberOfMessages), inFlight: Number(out?.Attributes?.ApproximateNumberOfMessagesNotVisible) };
}

describe('lamina serve --sqs-endpoint polls a queue the template does not define', () => {
  it('says where the mappings poll, and starts no embedded SQS server for them', () => {
    expect(serve?.output()).toContain(`ext-jobs (at ${external?.server.endpoint ?? ''}) -> Consumer (batch 10)`);
    expect(serve?.output()).toContain(`ext-orders.fifo (at ${external?.server.endpoint ?? ''}) -> Consumer (batch 10)`);
    expect(serve?.output()).not.toContain('SQS (embedded');
  });

  it('delivers the external queue\'s messages in the SQS event shape and deletes them after success', async () => {
    const Entries = Array.from({ length: 12 }, (_, i) => ({ Id: `m${i}`, MessageBody: `{"n":${i}}`, MessageAttributes: { kind: { DataType: 'String', StringValue: 'job' } } }));
    const sent = [
      ...(await external?.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl('ext-jobs'), Entries: Entries.slice(0, 10) })))?.Successful ?? [],
      ...(await external?.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl('ext-jobs'), Entries: Entries.slice(10) })))?.Successful ?? [],
    ];
    expect(sent).toHaveLength(12);
    await expect.poll(() => new Set(records().map((r) => r.messageId)), { timeout: 20_000 }).toEqual(new Set(sent.map((s) => s.MessageId)));
    expect(records().every((r) => r.count === 1)).toBe(true);
    await expect.poll(() => queueCounts('ext-jobs'), { timeout: 10_000 }).toEqual({ visible: 0, inFlight: 0 });
  }, 40_000);

  it('redelivers a reported item failure and the external redrive moves it to the dead-letter queue', async () => {
    const bad = await external?.client.send(new SendMessageCommand({ QueueUrl: queueUrl('ext-jobs'), MessageBody: '{"itemFail":true}' }));
    await expect.poll(() => records().filter((r) => r.messageId === bad?.MessageId).map((r) => r.count), { timeout: 20_000 }).toEqual([1, 2]);
    const dead = await external?.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl('ext-dead'), WaitTimeSeconds: 10 }));
    expect(dead?.Messages?.[0]?.MessageId).toBe(bad?.MessageId);
  }, 40_000);

  it('keeps a failed invoke\'s whole batch: redelivered after the visibility timeout, then moved by the redrive', async () => {
    // {"fail":true} makes the fixture fail the invoke (a function error, not an item failure).
    const bad = await external?.client.send(new SendMessageCommand({ QueueUrl: queueUrl('ext-jobs'), MessageBody: '{"fail":true}' }));
    await expect.poll(() => records().filter((r) => r.messageId === bad?.MessageId).map((r) => r.count), { timeout: 20_000 }).toEqual([1, 2]);
    expect(serve?.output()).toMatch(/SQS mapping ConsumerJobs: .*batch of 1 failed \(function error Function.Failed\)/);
    const dead = await external?.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl('ext-dead'), WaitTimeSeconds: 10 }));
    expect(dead?.Messages?.[0]?.MessageId).toBe(bad?.MessageId);
  }, 40_000);
});

describe('a FIFO queue at the endpoint', () => {
  it('delivers each message group in order, and deletes every message', async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => ({ g: i % 2 === 0 ? 'a' : 'b', i }));
    for (let i = 0; i < bodies.length; i += 10) {
      const Entries = bodies.slice(i, i + 10).map((b, n) => ({ Id: `e${n}`, MessageBody: JSON.stringify(b), MessageGroupId: b.g }));
      const out = await external?.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl('ext-orders.fifo'), Entries }));
      expect(out?.Failed ?? []).toEqual([]);
    }
    const seen = (group: string): number[] => records().map((r) => JSON.parse(r.body) as { g?: string; i?: number }).filter((b) => b.g === group).map((b) => b.i ?? -1);
    await expect.poll(() => seen('a').length + seen('b').length, { timeout: 20_000 }).toBe(20);
    expect(seen('a')).toEqual(bodies.filter((b) => b.g === 'a').map((b) => b.i));
    expect(seen('b')).toEqual(bodies.filter((b) => b.g === 'b').map((b) => b.i));
    await expect.poll(() => queueCounts('ext-orders.fifo'), { timeout: 10_000 }).toEqual({ visible: 0, inFlight: 0 });
  }, 40_000);
});

describe('without an endpoint', () => {
  it('refuses the mapping at start, saying which option to give, with exit status 2', async () => {
    const other = mkdtempSync(join(tmpdir(), 'lamina-sqs-external-refused-'));
    try {
      writeFileSync(join(other, 'template.yaml'), template);
      const child = spawn(process.execPath, [LAMINA_BIN, 'serve', '--template', 'template.yaml', '--port', '0', '--state-dir', join(other, 'state'), '--no-limits'], { cwd: other, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' } });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(2);
      expect(output).toContain('SQS event source mappings of queues the template does not define need --sqs-endpoint (or --aws-endpoint)');
      expect(output).toContain(`ConsumerJobs: ${QUEUE_ARN}`);
      expect(output).toContain(`ConsumerOrders: ${FIFO_ARN}`);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 30_000);
});
