/**
 * `lamina event generate sqs receive-message`: an SQS event source mapping's batch event. The
 * message really goes through Lamina's SQS service (in memory) and back, so its id, MD5 sums and
 * system attributes are what SQS computes, then `sqsRecord` builds the record the poller hands a
 * function.
 */
import { ConfigError } from '../../errors.js';
import { InProcessQueueClient } from '../../event-sources/sqs/queue-client.js';
import { sqsRecord, type SqsEvent } from '../../event-sources/sqs/sqs-event.js';
import { SqsError } from '../../services/sqs/sqs-errors.js';
import { SqsService } from '../../services/sqs/sqs-service.js';
import type { EventSourceGenerator, GenerateContext, OptionValues } from './generator-types.js';
import { pairs, resourceName, text } from './option-values.js';

/** SQS's own limit on a batch an event source mapping receives at once. */
const MAX_RECORDS = 10;

/**
 * The event for `count` messages of body `body` sent to `queueName`.
 *
 * @example (await sqsSampleEvent({ body: 'hi', queueName: 'jobs', count: 1, attributes: [] }, context)).Records[0].body // 'hi'
 */
export async function sqsSampleEvent(
  options: { readonly body: string; readonly queueName: string; readonly count: number; readonly attributes: ReadonlyArray<readonly [string, string]>; readonly groupId?: string | undefined },
  context: GenerateContext,
): Promise<SqsEvent> {
  const service = new SqsService({ dbPath: ':memory:', region: context.region, accountId: context.accountId });
  try {
    const fifo = options.queueName.endsWith('.fifo');
    const caller = { senderId: context.accountId, host: service.defaultHost };
    await service.execute({ action: 'CreateQueue', input: { QueueName: options.queueName, Attributes: fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {}, tags: {} } }, caller);
    const MessageAttributes = Object.fromEntries(options.attributes.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
    for (let i = 0; i < options.count; i++) {
      await service.execute({
        action: 'SendMessage',
        input: {
          QueueUrl: options.queueName,
          MessageBody: options.body,
          ...(options.attributes.length > 0 ? { MessageAttributes } : {}),
          ...(fifo ? { MessageGroupId: options.groupId ?? 'group-1', MessageDeduplicationId: `sample-${i}` } : {}),
        },
      }, caller);
    }
    const client = new InProcessQueueClient(service, options.queueName);
    const arn = `arn:aws:sqs:${context.region}:${context.accountId}:${options.queueName}`;
    const messages = await client.receive(MAX_RECORDS, 0);
    return { Records: messages.map((m) => sqsRecord(m, arn)) };
  } catch (error) {
    // SQS's own refusal (an empty body, characters SQS does not carry): the user's option was bad.
    if (error instanceof SqsError) throw new ConfigError(`SQS refuses this message: ${error.message}`);
    throw error;
  } finally {
    service.close();
  }
}

function count(values: OptionValues): number {
  const n = Number(text(values, 'count'));
  if (!Number.isInteger(n) || n < 1 || n > MAX_RECORDS) throw new ConfigError(`--count must be a whole number from 1 to ${MAX_RECORDS}, got ${JSON.stringify(text(values, 'count'))}`);
  return n;
}

export const sqsGenerator: EventSourceGenerator = {
  name: 'sqs',
  description: 'Amazon SQS event source mappings (Events: SQS)',
  kinds: [{
    name: 'receive-message',
    description: 'A batch of messages as the mapping hands them to the function',
    options: [
      { name: 'body', description: 'The message body', default: 'Hello from SQS!' },
      { name: 'queue-name', description: "The queue's name (a name ending in .fifo makes a FIFO queue's records)", default: 'MyQueue' },
      { name: 'count', description: 'Records in the batch (1-10)', default: '1' },
      { name: 'attribute', description: 'A String message attribute NAME=VALUE (repeatable)', multiple: true },
      { name: 'message-group-id', description: 'The message group of a FIFO queue', default: 'group-1' },
    ],
    build: (values, context) => {
      const queueName = resourceName(values, 'queue-name');
      return sqsSampleEvent({ body: text(values, 'body'), queueName, count: count(values), attributes: pairs(values, 'attribute'), groupId: text(values, 'message-group-id') }, context);
    },
  }],
};
