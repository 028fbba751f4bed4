/**
 * The SQS service behind the HTTP server and the in-process API (docs/sqs-server.md): it runs each
 * typed action in one store transaction, wakes long-polling receives after a commit, and creates
 * the template's queues at start.
 */
import type { QueueDefinition } from '../../async/async-types.js';
import { QueueSignals, queueUrl, type SqsContext } from './sqs-context.js';
import { changeMessageVisibility, changeMessageVisibilityBatch, deleteMessage, deleteMessageBatch, sendMessage, sendMessageBatch } from './message-operations.js';
import { changeTags, createQueue, deleteQueue, getQueueAttributes, getQueueUrl, listDeadLetterSourceQueues, listQueues, purgeQueue, setQueueAttributes } from './queue-operations.js';
import { receiveMessage } from './receive-operation.js';
import { SqsStore } from './sqs-store.js';
import type { CallerContext, ReceiveMessageInput, ReceivedMessage, SendMessageInput, SendMessageOutput, SqsAction } from './sqs-types.js';

export interface SqsServiceOptions {
  readonly dbPath: string;
  readonly region: string;
  readonly accountId: string;
}

/**
 * Queues and messages, durable in SQLite, served by one process.
 *
 * @example
 * const sqs = new SqsService({ dbPath: 'sqs.db', region: 'us-east-1', accountId: '000000000000' });
 * await sqs.send({ QueueUrl: 'jobs', MessageBody: 'hello' });
 * const { Messages } = await sqs.receive({ QueueUrl: 'jobs', WaitTimeSeconds: 1 });
 */
export class SqsService {
  readonly ctx: SqsContext;
  private readonly lastPurges = new Map<string, number>();
  /** The host:port of queue URLs handed to in-process callers (the HTTP server sets it). */
  defaultHost = 'localhost';

  constructor(options: SqsServiceOptions) {
    this.ctx = { store: new SqsStore(options.dbPath), region: options.region, accountId: options.accountId, signals: new QueueSignals() };
  }

  /**
   * Runs one action: the HTTP layer's entry point, and the in-process API's.
   *
   * @example
   * await sqs.execute({ action: 'PurgeQueue', input: { QueueUrl: url } }, { senderId: 'AKID', host: 'localhost:9324' });
   */
  async execute(request: SqsAction, caller: CallerContext, abort?: AbortSignal): Promise<object> {
    const { ctx } = this;
    const tx = <T>(work: () => T): T => ctx.store.transaction(work);
    switch (request.action) {
      case 'CreateQueue': return tx(() => createQueue(ctx, caller.host, request.input));
      case 'GetQueueUrl': return tx(() => getQueueUrl(ctx, caller.host, request.input));
      case 'ListQueues': return tx(() => listQueues(ctx, caller.host, request.input));
      case 'GetQueueAttributes': return tx(() => getQueueAttributes(ctx, request.input));
      case 'SetQueueAttributes': return tx(() => setQueueAttributes(ctx, request.input));
      case 'DeleteQueue': return tx(() => deleteQueue(ctx, request.input));
      case 'PurgeQueue': return tx(() => purgeQueue(ctx, this.lastPurges, request.input));
      case 'ListDeadLetterSourceQueues': return tx(() => listDeadLetterSourceQueues(ctx, caller.host, request.input));
      case 'ListQueueTags': return tx(() => changeTags(ctx, request.input.QueueUrl));
      case 'TagQueue': return tx(() => changeTags(ctx, request.input.QueueUrl, (tags) => ({ ...tags, ...request.input.Tags })));
      case 'UntagQueue': return tx(() => changeTags(ctx, request.input.QueueUrl, (tags) => Object.fromEntries(Object.entries(tags).filter(([k]) => !request.input.TagKeys.includes(k)))));
      case 'SendMessage': return this.after(request.input.QueueUrl, tx(() => sendMessage(ctx, request.input, caller.senderId, caller.traceHeader)), true);
      case 'SendMessageBatch': {
        const out = tx(() => sendMessageBatch(ctx, request.input, caller.senderId, caller.traceHeader));
        return this.after(request.input.QueueUrl, out, out.Successful.length > 0);
      }
      case 'ReceiveMessage': return receiveMessage(ctx, request.input, abort);
      // A delete can free a FIFO group whose next message a long poll is waiting for.
      case 'DeleteMessage': return this.after(request.input.QueueUrl, tx(() => deleteMessage(ctx, request.input)), true);
      case 'DeleteMessageBatch': return this.after(request.input.QueueUrl, tx(() => deleteMessageBatch(ctx, request.input)), true);
      case 'ChangeMessageVisibility': {
        const { wake } = tx(() => changeMessageVisibility(ctx, request.input));
        return this.after(request.input.QueueUrl, {}, wake);
      }
      case 'ChangeMessageVisibilityBatch': {
        const { Successful, Failed, wake } = tx(() => changeMessageVisibilityBatch(ctx, request.input));
        return this.after(request.input.QueueUrl, { Successful, Failed }, wake);
      }
    }
  }

