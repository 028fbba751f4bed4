/**
 * SQS event source mappings through the real `lamina serve` (issue 15): a SAM function with an
 * `Events: SQS` on a queue the template defines, FilterCriteria and ReportBatchItemFailures; messages
 * sent with the `aws sqs` CLI and the SDK's SQS client reach the function in SQS's event shape, a
 * filtered message never does, and a reported item failure is redelivered until the redrive policy
 * moves it to the dead-letter queue.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/function-config.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { detectAwsCli, makeAwsCliHome, runAwsCli } from '../helpers/aws-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-sqs-mapping-'));
let serve: ServeProcess | undefined;
let sqsEndpoint = '';
const cli = detectAwsCli();

beforeAll(async () => {
  writeFileSync(
    join(dir, 'template.yaml'),
    `Transform: AWS::Serverless-2016-10-31
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
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria:
              Filters:
                - Pattern: '{"body":{"kind":["job"]}}'
  Ticker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${join(FIXTURES, 'runtimes', 'recorder')}
      Events:
        Every:
          Type: Schedule
          Properties:
            Schedule: rate(10 minutes)
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
      VisibilityTimeout: 1
      RedrivePolicy: { deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 2 }
  Dead:
    Type: AWS::SQS::Queue
    Properties: { QueueName: jobs-dead }
`,
  );
  serve = (await startServe(['--template', 'template.yaml', '--port', '0', '--sqs-port', '0', '--state-dir', join(dir, 'state'), '--no-limits', '--async-time-scale', '0.001'], dir, /Event invokes are queued durably/)).serve;
  sqsEndpoint = /aws sqs --endpoint-url (http:\/\/\S+)\)/.exec(serve.output())?.[1] ?? '';
}, 60_000);

afterAll(async () => {
  if (serve !== undefined) expect(await serve.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

const sqs = (): SQSClient => new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const queueUrl = (name: string): string => `${sqsEndpoint}/000000000000/${name}`;
const records = (): Array<{ messageId: string; count: number; body: string }> =>
  [...(serve?.output() ?? '').matchAll(/\[Consumer\] RECORD \S+ (\S+) (\d+) (.*)\n/g)].map((m) => ({ messageId: m[1] ?? '', count: Number(m[2]), body: m[3] ?? '' }));

describe('a schedule under lamina serve', () => {
  it('fires the EventBridge scheduled event into the function through the event queue', async () => {
    expect(serve?.output()).toContain('TickerEvery -> Ticker (Schedule rate(10 minutes))');
    // 10 minutes at --async-time-scale 0.001 is 600 ms.
    await expect.poll(() => [...(serve?.output() ?? '').matchAll(/\[Ticker\] RECEIVED \S+ \S+ (.*)\n/g)].length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    const event = JSON.parse(/\[Ticker\] RECEIVED \S+ \S+ (.*)\n/.exec(serve?.output() ?? '')?.[1] ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({ version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', region: 'us-east-1', detail: {} });
    expect(String((event.resources as string[])[0])).toMatch(/^arn:aws:events:us-east-1:000000000000:rule\//);
  });
});

describe('an SQS event source mapping under lamina serve', () => {
  it('prints the mapping at start', () => {
    expect(serve?.output()).toMatch(/Event sources:\n {2}jobs -> Consumer \(batch 5, 1 filter\(s\)\)/);
  });

  it('delivers what the SDK sends, in the SQS event shape, and never a message the filter drops', async () => {
    const sent = await sqs().send(new SendMessageCommand({ QueueUrl: queueUrl('jobs'), MessageBody: '{"kind":"job","n":1}' }));
    await sqs().send(new SendMessageCommand({ QueueUrl: queueUrl('jobs'), MessageBody: '{"kind":"noise"}' }));
    await expect.poll(() => records().some((r) => r.messageId === sent.MessageId), { timeout: 15_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(records().some((r) => r.body.includes('noise'))).toBe(false);
    // Delivered and deleted: nothing left in the queue (the filtered message was deleted too).
    const left = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl('jobs'), WaitTimeSeconds: 1 }));
    expect(left.Messages ?? []).toEqual([]);
  });

  it.skipIf(cli.cli === undefined)(`delivers what \`aws sqs send-message\` sends ${cli.unavailable ?? ''}`, async () => {
    const home = makeAwsCliHome();
    try {
      const out = await runAwsCli(['sqs', 'send-message', '--endpoint-url', sqsEndpoint, '--queue-url', queueUrl('jobs'), '--message-body', '{"kind":"job","from":"cli"}'], home);
      expect(out.stderr).toBe('');
      const id = (JSON.parse(out.stdout) as { MessageId: string }).MessageId;
      await expect.poll(() => records().some((r) => r.messageId === id), { timeout: 15_000 }).toBe(true);
    } finally {
      home.remove();
    }
  }, 30_000);

  it('redelivers a reported item failure and moves it to the dead-letter queue after maxReceiveCount', async () => {
    const bad = await sqs().send(new SendMessageCommand({ QueueUrl: queueUrl('jobs'), MessageBody: '{"kind":"job","itemFail":true}' }));
    await expect.poll(() => records().filter((r) => r.messageId === bad.MessageId).map((r) => r.count), { timeout: 20_000 }).toEqual([1, 2]);
    const dead = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl('jobs-dead'), WaitTimeSeconds: 10 }));
    expect(dead.Messages?.[0]?.MessageId).toBe(bad.MessageId);
  }, 40_000);
});
