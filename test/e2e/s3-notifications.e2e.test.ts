/**
 * S3 notifications through the real `lamina serve` (issue 15): a template with two buckets, a SAM
 * `Events: S3` with prefix/suffix filters, a bucket's own `NotificationConfiguration`, and a
 * nodejs function that prints each event and fails on purpose for some keys. PutObject and
 * DeleteObject with @aws-sdk/client-s3 and `aws s3 cp` invoke it with S3's record; keys the filters
 * leave out never do; a failing invoke is retried by the durable event queue and its record reaches
 * the OnFailure queue.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAwsCli, makeAwsCliHome, runAwsCli } from '../helpers/aws-cli.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-s3-e2e-'));
let serve: ServeProcess | undefined;
let endpoint = '';
const cli = detectAwsCli();
if (cli.unavailable !== undefined) console.log(`aws s3 cp case skipped: ${cli.unavailable}`);

const HANDLER = `export const handler = async (event) => {
  const r = event.Records[0];
  console.log('S3EVENT ' + process.env.WHO + ' ' + JSON.stringify(event));
  if (decodeURIComponent(r.s3.object.key.replace(/\\+/g, ' ')).includes('fail')) throw new Error('failing on purpose');
  return 'ok';
};
`;

beforeAll(async () => {
  mkdirSync(join(dir, 'fn'));
  writeFileSync(join(dir, 'fn', 'index.mjs'), HANDLER);
  writeFileSync(
    join(dir, 'template.yaml'),
    `Transform: AWS::Serverless-2016-10-31
Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: lamina-uploads
  Generated:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        LambdaConfigurations:
          - Event: s3:ObjectCreated:Put
            Function: !GetAtt Watcher.Arn
  Images:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: fn
      Environment: { Variables: { WHO: images } }
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnFailure: { Type: SQS, Destination: !GetAtt Failed.Arn }
      Events:
        Created:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - { Name: prefix, Value: in/ }
                  - { Name: suffix, Value: .jpg }
        Removed:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: [s3:ObjectRemoved:*]
  Failed:
    Type: AWS::SQS::Queue
    Properties: { QueueName: s3-failed }
  Watcher:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: fn
      Environment: { Variables: { WHO: watcher } }
`,
  );
  serve = (await startServe(['--template', 'template.yaml', '--port', '0', '--s3-port', '0', '--sqs-port', '0', '--state-dir', join(dir, 'state'), '--no-limits', '--host-node', '--async-time-scale', '0.001'], dir, /Event invokes are queued durably/)).serve;
  endpoint = /aws s3 --endpoint-url (http:\/\/\S+)\)/.exec(serve.output())?.[1] ?? '';
}, 90_000);

afterAll(async () => {
  if (serve !== undefined) expect(await serve.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

const s3 = (): S3Client => new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

interface S3Record {
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  eventName: string;
  eventTime: string;
  requestParameters: { sourceIPAddress: string };
  responseElements: Record<string, string>;
  s3: { s3SchemaVersion: string; configurationId: string; bucket: { name: string; arn: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
}

const events = (who: string): S3Record[] =>
  [...(serve?.output() ?? '').matchAll(/S3EVENT (\S+) (\{.*\})\n/g)].filter((m) => m[1] === who).map((m) => {
    const parsed = JSON.parse(m[2] ?? '{}') as { Records: S3Record[] };
    expect(parsed.Records).toHaveLength(1);
    return parsed.Records[0] as S3Record;
  });

describe('S3 notifications under lamina serve', () => {
  it('prints the endpoint and both buckets in the banner', () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serve?.output()).toMatch(/lamina-uploads: http:\/\/127\.0\.0\.1:\d+\/lamina-uploads/);
    expect(serve?.output()).toMatch(/local-generated-[a-z0-9]{13}: /);
  });

  it('invokes on PutObject with S3\'s record (encoded key, size, ETag) and skips keys the filters leave out', async () => {
    const client = s3();
    const key = 'in/my photo ü (1).jpg';
    const put = await client.send(new PutObjectCommand({ Bucket: 'lamina-uploads', Key: key, Body: 'jpeg bytes' }));
    await client.send(new PutObjectCommand({ Bucket: 'lamina-uploads', Key: 'in/notes.txt', Body: 'no' }));
    await client.send(new PutObjectCommand({ Bucket: 'lamina-uploads', Key: 'out/x.jpg', Body: 'no' }));
    await expect.poll(() => events('images').length, { timeout: 30_000 }).toBe(1);
    const record = events('images')[0] as S3Record;
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: { s3SchemaVersion: '1.0', configurationId: 'ImagesCreated', bucket: { name: 'lamina-uploads', arn: 'arn:aws:s3:::lamina-uploads' }, object: { key: 'in/my+photo+%C3%BC+%281%29.jpg', size: 10, eTag: put.ETag?.slice(1, -1) } },
    });
    expect(record.responseElements['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]{16}$/);
    client.destroy();
  }, 40_000);

  it('invokes on DeleteObject (no size or ETag) through the ObjectRemoved configuration', async () => {
    const client = s3();
    await client.send(new DeleteObjectCommand({ Bucket: 'lamina-uploads', Key: 'out/x.jpg' }));
    await expect.poll(() => events('images').filter((r) => r.eventName === 'ObjectRemoved:Delete').length, { timeout: 30_000 }).toBe(1);
    const record = events('images').find((r) => r.eventName === 'ObjectRemoved:Delete') as S3Record;
    expect(record.s3.object).toEqual({ key: 'out/x.jpg', sequencer: expect.stringMatching(/^[0-9A-F]{16}$/) as unknown });
    expect(record.s3.configurationId).toBe('ImagesRemoved');
    // The puts the filters left out (in/notes.txt, out/x.jpg), queued before this delete if at all, never ran.
    expect(events('images').filter((r) => r.eventName.startsWith('ObjectCreated')).map((r) => r.s3.object.key)).toEqual(['in/my+photo+%C3%BC+%281%29.jpg']);
    client.destroy();
  }, 40_000);

  it('invokes the function of a bucket\'s own LambdaConfigurations, on a generated bucket name', async () => {
    const bucket = /(local-generated-[a-z0-9]{13}): /.exec(serve?.output() ?? '')?.[1] ?? '';
    const client = s3();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'any', Body: 'x' }));
    await expect.poll(() => events('watcher').length, { timeout: 30_000 }).toBe(1);
    expect(events('watcher')[0]?.s3).toMatchObject({ configurationId: 'GeneratedLambdaConfiguration1', bucket: { name: bucket }, object: { key: 'any', size: 1 } });
    client.destroy();
  }, 40_000);

  it('retries a failing function through the durable event queue, then sends the record to OnFailure', async () => {
    const client = s3();
    await client.send(new PutObjectCommand({ Bucket: 'lamina-uploads', Key: 'in/fail.jpg', Body: 'x' }));
    // MaximumRetryAttempts 1: the first attempt and one retry, the same record both times.
    await expect.poll(() => events('images').filter((r) => r.s3.object.key === 'in/fail.jpg').length, { timeout: 30_000 }).toBe(2);
    const [first, second] = events('images').filter((r) => r.s3.object.key === 'in/fail.jpg');
    expect(second).toEqual(first);
    await new Promise((r) => setTimeout(r, 500));
    expect(events('images').filter((r) => r.s3.object.key === 'in/fail.jpg')).toHaveLength(2);
    client.destroy();
    const sqsEndpoint = /aws sqs --endpoint-url (http:\/\/\S+)\)/.exec(serve?.output() ?? '')?.[1] ?? '';
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${sqsEndpoint}/000000000000/s3-failed`, WaitTimeSeconds: 10 }));
    sqs.destroy();
    const failure = JSON.parse(got.Messages?.[0]?.Body ?? '{}') as { requestContext: { condition: string; approximateInvokeCount: number }; requestPayload: { Records: S3Record[] } };
    expect(failure.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 2 });
    expect(failure.requestPayload.Records[0]).toEqual(first);
  }, 40_000);

  it.skipIf(cli.unavailable !== undefined)('invokes on `aws s3 cp` of a file', async () => {
    const home = makeAwsCliHome();
    try {
      const file = join(home.dir, 'cat.jpg');
      writeFileSync(file, Buffer.alloc(1234, 7));
      const out = await runAwsCli(['s3', 'cp', file, 's3://lamina-uploads/in/cat.jpg', '--endpoint-url', endpoint], home, 60_000);
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      await expect.poll(() => events('images').filter((r) => r.s3.object.key === 'in/cat.jpg').length, { timeout: 30_000 }).toBe(1);
      expect(events('images').find((r) => r.s3.object.key === 'in/cat.jpg')?.s3.object).toMatchObject({ size: 1234, eTag: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown });
    } finally {
      home.remove();
    }
  }, 90_000);
});
