/**
 * The Query protocol end to end: the AWS CLI v2 of Debian 12 (`/usr/bin/aws`, 2.9.x, whose SQS model
 * still says `"protocol": "query"`) against the server on 127.0.0.1, and raw Query requests (GET,
 * POST to a queue's URL) for what the CLI does not exercise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueDefinition, startTestSqs, type TestSqs } from './sqs-test-server.js';

const AWS = '/usr/bin/aws';
const probe = spawnSync(AWS, ['--version'], { encoding: 'utf8', timeout: 20_000 });
const version = `${probe.stdout ?? ''}${probe.stderr ?? ''}`.trim();
const skip = probe.error !== undefined ? `${AWS} could not run (${probe.error.message})` : /^aws-cli\/2\./.test(version) ? undefined : `${AWS} is not a v2 CLI (${version})`;
if (skip !== undefined) console.log(`skipped the Query CLI tests: ${skip}`);

let sqs: TestSqs;
beforeAll(async () => { sqs = await startTestSqs([queueDefinition('plain')]); });
afterAll(async () => { await sqs.dispose(); });

/** Runs `/usr/bin/aws sqs ...` with throwaway credentials and no user config. */
function aws(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(AWS, ['sqs', ...args, '--endpoint-url', sqs.server.endpoint, '--region', 'us-east-1', '--output', 'json'], {
      env: {
        PATH: '/usr/bin:/bin', HOME: sqs.dir, LANG: 'C.UTF-8', AWS_ACCESS_KEY_ID: 'AKIDQUERY', AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function ok<T>(args: string[]): Promise<T> {
  const out = await aws(args);
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  return (out.stdout.trim() === '' ? {} : JSON.parse(out.stdout)) as T;
}

interface Message { MessageId: string; ReceiptHandle: string; Body: string; MD5OfBody: string; Attributes?: Record<string, string>; MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }> }

describe.skipIf(skip !== undefined)('the AWS CLI v2 (Query protocol) against the SQS server', () => {
  it('creates a queue, sends with attributes and in a batch, receives, deletes and reads attributes', async () => {
    const { QueueUrl } = await ok<{ QueueUrl: string }>(['create-queue', '--queue-name', 'cli-query', '--attributes', 'VisibilityTimeout=40,DelaySeconds=0', '--tags', 'team=lamina']);
    expect(QueueUrl).toBe(`${sqs.server.endpoint}/123456789012/cli-query`);
    // A body with markup, a CR (which XML would fold without escaping) and an astral character: the CLI checks its MD5.
    const body = '<job a="1">&amp; ]]> \r\n\t\u{1F600}</job>';
    const sent = await ok<{ MessageId: string; MD5OfMessageAttributes: string }>(['send-message', '--queue-url', QueueUrl, '--message-body', body,
      '--message-attributes', JSON.stringify({ kind: { DataType: 'String', StringValue: '<urgent & "loud">' }, n: { DataType: 'Number', StringValue: '42' }, raw: { DataType: 'Binary', BinaryValue: 'AAECAw==' } })]);
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const batch = await ok<{ Successful: { Id: string }[]; Failed?: { Id: string; Code: string; SenderFault: boolean }[] }>(['send-message-batch', '--queue-url', QueueUrl,
      '--entries', JSON.stringify([{ Id: 'one', MessageBody: 'first' }, { Id: 'two', MessageBody: 'second', MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } } }, { Id: 'bad', MessageBody: 'late', DelaySeconds: 901 }])]);
    expect(batch.Successful.map((e) => e.Id).sort()).toEqual(['one', 'two']);
    expect(batch.Failed?.map((e) => [e.Id, e.Code, e.SenderFault])).toEqual([['bad', 'InvalidParameterValue', true]]);

    const { Messages = [] } = await ok<{ Messages?: Message[] }>(['receive-message', '--queue-url', QueueUrl, '--max-number-of-messages', '10', '--attribute-names', 'All', '--message-attribute-names', 'All', '--wait-time-seconds', '1']);
    expect(Messages.map((m) => m.Body).sort()).toEqual([body, 'first', 'second'].sort());
    const first = Messages.find((m) => m.MessageId === sent.MessageId);
    expect(first?.Attributes?.['SenderId']).toBe('AKIDQUERY');
    expect(first?.Attributes?.['ApproximateReceiveCount']).toBe('1');
    expect(first?.MessageAttributes).toEqual({ kind: { DataType: 'String', StringValue: '<urgent & "loud">' }, n: { DataType: 'Number', StringValue: '42' }, raw: { DataType: 'Binary', BinaryValue: 'AAECAw==' } });

    for (const m of Messages) await ok(['delete-message', '--queue-url', QueueUrl, '--receipt-handle', m.ReceiptHandle]);
    const { Attributes } = await ok<{ Attributes: Record<string, string> }>(['get-queue-attributes', '--queue-url', QueueUrl, '--attribute-names', 'All']);
    expect(Attributes).toMatchObject({ VisibilityTimeout: '40', ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0', QueueArn: 'arn:aws:sqs:us-east-1:123456789012:cli-query' });
    const tags = await ok<{ Tags: Record<string, string> }>(['list-queue-tags', '--queue-url', QueueUrl]);
    expect(tags.Tags).toEqual({ team: 'lamina' });
    const listed = await ok<{ QueueUrls: string[] }>(['list-queues', '--queue-name-prefix', 'cli-']);
    expect(listed.QueueUrls).toEqual([QueueUrl]);
  }, 60_000);

  it('keeps FIFO order, sequence numbers and deduplication', async () => {
    const { QueueUrl } = await ok<{ QueueUrl: string }>(['create-queue', '--queue-name', 'cli-query.fifo', '--attributes', 'FifoQueue=true,ContentBasedDeduplication=true']);
    const a = await ok<{ MessageId: string; SequenceNumber: string }>(['send-message', '--queue-url', QueueUrl, '--message-body', 'a', '--message-group-id', 'g']);
    const again = await ok<{ MessageId: string; SequenceNumber: string }>(['send-message', '--queue-url', QueueUrl, '--message-body', 'a', '--message-group-id', 'g']);
    expect(again).toEqual(a);
    const batch = await ok<{ Successful: { Id: string; SequenceNumber: string }[] }>(['send-message-batch', '--queue-url', QueueUrl, '--entries', JSON.stringify([{ Id: 'b', MessageBody: 'b', MessageGroupId: 'g' }, { Id: 'c', MessageBody: 'c', MessageGroupId: 'g', MessageDeduplicationId: 'dc' }])]);
    const sequence = [a.SequenceNumber, ...batch.Successful.map((e) => e.SequenceNumber)];
    expect(sequence.every((s) => /^\d{20}$/.test(s))).toBe(true);
    expect([...sequence].sort()).toEqual(sequence);
    const { Messages = [] } = await ok<{ Messages?: Message[] }>(['receive-message', '--queue-url', QueueUrl, '--max-number-of-messages', '10', '--attribute-names', 'MessageGroupId', 'SequenceNumber']);
    expect(Messages.map((m) => [m.Body, m.Attributes?.['MessageGroupId']])).toEqual([['a', 'g'], ['b', 'g'], ['c', 'g']]);
    const missingGroup = await aws(['send-message', '--queue-url', QueueUrl, '--message-body', 'x']);
    expect(missingGroup.status).not.toBe(0);
    expect(missingGroup.stderr).toMatch(/\(MissingParameter\).*MessageGroupId/);
  }, 60_000);

  it('purges once, then reports the purge in progress with its Query code', async () => {
    const url = `${sqs.server.endpoint}/123456789012/plain`;
    await ok(['send-message', '--queue-url', url, '--message-body', 'doomed']);
    await ok(['purge-queue', '--queue-url', url]);
    const { Messages } = await ok<{ Messages?: Message[] }>(['receive-message', '--queue-url', url]);
    expect(Messages).toBeUndefined();
    const twice = await aws(['purge-queue', '--queue-url', url]);
    expect(twice.status).not.toBe(0);
    expect(twice.stderr).toMatch(/\(AWS\.SimpleQueueService\.PurgeQueueInProgress\) when calling the PurgeQueue operation/);
  }, 30_000);

  it('reads a missing queue as AWS.SimpleQueueService.NonExistentQueue', async () => {
    const out = await aws(['get-queue-attributes', '--queue-url', `${sqs.server.endpoint}/123456789012/no-such-queue`, '--attribute-names', 'All']);
    expect(out.status).toBe(254);
    expect(out.stderr).toMatch(/An error occurred \(AWS\.SimpleQueueService\.NonExistentQueue\) when calling the GetQueueAttributes operation( \(reached max retries: \d+\))?: The specified queue does not exist\./);
  }, 30_000);

  it('refuses a body with characters outside SQS\'s set', async () => {
    const out = await aws(['send-message', '--queue-url', `${sqs.server.endpoint}/123456789012/plain`, '--message-body', 'bell \u0007']);
    expect(out.stderr).toMatch(/\(InvalidMessageContents\)/);
  }, 30_000);
});

describe('raw Query requests', () => {
  it('serves GET with the query string, and a POST to the queue URL without QueueUrl', async () => {
    const get = await fetch(`${sqs.server.endpoint}/?Action=GetQueueUrl&QueueName=plain&Version=2012-11-05`);
    expect(get.status).toBe(200);
    expect(await get.text()).toContain(`<GetQueueUrlResult><QueueUrl>${sqs.server.endpoint}/123456789012/plain</QueueUrl></GetQueueUrlResult>`);
    const post = await fetch(`${sqs.server.endpoint}/123456789012/plain`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: 'Action=SendMessage&MessageBody=via+path' });
    expect(post.status).toBe(200);
    const id = /<MessageId>([^<]+)<\/MessageId>/.exec(await post.text())?.[1];
    const received = await fetch(`${sqs.server.endpoint}/?Action=ReceiveMessage&QueueUrl=${encodeURIComponent(`${sqs.server.endpoint}/123456789012/plain`)}&WaitTimeSeconds=1`);
    const xml = await received.text();
    expect(xml).toContain(`<MessageId>${id ?? 'none'}</MessageId>`);
    expect(xml).toContain('<Body>via path</Body>');
  });

  it('answers errors in XML with the JSON path\'s status and a request id matching the header', async () => {
    const res = await fetch(`${sqs.server.endpoint}/?Action=DeleteMessage&QueueUrl=plain&ReceiptHandle=garbage`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/xml');
    const xml = await res.text();
    expect(xml).toMatch(/^<\?xml version="1\.0"\?><ErrorResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>ReceiptHandleIsInvalid<\/Code>/);
    expect(xml).toContain(`<RequestId>${res.headers.get('x-amzn-requestid') ?? 'none'}</RequestId>`);
    const dup = await fetch(`${sqs.server.endpoint}/?Action=ListQueues&Action=ListQueues`);
    expect(dup.status).toBe(400);
    expect(await dup.text()).toContain('<Code>MalformedQueryString</Code>');
  });
});
