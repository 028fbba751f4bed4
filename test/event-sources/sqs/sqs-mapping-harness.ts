/**
 * A real Platform, the embedded SQS server on 127.0.0.1 and SQS pollers between them, for the
 * event source tests; the functions' log lines are kept to read what they received.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { QueueDefinition } from '../../../src/async/async-types.js';
import type { FunctionConfig } from '../../../src/config/function-config.js';
import type { SqsMapping } from '../../../src/event-sources/mapping-types.js';
import { InProcessQueueClient } from '../../../src/event-sources/sqs/queue-client.js';
import { SqsPoller, type SqsPollerOptions } from '../../../src/event-sources/sqs/sqs-poller.js';
import { Platform } from '../../../src/platform/platform.js';
import { startTestSqs, type TestSqs } from '../../services/sqs/sqs-test-server.js';

export interface Delivery { requestId: string; messageId: string; receiveCount: number; body: string }

export class MappingHarness {
  readonly output: string[] = [];
  readonly pollers: SqsPoller[] = [];
  readonly platform: Platform;

  private constructor(readonly sqs: TestSqs, functions: FunctionConfig[]) {
    this.platform = new Platform({ functions, logOutput: (text) => this.output.push(text) });
  }

  static async start(queues: QueueDefinition[], functions: FunctionConfig[]): Promise<MappingHarness> {
    return new MappingHarness(await startTestSqs(queues), functions);
  }

  /** Starts a poller for a mapping of `queue` onto `functionName`. */
  poll(queue: QueueDefinition, functionName: string, extra: Partial<SqsMapping> = {}, options: Partial<SqsPollerOptions> = {}): SqsPoller {
    const mapping: SqsMapping = {
      id: `${functionName}Queue`, functionName, queueArn: queue.arn, queueName: queue.name, fifo: queue.fifo, batchSize: 10,
      maximumBatchingWindowSeconds: 0, reportBatchItemFailures: false, filters: [], enabled: true, ...extra,
    };
    const poller = new SqsPoller({ mapping, client: new InProcessQueueClient(this.sqs.server.service, queue.name), port: this.platform, ...options });
    this.pollers.push(poller);
    poller.start();
    return poller;
  }

  /** Sends bodies through the SDK client, 10 per SendMessageBatch, in order. */
  async send(queue: string, bodies: ReadonlyArray<string | { body: string; group: string }>): Promise<void> {
    const QueueUrl = this.sqs.server.service.queueUrl(queue, new URL(this.sqs.server.endpoint).host);
    for (let i = 0; i < bodies.length; i += 10) {
      const Entries = bodies.slice(i, i + 10).map((b, n) => typeof b === 'string'
        ? { Id: `e${n}`, MessageBody: b }
        : { Id: `e${n}`, MessageBody: b.body, MessageGroupId: b.group, MessageDeduplicationId: `${b.group}-${i + n}` });
      const out = await this.sqs.client.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
      if ((out.Failed ?? []).length > 0) throw new Error(`send failed: ${JSON.stringify(out.Failed)}`);
    }
  }

  /** What `fn` received, one entry per record, in the order printed. */
  deliveries(fn: string): Delivery[] {
    const out: Delivery[] = [];
    for (const line of this.output.join('').split('\n')) {
      const m = new RegExp(`^\\[${fn}\\] RECORD (\\S+) (\\S+) (\\d+) (.*)$`).exec(line);
      if (m !== null) out.push({ requestId: m[1] as string, messageId: m[2] as string, receiveCount: Number(m[3]), body: m[4] as string });
    }
    return out;
  }

  /** Record counts of each invoke of `fn`, in order. */
  batches(fn: string): number[] {
    const sizes = new Map<string, number>();
    for (const d of this.deliveries(fn)) sizes.set(d.requestId, (sizes.get(d.requestId) ?? 0) + 1);
    return [...sizes.values()];
  }

  /** Visible plus in-flight messages of a queue. */
  async depth(queue: string): Promise<number> {
    const out = (await this.sqs.server.service.execute({ action: 'GetQueueAttributes', input: { QueueUrl: queue, AttributeNames: ['All'] } }, { senderId: 'test', host: 'localhost' })) as { Attributes: Record<string, string> };
    return Number(out.Attributes['ApproximateNumberOfMessages']) + Number(out.Attributes['ApproximateNumberOfMessagesNotVisible']);
  }

  /** Drains a queue directly (a dead-letter queue nobody polls): the bodies. */
  async drain(queue: string): Promise<string[]> {
    const messages = await this.sqs.server.service.receive({ QueueUrl: queue, MaxNumberOfMessages: 10, AttributeNames: ['All'] });
    return messages.map((m) => m.Body);
  }

  async stop(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.stop()));
    await this.platform.stop();
    await this.sqs.dispose();
  }
}
