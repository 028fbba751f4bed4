/**
 * Kinesis through the real `lamina serve` (issue 15): a template with an AWS::Kinesis::Stream and a
 * function with `Events: Kinesis`; the banner prints the embedded Kinesis's endpoint, records put
 * with `aws kinesis put-record` and with @aws-sdk/client-kinesis (its default HTTP/2 handler) reach
 * the function in order, a failing record goes to the OnFailure queue of the embedded SQS, and
 * `lamina events` shows the mapping's IteratorAge.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/function-config.js';
import { LAMINA_BIN, startServe, type ServeProcess } from '../helpers/serve-process.js';
import { detectAwsCli, makeAwsCliHome, runAwsCli } from '../helpers/aws-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-kinesis-serve-'));
let serve: ServeProcess | undefined;
let kinesisEndpoint = '';
let sqsEndpoint = '';
const cli = detectAwsCli();

beforeAll(async () => {
  writeFileSync(join(dir, 'template.yaml'), `Transform: AWS::Serverless-2016-10-31
Resources:
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${join(FIXTURES, 'runtimes', 'kinesis-batch')}
      Events:
        Clicks:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Clicks.Arn
            StartingPosition: LATEST
            BatchSize: 10
            MaximumRetryAttempts: 0
            DestinationConfig:
              OnFailure:
                Type: SQS
                Destination: !GetAtt Failures.Arn
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      Name: clicks
      ShardCount: 2
  Failures:
    Type: AWS::SQS::Queue
    Properties: { QueueName: click-failures }
`);
  serve = (await startServe(['--template', 'template.yaml', '--port', '0', '--sqs-port', '0', '--kinesis-port', '0', '--state-dir', join(dir, 'state'), '--no-limits'], dir, /Event invokes are queued durably/)).serve;
  kinesisEndpoint = /aws kinesis --endpoint-url (http:\/\/\S+)\)/.exec(serve.output())?.[1] ?? '';
  sqsEndpoint = /aws sqs --endpoint-url (http:\/\/\S+)\)/.exec(serve.output())?.[1] ?? '';
}, 60_000);

afterAll(async () => {
  if (serve !== undefined) expect(await serve.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
/** Each record the function received: shard, key, sequence number, data. */
const received = (): Array<{ shard: string; key: string; seq: string; data: string }> =>
  [...(serve?.output() ?? '').matchAll(/\[Reader\] KREC \S+ (\S+) (\S+) (\S+) (.*)\n/g)].map((m) => ({ shard: m[1] ?? '', key: m[2] ?? '', seq: m[3] ?? '', data: m[4] ?? '' }));

describe('Kinesis under lamina serve', () => {
  it('prints the embedded Kinesis endpoint, the stream and the mapping', () => {
    expect(kinesisEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serve?.output()).toContain('  clicks: 2 shard(s), arn:aws:kinesis:us-east-1:000000000000:stream/clicks');
    expect(serve?.output()).toContain('  clicks -> Reader (LATEST, batch 10)');
  });

  it('delivers what @aws-sdk/client-kinesis puts, in order per key', async () => {
    const client = new KinesisClient({ endpoint: kinesisEndpoint, region: 'us-east-1', credentials });
    try {
      for (let i = 0; i < 6; i += 1) await client.send(new PutRecordCommand({ StreamName: 'clicks', PartitionKey: `user-${i % 2}`, Data: Buffer.from(`{"from":"sdk","n":${i}}`) }));
    } finally {
      client.destroy();
    }
    await expect.poll(() => received().filter((r) => r.data.includes('"sdk"')).length, { timeout: 20_000 }).toBe(6);
    for (const key of ['user-0', 'user-1']) {
      const ns = received().filter((r) => r.key === key && r.data.includes('"sdk"')).map((r) => (JSON.parse(r.data) as { n: number }).n);
      expect(ns).toEqual(key === 'user-0' ? [0, 2, 4] : [1, 3, 5]);
    }
  }, 40_000);

  it.skipIf(cli.cli === undefined)(`delivers what \`aws kinesis put-record\` puts ${cli.unavailable ?? ''}`, async () => {
    const home = makeAwsCliHome();
    try {
      // CLI v1 base64-encodes --data itself; v2 takes base64 unless told the input is raw.
      const raw = cli.cli?.major === 2 ? ['--cli-binary-format', 'raw-in-base64-out'] : [];
      const out = await runAwsCli(['kinesis', 'put-record', '--endpoint-url', kinesisEndpoint, '--stream-name', 'clicks', '--partition-key', 'cli-key', '--data', '{"from":"cli"}', ...raw], home);
      expect(out.stderr).toBe('');
      const seq = (JSON.parse(out.stdout) as { SequenceNumber: string }).SequenceNumber;
      await expect.poll(() => received().find((r) => r.seq === seq), { timeout: 20_000 }).toMatchObject({ key: 'cli-key', data: '{"from":"cli"}' });
    } finally {
      home.remove();
    }
  }, 40_000);

  it('sends a failing record\'s failure record to the OnFailure queue, and lamina events shows IteratorAge', async () => {
    const client = new KinesisClient({ endpoint: kinesisEndpoint, region: 'us-east-1', credentials });
    let seq = '';
    try {
      seq = (await client.send(new PutRecordCommand({ StreamName: 'clicks', PartitionKey: 'bad', Data: Buffer.from('{"fail":true}') }))).SequenceNumber ?? '';
    } finally {
      client.destroy();
    }
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials });
    try {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${sqsEndpoint}/000000000000/click-failures`, WaitTimeSeconds: 15 }));
      const record = JSON.parse(got.Messages?.[0]?.Body ?? '{}') as { requestContext: Record<string, unknown>; KinesisBatchInfo: Record<string, unknown> };
      expect(record.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Reader' });
      expect(record.KinesisBatchInfo).toMatchObject({ startSequenceNumber: seq, endSequenceNumber: seq, batchSize: 1, streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks' });
    } finally {
      sqs.destroy();
    }
    const status = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [LAMINA_BIN, 'events', '--state-dir', join(dir, 'state'), '--json', '--failed', '0'], { cwd: dir });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', () => resolve(out));
    });
    const reader = (JSON.parse(status) as { functions: Array<{ functionName: string; metrics: { IteratorAgeMaximum?: number } }> }).functions.find((f) => f.functionName === 'Reader');
    expect(reader?.metrics.IteratorAgeMaximum).toBeGreaterThanOrEqual(0);
  }, 40_000);
});