  /** Wakes the queue's waiting receives once the transaction committed. */
  private after<T>(url: string, out: T, wake: boolean): T {
    if (wake) {
      const name = url.split('/').filter((p) => p !== '').at(-1);
      if (name !== undefined) this.ctx.signals.notify(name);
    }
    return out;
  }

  /** In-process SendMessage; `QueueUrl` may be the queue's name. */
  async send(input: SendMessageInput, senderId = this.ctx.accountId): Promise<SendMessageOutput> {
    return (await this.execute({ action: 'SendMessage', input }, { senderId, host: this.defaultHost })) as SendMessageOutput;
  }

  /** In-process ReceiveMessage (long polling included); `QueueUrl` may be the queue's name. */
  async receive(input: ReceiveMessageInput, abort?: AbortSignal): Promise<ReceivedMessage[]> {
    const out = (await this.execute({ action: 'ReceiveMessage', input }, { senderId: this.ctx.accountId, host: this.defaultHost }, abort)) as { Messages?: ReceivedMessage[] };
    return out.Messages ?? [];
  }

  /** In-process DeleteMessage. */
  async delete(queue: string, receiptHandle: string): Promise<void> {
    await this.execute({ action: 'DeleteMessage', input: { QueueUrl: queue, ReceiptHandle: receiptHandle } }, { senderId: this.ctx.accountId, host: this.defaultHost });
  }

  /**
   * Creates the template's queues, or brings their attributes to the template's on a restart.
   * Queues come first and redrive policies after, so a policy may name a queue defined later.
   *
   * @example
   * sqs.ensureQueues(definitions);
   */
  ensureQueues(definitions: readonly QueueDefinition[]): void {
    const { ctx } = this;
    const host = this.defaultHost;
    ctx.store.transaction(() => {
      for (const d of definitions) {
        const attributes = definitionAttributes(d);
        if (ctx.store.getQueue(d.name) === undefined) createQueue(ctx, host, { QueueName: d.name, Attributes: { ...attributes, ...(d.fifo ? { FifoQueue: 'true' } : {}) }, tags: {} });
        else setQueueAttributes(ctx, { QueueUrl: d.name, Attributes: attributes });
      }
      for (const d of definitions) {
        const RedrivePolicy = d.redrive === undefined ? '' : JSON.stringify({ deadLetterTargetArn: d.redrive.deadLetterTargetArn, maxReceiveCount: d.redrive.maxReceiveCount });
        setQueueAttributes(ctx, { QueueUrl: d.name, Attributes: { RedrivePolicy } });
      }
    });
  }

  queueUrl(name: string, host = this.defaultHost): string {
    return queueUrl(this.ctx, host, name);
  }

  /** The names of the queues this server holds. */
  queueNames(): string[] {
    return this.ctx.store.queueNames();
  }

  close(): void {
    this.ctx.signals.close();
    this.ctx.store.close();
  }
}

function definitionAttributes(d: QueueDefinition): Record<string, string> {
  return {
    VisibilityTimeout: String(d.visibilityTimeout),
    MessageRetentionPeriod: String(d.messageRetentionPeriod),
    DelaySeconds: String(d.delaySeconds),
    ReceiveMessageWaitTimeSeconds: String(d.receiveMessageWaitTimeSeconds),
    MaximumMessageSize: String(d.maximumMessageSize),
    ...(d.fifo ? { ContentBasedDeduplication: String(d.contentBasedDeduplication) } : {}),
  };
}
