/**
 * Kinesis mappings of streams the template does not define (issue 15): `lamina serve
 * --kinesis-endpoint` reads them through @aws-sdk/client-kinesis. The "external" Kinesis is a second,
 * separate embedded Kinesis started here on its own port (a stand-in for LocalStack or AWS: the
 * template defines no stream, so `lamina serve` starts no Kinesis of its own). Records put there
 * before and after the start reach the function in order per key, a failing record's failure
 * record goes to the OnFailure queue, `--kinesis-endpoint` wins over `--aws-endpoint` and
 * `--aws-endpoint` alone is honoured; without an endpoint the mappings are refused at start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKinesisServer, type KinesisServer } from '../../src/services/kinesis/kinesis-server.js';
import { FIXTURES } from '../helpers/function-config.js';
import { LAMINA_BIN, startServe, type ServeProcess } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-kinesis-external-'));
const ACCOUNT = '000000000000';
const ORDERS_ARN = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/orders`;
const AUDIT_ARN = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/audit`;
let external: KinesisServer | undefined;
let serve: ServeProcess | undefined;
let sqsEndpoint = '';

const template = `Transform: AWS::Serverless-2016-10-31
Resources:
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${join(FIXTURES, 'runtimes', 'kinesis-batch')}
      Events:
        Orders:
          Type: Kinesis
          Properties:
            Stream: ${ORDERS_ARN}
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
            MaximumRetryAttempts: 0
            DestinationConfig:
              OnFailure:
                Type: SQS
                Destination: !GetAtt Failures.Arn
  AuditMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Reader
      EventSourceArn: ${AUDIT_ARN}
      StartingPosition: LATEST
      BatchSize: 5
  Failures:
    Type: AWS::SQS::Queue
    Properties: { QueueName: order-failures }
`;

/** Each record the function received: shard, key, sequence number, data. */
const received = (): Array<{ shard: string; key: string; seq: string; data: string }> =>
  [...(serve?.output() ?? '').matchAll(/\[Reader\] KREC \S+ (\S+) (\S+) (\S+) (.*)\n/g)].map((m) => ({ shard: m[1] ?? '', key: m[2] ?? '', seq: m[3] ?? '', data: m[4] ?? '' }));

const put = async (stream: string, records: ReadonlyArray<{ key: string; data: unknown }>): Promise<void> => {
  await external?.client().send(new PutRecordsCommand({ StreamName: stream, Records: records.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(JSON.stringify(r.data)) })) }));
};

/** Runs `lamina serve` to its end (it is expected to refuse) and returns its exit status and output. */
async function refusedServe(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const other = mkdtempSync(join(tmpdir(), 'lamina-kinesis-external-refused-'));
  try {
    writeFileSync(join(other, 'template.yaml'), template);
    const child = spawn(process.execPath, [LAMINA_BIN, 'serve', '--template', 'template.yaml', '--port', '0', '--sqs-port', '0', '--state-dir', join(other, 'state'), '--no-limits', ...args], { cwd: other, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, output };
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  external = await startKinesisServer({ port: 0, region: 'us-east-1', accountId: ACCOUNT, streams: [
    { logicalId: 'Orders', name: 'orders', arn: ORDERS_ARN, shardCount: 2 },
    { logicalId: 'Audit', name: 'audit', arn: AUDIT_ARN, shardCount: 1 },
  ] });
  // Before lamina serve starts: TRIM_HORIZON reads these too.
  await put('orders', [0, 1, 2].map((n) => ({ key: `k${n % 2}`, data: { before: true, n } })));
  writeFileSync(join(dir, 'template.yaml'), template);
  // --aws-endpoint points nowhere: --kinesis-endpoint must win for the streams.
  serve = (await startServe(['--template', 'template.yaml', '--port', '0', '--sqs-port', '0', '--aws-endpoint', 'http://127.0.0.1:9', '--kinesis-endpoint', external.endpoint, '--state-dir', join(dir, 'state'), '--no-limits'], dir, /Event invokes are queued durably/)).serve;
  sqsEndpoint = /aws sqs --endpoint-url (http:\/\/\S+)\)/.exec(serve.output())?.[1] ?? '';
}, 60_000);

