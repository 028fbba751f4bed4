/**
 * The SQS queues of a template (docs/async-template.md): each `AWS::SQS::Queue`, checked against
 * SQS's rules (name, FIFO, the attributes' ranges, `RedrivePolicy`), becomes a QueueDefinition that
 * Lamina's embedded SQS serves. The queues SAM creates for an `EventInvokeConfig` destination of
 * Type SQS without a Destination are made here too, with SQS's defaults.
 */
import { createHash } from 'node:crypto';
import type { QueueDefinition } from '../async/async-types.js';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { integerProperty, resolveProperty, show, type IntegerRule, type TemplateReport } from './function-properties.js';

export interface QueueContext {
  readonly report: TemplateReport;
  readonly resolver: IntrinsicResolver;
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
}

export const SQS_QUEUE = 'AWS::SQS::Queue';

/** SQS's documented ranges, with the units used in messages; defaults are SQS's. */
const RULES = {
  VisibilityTimeout: { min: 0, max: 43_200, unit: 'seconds', fallback: 30 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, unit: 'seconds', fallback: 345_600 },
  DelaySeconds: { min: 0, max: 900, unit: 'seconds', fallback: 0 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, unit: 'seconds', fallback: 0 },
  MaximumMessageSize: { min: 1024, max: 1_048_576, unit: 'bytes', fallback: 1_048_576 },
} as const satisfies Record<string, IntegerRule & { fallback: number }>;
const MAX_RECEIVE_RULE: IntegerRule = { min: 1, max: 1000, unit: '' };

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * The name CloudFormation gives an unnamed resource, `<stack>-<logical id>-<13 characters>`, with a
 * suffix derived from the stack and logical id (CloudFormation's is random) so that every start
 * of `lamina serve` finds the same queue. Too long, the stack and logical id parts are shortened.
 *
 * @example generatedName('local', 'Jobs', 80) // 'local-Jobs-' + 13 upper-case letters and digits
 */
export function generatedName(stackName: string, logicalId: string, maxLength: number, ending = ''): string {
  const digest = createHash('sha256').update(`${stackName}\0${logicalId}`).digest();
  const suffix = [...digest.subarray(0, 13)].map((b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join('');
  const budget = maxLength - suffix.length - ending.length - 2;
  const stack = stackName.slice(0, Math.max(Math.floor(budget / 2), budget - logicalId.length));
  return `${stack}-${logicalId.slice(0, budget - stack.length)}-${suffix}${ending}`;
}

/** `arn:aws:sqs:REGION:ACCOUNT:NAME`. */
export function queueArn(region: string, accountId: string, name: string): string {
  return `arn:aws:sqs:${region}:${accountId}:${name}`;
}

/**
 * A resource whose `Condition` is false does not exist (as for functions, ./sam-template.ts); one
 * that cannot be evaluated is kept.
 *
 * @example if (conditionFalse(resolver, resource)) continue;
 */
export function conditionFalse(resolver: IntrinsicResolver, resource: Readonly<Record<string, unknown>>): boolean {
  if (typeof resource.Condition !== 'string') return false;
  const cond = resolver.condition(resource.Condition);
  return cond.ok && cond.value === false;
}

const booleanOf = (value: unknown): boolean | undefined => (value === true || value === 'true' ? true : value === false || value === 'false' ? false : undefined);

/**
 * A queue's name: `QueueName`, else the generated one (FIFO ones end in `.fifo`). Undefined when
 * `QueueName` cannot be resolved (the caller reports it).
 *
 * @example queueNameOf(resolver, 'local', 'Jobs', { QueueName: 'jobs' }) // 'jobs'
 */
export function queueNameOf(resolver: IntrinsicResolver, stackName: string, logicalId: string, props: Readonly<Record<string, unknown>>): string | undefined {
  if (props.QueueName !== undefined && props.QueueName !== null) {
    const r = resolver.resolve(props.QueueName);
    return r.ok && typeof r.value === 'string' ? r.value : undefined;
  }
  const fifo = resolver.resolve(props.FifoQueue ?? false);
  return generatedName(stackName, logicalId, 80, fifo.ok && booleanOf(fifo.value) === true ? '.fifo' : '');
}

/** A queue with SQS's defaults, as SAM creates it for a destination without a Destination. */
export function defaultQueue(context: Pick<QueueContext, 'region' | 'accountId' | 'stackName'>, logicalId: string): QueueDefinition {
  const name = generatedName(context.stackName, logicalId, 80);
  return {
    logicalId,
    name,
    arn: queueArn(context.region, context.accountId, name),
    fifo: false,
    visibilityTimeout: RULES.VisibilityTimeout.fallback,
    messageRetentionPeriod: RULES.MessageRetentionPeriod.fallback,
    delaySeconds: RULES.DelaySeconds.fallback,
    receiveMessageWaitTimeSeconds: RULES.ReceiveMessageWaitTimeSeconds.fallback,
    maximumMessageSize: RULES.MaximumMessageSize.fallback,
    contentBasedDeduplication: false,
  };
}

/**
 * Every `AWS::SQS::Queue` of the template, checked; a queue with a problem is left out (the
 * problem stops the loading anyway).
 *
 * @example const queues = queueResources(resources, { report, resolver, region: 'us-east-1', accountId: '000000000000', stackName: 'local' });
 */
export function queueResources(resources: Readonly<Record<string, unknown>>, context: QueueContext): QueueDefinition[] {
  const queues: QueueDefinition[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (!isPlainObject(resource) || resource.Type !== SQS_QUEUE || conditionFalse(context.resolver, resource)) continue;
    const props = resource.Properties ?? {};
    if (!isPlainObject(props)) {
      context.report.resourceProblem(id, 'Properties must be a map');
      continue;
    }
    const queue = queueDefinition(context, id, props);
    if (queue !== undefined) queues.push(queue);
  }
  const byName = new Map<string, string>();
  for (const queue of queues) {
    const other = byName.get(queue.name);
    if (other !== undefined) context.report.problem(queue.logicalId, 'QueueName', `queue name ${queue.name} is already used by resource ${other}`);
    byName.set(queue.name, queue.logicalId);
  }
  for (const queue of queues) checkRedriveTarget(context.report, queue, queues);
  return queues;
}

function queueDefinition(context: QueueContext, id: string, props: Readonly<Record<string, unknown>>): QueueDefinition | undefined {
  const { report, resolver } = context;
  const before = report.problems.length;
  const flag = (property: string): boolean => {
    const value = resolveProperty(report, resolver, id, property, props[property]);
    if (value === undefined || !value.present) return false;
    const b = booleanOf(value.value);
    if (b === undefined) report.problem(id, property, `${show(value.value)} is not a boolean`);
    return b === true;
  };
  const fifo = flag('FifoQueue');
  const contentBasedDeduplication = flag('ContentBasedDeduplication');
  if (contentBasedDeduplication && !fifo) report.problem(id, 'ContentBasedDeduplication', 'applies to FIFO queues only (FifoQueue: true)');
  const named = resolveProperty(report, resolver, id, 'QueueName', props.QueueName);
  if (named?.present === true) {
    const name = named.value;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$/.test(name)) {
      report.problem(id, 'QueueName', `${show(name)} must be 1-80 letters, digits, hyphens or underscores (a FIFO queue's ending in .fifo)`);
    } else if (name.endsWith('.fifo') !== fifo) {
      report.problem(id, 'QueueName', fifo ? `${name} must end in .fifo (FifoQueue is true)` : `${name} ends in .fifo but FifoQueue is not true`);
    }
  }
  const numbers: Partial<Record<keyof typeof RULES, number>> = {};
  for (const [property, rule] of Object.entries(RULES) as [keyof typeof RULES, (typeof RULES)[keyof typeof RULES]][]) {
    const value = resolveProperty(report, resolver, id, property, props[property]);
    numbers[property] = value?.present === true ? integerProperty(report, id, property, value.value, rule) : rule.fallback;
  }
  const redrive = redrivePolicy(context, id, props.RedrivePolicy);
  const name = queueNameOf(resolver, context.stackName, id, props);
  if (report.problems.length > before || name === undefined) return undefined;
  return {
    logicalId: id,
    name,
    arn: queueArn(context.region, context.accountId, name),
    fifo,
    visibilityTimeout: numbers.VisibilityTimeout ?? RULES.VisibilityTimeout.fallback,
    messageRetentionPeriod: numbers.MessageRetentionPeriod ?? RULES.MessageRetentionPeriod.fallback,
    delaySeconds: numbers.DelaySeconds ?? RULES.DelaySeconds.fallback,
    receiveMessageWaitTimeSeconds: numbers.ReceiveMessageWaitTimeSeconds ?? RULES.ReceiveMessageWaitTimeSeconds.fallback,
    maximumMessageSize: numbers.MaximumMessageSize ?? RULES.MaximumMessageSize.fallback,
    contentBasedDeduplication,
    ...(redrive === undefined ? {} : { redrive }),
  };
}

/** `RedrivePolicy`: a map or its JSON text, `{ deadLetterTargetArn, maxReceiveCount }`. */
function redrivePolicy(context: QueueContext, id: string, raw: unknown): QueueDefinition['redrive'] {
  const { report } = context;
  const value = resolveProperty(report, context.resolver, id, 'RedrivePolicy', raw);
  if (value === undefined || !value.present) return undefined;
  let policy: unknown = value.value;
  if (typeof policy === 'string') {
    try {
      policy = JSON.parse(policy);
    } catch {
      report.problem(id, 'RedrivePolicy', `${show(policy)} is not JSON`);
      return undefined;
    }
  }
  if (!isPlainObject(policy)) {
    report.problem(id, 'RedrivePolicy', `${show(policy)} must be a map with deadLetterTargetArn and maxReceiveCount`);
    return undefined;
  }
  const target = policy.deadLetterTargetArn;
  const okTarget = typeof target === 'string' && /^arn:[^:]+:sqs:[^:]+:\d{12}:[A-Za-z0-9_.-]{1,80}$/.test(target);
  if (!okTarget) report.problem(id, 'RedrivePolicy.deadLetterTargetArn', target === undefined ? 'is required' : `${show(target)} is not an SQS queue ARN`);
  const count = policy.maxReceiveCount === undefined ? undefined : integerProperty(report, id, 'RedrivePolicy.maxReceiveCount', policy.maxReceiveCount, MAX_RECEIVE_RULE);
  if (policy.maxReceiveCount === undefined) report.problem(id, 'RedrivePolicy.maxReceiveCount', 'is required');
  return okTarget && count !== undefined ? { deadLetterTargetArn: target, maxReceiveCount: count } : undefined;
}

/** SQS: a dead-letter queue is of the same kind as its source (standard or FIFO), and not itself. */
function checkRedriveTarget(report: TemplateReport, queue: QueueDefinition, queues: readonly QueueDefinition[]): void {
  if (queue.redrive === undefined) return;
  const target = queues.find((q) => q.arn === queue.redrive?.deadLetterTargetArn);
  if (target === queue) report.problem(queue.logicalId, 'RedrivePolicy.deadLetterTargetArn', 'names the queue itself');
  else if (target !== undefined && target.fifo !== queue.fifo) {
    report.problem(queue.logicalId, 'RedrivePolicy.deadLetterTargetArn', `${target.logicalId} is ${target.fifo ? 'a FIFO' : 'a standard'} queue; the dead-letter queue of ${queue.fifo ? 'a FIFO' : 'a standard'} queue must be one too`);
  }
}
