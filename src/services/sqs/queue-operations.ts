/**
 * The queue operations: create, find, list, attributes, tags, purge, delete (docs/sqs-server.md).
 * Each runs inside the caller's store transaction.
 */
import { COMPUTED_ATTRIBUTES, initialAttributes, validateQueueAttributes, validateQueueName } from './queue-attributes.js';
import { queueArn, queueNameOfArn, queueUrl, resolveQueue, type SqsContext } from './sqs-context.js';
import { SqsError } from './sqs-errors.js';

/** SQS lets one purge run per queue per 60 s. */
const PURGE_INTERVAL_MS = 60_000;

/**
 * Checks that a redrive policy names an existing queue of the same type.
 *
 * @example
 * checkRedriveTarget(ctx, attributes, false);
 */
function checkRedriveTarget(ctx: SqsContext, attributes: Readonly<Record<string, string>>, fifo: boolean): void {
  const policy = attributes['RedrivePolicy'];
  if (policy === undefined || policy === '') return;
  const arn = (JSON.parse(policy) as { deadLetterTargetArn: string }).deadLetterTargetArn;
  const name = queueNameOfArn(ctx, arn);
  const target = name === undefined ? undefined : ctx.store.getQueue(name);
  if (target === undefined) throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${policy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`);
  if ((target.attributes['FifoQueue'] === 'true') !== fifo) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${policy} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.`);
  }
}

/**
 * CreateQueue: idempotent for the same attributes, QueueNameExists for different ones.
 *
 * @example
 * createQueue(ctx, 'localhost:9324', { QueueName: 'jobs', Attributes: {}, tags: {} });
 */
export function createQueue(ctx: SqsContext, host: string, input: { QueueName: string; Attributes: Record<string, string>; tags: Record<string, string> }): { QueueUrl: string } {
  const { fifo } = validateQueueName(input.QueueName);
  validateQueueAttributes(input.Attributes, { fifo, creating: true });
  if (fifo && input.Attributes['FifoQueue'] !== 'true') {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.');
  }
  checkRedriveTarget(ctx, input.Attributes, fifo);
  const existing = ctx.store.getQueue(input.QueueName);
  if (existing !== undefined) {
    const wanted = initialAttributes(input.Attributes, fifo);
    const differs = Object.entries(wanted).some(([name, value]) => existing.attributes[name] !== value);
    if (differs) throw new SqsError('LAMINA_ERR_SQS_QUEUE_NAME_EXISTS', `A queue already exists with the same name and a different value for attribute(s).`);
  } else {
    ctx.store.insertQueue(input.QueueName, initialAttributes(input.Attributes, fifo), input.tags, Date.now());
  }
  return { QueueUrl: queueUrl(ctx, host, input.QueueName) };
}

/**
 * SetQueueAttributes: the given attributes over the stored ones; an empty RedrivePolicy removes it.
 *
 * @example
 * setQueueAttributes(ctx, { QueueUrl: url, Attributes: { VisibilityTimeout: '5' } });
 */
export function setQueueAttributes(ctx: SqsContext, input: { QueueUrl: string; Attributes: Record<string, string> }): Record<string, never> {
  const { queue, config } = resolveQueue(ctx, input.QueueUrl);
  validateQueueAttributes(input.Attributes, { fifo: config.fifo, creating: false });
  checkRedriveTarget(ctx, input.Attributes, config.fifo);
  const attributes = { ...queue.attributes, ...input.Attributes };
  if (attributes['RedrivePolicy'] === '') delete attributes['RedrivePolicy'];
  ctx.store.updateQueue(queue.name, attributes, queue.tags, Date.now());
  // A shorter delay or visibility does not change messages already waiting; waiters need no wake-up.
  return {};
}

/**
 * GetQueueAttributes: `All` or named attributes, stored and computed.
 *
 * @example
 * getQueueAttributes(ctx, { QueueUrl: url, AttributeNames: ['All'] });
 */