afterAll(async () => {
  if (serve !== undefined) expect(await serve.stop()).toBe(0);
  await external?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('lamina serve --kinesis-endpoint reads a stream the template does not define', () => {
  it('says where each mapping reads, and starts no embedded Kinesis', () => {
    const endpoint = external?.endpoint ?? '';
    expect(serve?.output()).toContain(`  orders (at ${endpoint}) -> Reader (TRIM_HORIZON, batch 10)`);
    expect(serve?.output()).toContain(`  audit (at ${endpoint}) -> Reader (LATEST, batch 5)`);
    expect(serve?.output()).not.toContain('Kinesis (embedded');
  });

  it('delivers the external stream\'s records, those put before the start too, in order per key', async () => {
    await put('orders', [3, 4, 5, 6, 7].map((n) => ({ key: `k${n % 2}`, data: { before: false, n } })));
    await expect.poll(() => received().filter((r) => r.data.includes('"before"')).length, { timeout: 20_000 }).toBe(8);
    const mine = received().filter((r) => r.data.includes('"before"'));
    for (const key of ['k0', 'k1']) {
      const ns = mine.filter((r) => r.key === key).map((r) => (JSON.parse(r.data) as { n: number }).n);
      expect(ns).toEqual(key === 'k0' ? [0, 2, 4, 6] : [1, 3, 5, 7]);
      // One key lives on one shard; its sequence numbers rise.
      expect(new Set(mine.filter((r) => r.key === key).map((r) => r.shard)).size).toBe(1);
      const seqs = mine.filter((r) => r.key === key).map((r) => BigInt(r.seq));
      expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    expect(mine.every((r) => /^shardId-\d{12}$/.test(r.shard))).toBe(true);
  }, 40_000);

  it('reads a mapping resource\'s stream (EventSourceArn) from LATEST', async () => {
    await put('audit', [{ key: 'a', data: { audit: 1 } }, { key: 'a', data: { audit: 2 } }]);
    await expect.poll(() => received().filter((r) => r.data.includes('"audit"')).map((r) => r.data), { timeout: 20_000 }).toEqual(['{"audit":1}', '{"audit":2}']);
  }, 40_000);

  it('sends a failing record\'s failure record, naming the external stream, to the OnFailure queue', async () => {
    const out = await external?.client().send(new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'bad', Data: Buffer.from('{"fail":true}') }));
    const seq = out?.SequenceNumber ?? '';
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    try {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${sqsEndpoint}/${ACCOUNT}/order-failures`, WaitTimeSeconds: 15 }));
      const record = JSON.parse(got.Messages?.[0]?.Body ?? '{}') as { requestContext: Record<string, unknown>; KinesisBatchInfo: Record<string, unknown> };
      expect(record.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 });
      expect(record.KinesisBatchInfo).toMatchObject({ startSequenceNumber: seq, endSequenceNumber: seq, batchSize: 1, streamArn: ORDERS_ARN });
    } finally {
      sqs.destroy();
    }
    // The shard moves on past the discarded record.
    await put('orders', [{ key: 'bad', data: { after: 'discard' } }]);
    await expect.poll(() => received().some((r) => r.data === '{"after":"discard"}'), { timeout: 20_000 }).toBe(true);
  }, 40_000);
});

describe('lamina serve without a Kinesis endpoint', () => {
  it('refuses the mappings at start, naming each mapping, its stream ARN and the option to give, with exit status 2', async () => {
    const { code, output } = await refusedServe([]);
    expect(code).toBe(2);
    expect(output).toContain('Kinesis event source mappings of streams the template does not define need --kinesis-endpoint (or --aws-endpoint)');
    expect(output).toContain(`ReaderOrders: ${ORDERS_ARN}`);
    expect(output).toContain(`AuditMapping: ${AUDIT_ARN}`);
    expect(output).not.toContain('Lamina is serving');
  }, 30_000);

  it('refuses, naming the stream and the endpoint, when the stream is not at the endpoint', async () => {
    const empty = await startKinesisServer({ port: 0, region: 'us-east-1', accountId: ACCOUNT, streams: [] });
    try {
      const { code, output } = await refusedServe(['--aws-endpoint', empty.endpoint]);
      expect(code).toBe(2);
      expect(output).toMatch(new RegExp(`Kinesis mapping (ReaderOrders|AuditMapping) cannot list the shards of arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/(orders|audit) at ${empty.endpoint.replace(/\./g, '\\.')}: `));
    } finally {
      await empty.close();
    }
  }, 30_000);
});
