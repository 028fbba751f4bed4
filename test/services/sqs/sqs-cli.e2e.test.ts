import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAwsCli, makeAwsCliHome, runAwsCli, type AwsCliHome } from '../../helpers/aws-cli.js';
import { queueDefinition, startTestSqs, type TestSqs } from './sqs-test-server.js';

const detected = detectAwsCli();
const hasAws = detected.cli !== undefined;
if (!hasAws) console.log(`skipped: ${detected.unavailable}`);
const home = hasAws ? makeAwsCliHome() : undefined;
afterAll(() => home?.remove());

let sqs: TestSqs;

/** Runs `aws sqs ...` against the server, with throwaway credentials and no user config. */
async function aws(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const out = await runAwsCli(['sqs', ...args, '--endpoint-url', sqs.server.endpoint, '--region', 'us-east-1', '--output', 'json'], home as AwsCliHome, 120_000);
  return { status: out.code, stdout: out.stdout, stderr: out.stderr };
}

describe.skipIf(!hasAws)('the aws CLI against the SQS server', () => {
  beforeAll(async () => { sqs = await startTestSqs([queueDefinition('cli-queue'), queueDefinition('cli.fifo', { contentBasedDeduplication: true })]); });
  afterAll(async () => { await sqs.dispose(); });

  it('lists, sends, receives and deletes', async () => {
    const list = await aws(['list-queues']);
    expect(list.stderr).toBe('');
    expect((JSON.parse(list.stdout) as { QueueUrls: string[] }).QueueUrls).toEqual([
      `${sqs.server.endpoint}/123456789012/cli-queue`, `${sqs.server.endpoint}/123456789012/cli.fifo`,
    ].sort());
    const url = `${sqs.server.endpoint}/123456789012/cli-queue`;
    const sent = await aws(['send-message', '--queue-url', url, '--message-body', 'from the CLI', '--message-attributes', '{"k":{"DataType":"String","StringValue":"v"}}']);
    expect(sent.status).toBe(0);
    const { MessageId } = JSON.parse(sent.stdout) as { MessageId: string };
    const received = await aws(['receive-message', '--queue-url', url, '--attribute-names', 'All', '--message-attribute-names', 'All', '--wait-time-seconds', '2']);
    const { Messages } = JSON.parse(received.stdout) as { Messages: { MessageId: string; Body: string; ReceiptHandle: string; Attributes: Record<string, string>; MessageAttributes: Record<string, { StringValue: string }> }[] };
    expect(Messages.map((m) => [m.MessageId, m.Body])).toEqual([[MessageId, 'from the CLI']]);
    expect(Messages[0]?.Attributes['SenderId']).toBe(home?.env.AWS_ACCESS_KEY_ID);
    expect(Messages[0]?.MessageAttributes['k']?.StringValue).toBe('v');
    const deleted = await aws(['delete-message', '--queue-url', url, '--receipt-handle', Messages[0]?.ReceiptHandle ?? '']);
    expect(deleted.status).toBe(0);
    const empty = await aws(['receive-message', '--queue-url', url]);
    expect(empty.status).toBe(0);
    expect(empty.stdout.trim()).toBe('');
  });

  it('FIFO sends through the CLI carry their sequence number', async () => {
    const url = `${sqs.server.endpoint}/123456789012/cli.fifo`;
    const sent = await aws(['send-message', '--queue-url', url, '--message-body', 'ordered', '--message-group-id', 'g']);
    expect((JSON.parse(sent.stdout) as { SequenceNumber: string }).SequenceNumber).toMatch(/^\d{20}$/);
  });

  it('reports the modelled error for a missing queue', async () => {
    const out = await aws(['get-queue-url', '--queue-name', 'no-such-queue']);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/QueueDoesNotExist|NonExistentQueue/);
  });
});