export function getQueueAttributes(ctx: SqsContext, input: { QueueUrl: string; AttributeNames: readonly string[] }): { Attributes?: Record<string, string> } {
  const { queue, config } = resolveQueue(ctx, input.QueueUrl);
  const now = Date.now();
  ctx.store.expire(queue.name, now - config.messageRetentionPeriod * 1000);
  const counts = ctx.store.counts(queue.name, now);
  const computed: Record<string, string> = {
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.modifiedAt / 1000)),
    QueueArn: queueArn(ctx, queue.name),
  };
  const all: Record<string, string> = { ...queue.attributes, ...computed };
  const known = new Set<string>([...Object.keys(initialAttributes({}, true)), ...COMPUTED_ATTRIBUTES, 'RedrivePolicy', 'RedriveAllowPolicy', 'Policy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds']);
  const out: Record<string, string> = {};
  for (const name of input.AttributeNames) {
    if (name === 'All') return { Attributes: all };
    if (!known.has(name)) throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_NAME', `Unknown Attribute ${name}.`);
    const value = all[name];
    if (value !== undefined) out[name] = value;
  }
  return Object.keys(out).length === 0 ? {} : { Attributes: out };
}

/**
 * ListQueues: names in order, with an optional prefix and paging by `NextToken`.
 *
 * @example
 * listQueues(ctx, 'localhost:9324', { QueueNamePrefix: 'job' });
 */
export function listQueues(ctx: SqsContext, host: string, input: { QueueNamePrefix?: string | undefined; MaxResults?: number | undefined; NextToken?: string | undefined }): { QueueUrls?: string[]; NextToken?: string } {
  if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 1000)) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', 'Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.');
  }
  const after = input.NextToken === undefined ? undefined : Buffer.from(input.NextToken, 'base64url').toString('utf8');
  let names = ctx.store.queueNames().filter((n) => n.startsWith(input.QueueNamePrefix ?? '') && (after === undefined || n > after));
  let next: string | undefined;
  const max = input.MaxResults ?? 1000;
  if (names.length > max) {
    names = names.slice(0, max);
    // SQS only pages when MaxResults is given; without it, it answers at most 1,000 and stops.
    if (input.MaxResults !== undefined) next = Buffer.from(names.at(-1) ?? '').toString('base64url');
  }
  const urls = names.map((n) => queueUrl(ctx, host, n));
  return { ...(urls.length > 0 ? { QueueUrls: urls } : {}), ...(next !== undefined ? { NextToken: next } : {}) };
}

export function getQueueUrl(ctx: SqsContext, host: string, input: { QueueName: string }): { QueueUrl: string } {
  if (ctx.store.getQueue(input.QueueName) === undefined) throw new SqsError('LAMINA_ERR_SQS_QUEUE_DOES_NOT_EXIST', 'The specified queue does not exist.');
  return { QueueUrl: queueUrl(ctx, host, input.QueueName) };
}

export function deleteQueue(ctx: SqsContext, input: { QueueUrl: string }): Record<string, never> {
  const { queue } = resolveQueue(ctx, input.QueueUrl);
  ctx.store.deleteQueue(queue.name);
  ctx.signals.notify(queue.name);
  return {};
}

/**
 * PurgeQueue: drops every message; a second purge within 60 s is refused, as SQS does.
 *
 * @example
 * purgeQueue(ctx, lastPurges, { QueueUrl: url });
 */
export function purgeQueue(ctx: SqsContext, lastPurges: Map<string, number>, input: { QueueUrl: string }): Record<string, never> {
  const { queue } = resolveQueue(ctx, input.QueueUrl);
  const last = lastPurges.get(queue.name);
  const now = Date.now();
  if (last !== undefined && now - last < PURGE_INTERVAL_MS) {
    throw new SqsError('LAMINA_ERR_SQS_PURGE_IN_PROGRESS', `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`);
  }
  lastPurges.set(queue.name, now);
  ctx.store.purge(queue.name);
  return {};
}

export function listDeadLetterSourceQueues(ctx: SqsContext, host: string, input: { QueueUrl: string }): { queueUrls: string[] } {
  const { queue } = resolveQueue(ctx, input.QueueUrl);
  return { queueUrls: ctx.store.deadLetterSources(queueArn(ctx, queue.name)).map((n) => queueUrl(ctx, host, n)) };
}

/**
 * The tag operations: tags live beside the attributes and change nothing else.
 *
 * @example
 * changeTags(ctx, url, (tags) => ({ ...tags, team: 'core' }));
 */
export function changeTags(ctx: SqsContext, url: string, change?: (tags: Record<string, string>) => Record<string, string>): { Tags?: Record<string, string> } {
  const { queue } = resolveQueue(ctx, url);
  if (change === undefined) return Object.keys(queue.tags).length === 0 ? {} : { Tags: queue.tags };
  ctx.store.updateQueue(queue.name, queue.attributes, change({ ...queue.tags }), queue.modifiedAt);
  return {};
}
