/**
 * The three queue operations an SQS poller needs (docs/event-sources.md), behind one interface so
 * that the same poller drives the embedded SQS server in-process (what `lamina serve` uses) or,
 * later, an SDK client pointed at LocalStack or AWS.
 */
import type { SqsService } from '../../services/sqs/sqs-service.js';
import type { ReceivedMessage } from '../../services/sqs/sqs-types.js';

/** A received message, in SQS's own member names (as ReceiveMessage answers). */
export type QueueMessage = ReceivedMessage;

export interface QueueClient {
  /**
   * Receives up to `max` (1-10) messages with every system and message attribute, waiting up to
   * `waitSeconds` (0-20) for the first one. An aborted wait answers with what it has (maybe
   * messages: the caller owns them and must release or delete them).
   */
  receive(max: number, waitSeconds: number, abort?: AbortSignal): Promise<QueueMessage[]>;
  /** Deletes the messages of these receipt handles (any number: sent in batches of 10). */
  deleteBatch(handles: readonly string[]): Promise<void>;
  /** Sets one in-flight message's visibility timeout (0 hands it back to the queue now). */
  changeVisibility(handle: string, seconds: number): Promise<void>;
}

/** SQS's limit of entries in one batch request. */
const MAX_BATCH_ENTRIES = 10;

/**
 * A QueueClient over the embedded server's service object: no HTTP, same semantics.
 *
 * @example
 * const client = new InProcessQueueClient(server.service, 'jobs');
 * const messages = await client.receive(10, 20, stop.signal);
 */
export class InProcessQueueClient implements QueueClient {
  /** The caller SQS sees: SenderId of anything sent, nothing else here. */
  private readonly caller: { senderId: string; host: string };

  constructor(private readonly service: SqsService, private readonly queueName: string) {
    this.caller = { senderId: service.ctx.accountId, host: service.defaultHost };
  }

  async receive(max: number, waitSeconds: number, abort?: AbortSignal): Promise<QueueMessage[]> {
    const out = (await this.service.execute({
      action: 'ReceiveMessage',
      input: { QueueUrl: this.queueName, MaxNumberOfMessages: max, WaitTimeSeconds: waitSeconds, AttributeNames: ['All'], MessageAttributeNames: ['All'] },
    }, this.caller, abort)) as { Messages?: QueueMessage[] };
    return out.Messages ?? [];
  }

  async deleteBatch(handles: readonly string[]): Promise<void> {
    for (let i = 0; i < handles.length; i += MAX_BATCH_ENTRIES) {
      const entries = handles.slice(i, i + MAX_BATCH_ENTRIES).map((ReceiptHandle, n) => ({ Id: String(n), ReceiptHandle }));
      // A handle that expired (the message went back to the queue and was received again) is
      // reported in the answer's Failed entries: that message is simply delivered again.
      await this.service.execute({ action: 'DeleteMessageBatch', input: { QueueUrl: this.queueName, Entries: entries } }, this.caller);
    }
  }

  async changeVisibility(handle: string, seconds: number): Promise<void> {
    await this.service.execute({ action: 'ChangeMessageVisibility', input: { QueueUrl: this.queueName, ReceiptHandle: handle, VisibilityTimeout: seconds } }, this.caller);
  }
}
