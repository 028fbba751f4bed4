/**
 * Queue attributes: which exist, their defaults and bounds, and the typed view the operations use
 * (docs/sqs-server.md). Attributes are strings on the wire and in the store, as SQS keeps them.
 */
import { SqsError } from './sqs-errors.js';

/** The attributes a queue's behaviour depends on, parsed once. */
export interface QueueConfig {
  readonly fifo: boolean;
  readonly visibilityTimeout: number;
  readonly delaySeconds: number;
  readonly messageRetentionPeriod: number;
  readonly maximumMessageSize: number;
  readonly receiveMessageWaitTimeSeconds: number;
  readonly contentBasedDeduplication: boolean;
  readonly redrive?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number } | undefined;
}

type Check = (value: string, name: string) => void;

function integer(min: number, max: number): Check {
  return (value, name) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_VALUE', `Invalid value for the parameter ${name}.`);
    }
  };
}

const boolean: Check = (value, name) => {
  if (value !== 'true' && value !== 'false') throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_VALUE', `Invalid value for the parameter ${name}.`);
};

const anyText: Check = () => undefined;

const redrivePolicy: Check = (value, name) => {
  if (value === '') return; // An empty policy removes the redrive.
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_VALUE', `Invalid value for the parameter ${name}. Reason: Redrive policy is not a valid JSON map.`);
  }
  const p = parsed as Record<string, unknown>;
  const arn = p['deadLetterTargetArn'];
  const max = Number(p['maxReceiveCount']);
  if (typeof arn !== 'string' || !/^arn:[^:]+:sqs:[^:]*:[^:]*:[^:]+$/.test(arn)) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_VALUE', `Value ${value} for parameter ${name} is invalid. Reason: Invalid value for deadLetterTargetArn.`);
  }
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_VALUE', `Value ${value} for parameter ${name} is invalid. Reason: Invalid value for maxReceiveCount: ${String(p['maxReceiveCount'])}, valid values are from 1 to 1000 both inclusive.`);
  }
};

/** Attributes a caller may set, with their checks. `FifoQueue` is only accepted at creation. */
const SETTABLE: Readonly<Record<string, Check>> = {
  DelaySeconds: integer(0, 900),
  MaximumMessageSize: integer(1024, 1_048_576),
  MessageRetentionPeriod: integer(60, 1_209_600),
  ReceiveMessageWaitTimeSeconds: integer(0, 20),
  VisibilityTimeout: integer(0, 43_200),
  RedrivePolicy: redrivePolicy,
  RedriveAllowPolicy: anyText,
  Policy: anyText,
  FifoQueue: boolean,
  ContentBasedDeduplication: boolean,
  DeduplicationScope: (v, n) => { if (v !== 'queue' && v !== 'messageGroup') throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_VALUE', `Invalid value for the parameter ${n}.`); },
  FifoThroughputLimit: (v, n) => { if (v !== 'perQueue' && v !== 'perMessageGroupId') throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_VALUE', `Invalid value for the parameter ${n}.`); },
  KmsMasterKeyId: anyText,
  KmsDataKeyReusePeriodSeconds: integer(60, 86_400),
  SqsManagedSseEnabled: boolean,
};

const FIFO_ONLY = new Set(['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

/** Attributes computed on reading, never stored. */
export const COMPUTED_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

export const QUEUE_DEFAULTS: Readonly<Record<string, string>> = {
  DelaySeconds: '0',
  MaximumMessageSize: '1048576',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  SqsManagedSseEnabled: 'true',
};

const FIFO_DEFAULTS: Readonly<Record<string, string>> = {
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'queue',
  FifoThroughputLimit: 'perQueue',
};

/**
 * Checks attributes a caller sets; `creating` allows `FifoQueue` and requires it to match the name.
 *
 * @example
 * validateQueueAttributes({ VisibilityTimeout: '10' }, { fifo: false, creating: true });
 */
export function validateQueueAttributes(attributes: Readonly<Record<string, string>>, context: { fifo: boolean; creating: boolean }): void {
  for (const [name, value] of Object.entries(attributes)) {
    const check = SETTABLE[name];
    if (check === undefined) throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_NAME', `Unknown Attribute ${name}.`);
    if (typeof value !== 'string') throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_VALUE', `Invalid value for the parameter ${name}.`);
    check(value, name);
    if (name === 'FifoQueue') {
      if (!context.creating) throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_NAME', `Invalid attribute name ${name}: it can only be set when the queue is created.`);
      if ((value === 'true') !== context.fifo) {
        throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.');
      }
    }
    if (FIFO_ONLY.has(name) && !context.fifo) throw new SqsError('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_NAME', `Unknown Attribute ${name}.`);
  }
}

/**
 * A new queue's stored attributes: the defaults under the caller's.
 *
 * @example
 * initialAttributes({ VisibilityTimeout: '5' }, false);
 */
export function initialAttributes(given: Readonly<Record<string, string>>, fifo: boolean): Record<string, string> {
  return { ...QUEUE_DEFAULTS, ...(fifo ? FIFO_DEFAULTS : {}), ...given };
}

/**
 * Checks a queue name: 1-80 alphanumerics, hyphens and underscores, `.fifo` at the end of a FIFO one.
 *
 * @example
 * validateQueueName('orders.fifo'); // { fifo: true }
 */
export function validateQueueName(name: unknown): { fifo: boolean } {
  if (typeof name !== 'string' || name === '') throw new SqsError('LAMINA_ERR_SQS_MISSING_PARAMETER', 'The request must contain the parameter QueueName.');
  const fifo = name.endsWith('.fifo');
  const base = fifo ? name.slice(0, -5) : name;
  if (name.length > 80 || !/^[A-Za-z0-9_-]+$/.test(base)) {
    throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  }
  return { fifo };
}

/**
 * The typed view of stored attributes.
 *
 * @example
 * queueConfig(queue.attributes).visibilityTimeout;
 */
export function queueConfig(attributes: Readonly<Record<string, string>>): QueueConfig {
  const num = (name: string): number => Number(attributes[name] ?? QUEUE_DEFAULTS[name] ?? '0');
  let redrive: QueueConfig['redrive'];
  const policy = attributes['RedrivePolicy'];
  if (policy !== undefined && policy !== '') {
    const p = JSON.parse(policy) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
    redrive = { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: Number(p.maxReceiveCount) };
  }
  return {
    fifo: attributes['FifoQueue'] === 'true',
    visibilityTimeout: num('VisibilityTimeout'),
    delaySeconds: num('DelaySeconds'),
    messageRetentionPeriod: num('MessageRetentionPeriod'),
    maximumMessageSize: num('MaximumMessageSize'),
    receiveMessageWaitTimeSeconds: num('ReceiveMessageWaitTimeSeconds'),
    contentBasedDeduplication: attributes['ContentBasedDeduplication'] === 'true',
    redrive,
  };
}
