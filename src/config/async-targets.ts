/**
 * Destinations and dead-letter targets of asynchronous invocation (docs/async-template.md): an ARN
 * parsed into an AsyncTarget, then checked against the template. A function must be one of the
 * template's; an SQS queue of the template's account and region named like one of its queues is
 * served by Lamina's embedded SQS; any other queue, topic or bus is external (`lamina serve` asks
 * for its endpoint).
 */
import type { AsyncTarget, QueueDefinition } from '../async/async-types.js';
import { show, type TemplateReport } from './function-properties.js';

/** What a target is checked against. */
export interface TargetScope {
  readonly region: string;
  readonly accountId: string;
  /** The template's functions: name -> its AutoPublishAlias (undefined when none). */
  readonly functions: ReadonlyMap<string, string | undefined>;
  readonly queues: readonly QueueDefinition[];
}

/** SAM's destination `Type`s and the kind of ARN each expects (S3 is recognised, not supported). */
export const DESTINATION_TYPES: Readonly<Record<string, AsyncTarget['kind'] | 's3'>> = {
  SQS: 'sqs',
  SNS: 'sns',
  Lambda: 'function',
  EventBridge: 'eventbridge',
  S3Bucket: 's3',
  S3: 's3',
};

const ARN = /^arn:(aws[a-zA-Z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$/;

/**
 * Parse a destination or dead-letter ARN; undefined when it is not the ARN of a function, queue,
 * topic or event bus. An S3 bucket ARN comes back as `'s3'`.
 *
 * @example parseTargetArn('arn:aws:sqs:us-east-1:123456789012:jobs') // { kind: 'sqs', queueName: 'jobs', ... }
 */
export function parseTargetArn(arn: string): AsyncTarget | 's3' | undefined {
  const m = ARN.exec(arn);
  if (m === null) return undefined;
  const [, , service = '', region = '', account = '', rest = ''] = m;
  if (service === 's3' && region === '' && account === '' && /^[a-z0-9.-]{3,63}$/.test(rest)) return 's3';
  if (region === '' || account === '') return undefined;
  if (service === 'lambda') {
    const fn = /^function:([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/.exec(rest);
    if (fn === null) return undefined;
    return { kind: 'function', arn, functionName: fn[1] ?? '', ...(fn[2] === undefined ? {} : { qualifier: fn[2] }) };
  }
  if (service === 'sqs' && /^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$/.test(rest)) return { kind: 'sqs', arn, queueName: rest, region, accountId: account };
  if (service === 'sns' && /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(rest)) return { kind: 'sns', arn, region };
  if (service === 'events' && /^event-bus\/[A-Za-z0-9._\-/]{1,256}$/.test(rest)) return { kind: 'eventbridge', arn, region };
  return undefined;
}

const KIND_NAMES: Readonly<Record<AsyncTarget['kind'] | 's3', string>> = { function: 'a Lambda function', sqs: 'an SQS queue', sns: 'an SNS topic', eventbridge: 'an EventBridge event bus', s3: 'an S3 bucket' };

export interface TargetRule {
  /** Kinds this property accepts. */
  readonly kinds: readonly AsyncTarget['kind'][];
  /** SAM's `Type`, when given: the ARN's service must match it. */
  readonly type?: string | undefined;
  /** Destinations refuse FIFO queues (Lambda's rule). */
  readonly refuseFifo: boolean;
}

/**
 * Check a resolved destination or dead-letter value; undefined (and a problem recorded, naming the
 * resource and property) when it breaks a rule.
 *
 * @example checkTarget(report, scope, 'Fn', 'DeadLetterQueue.TargetArn', arn, { kinds: ['sqs', 'sns'], refuseFifo: false })
 */
export function checkTarget(report: TemplateReport, scope: TargetScope, resource: string, property: string, value: unknown, rule: TargetRule): AsyncTarget | undefined {
  const parsed = typeof value === 'string' ? parseTargetArn(value) : undefined;
  if (parsed === undefined) {
    report.problem(resource, property, `${show(value)} is not the ARN of ${rule.kinds.map((k) => KIND_NAMES[k]).join(', ')}`);
    return undefined;
  }
  const kind = parsed === 's3' ? 's3' : parsed.kind;
  if (rule.type !== undefined && DESTINATION_TYPES[rule.type] !== kind) {
    report.problem(resource, property, `${show(value)} is ${KIND_NAMES[kind]}, not ${KIND_NAMES[DESTINATION_TYPES[rule.type] ?? 's3']} (Type ${rule.type})`);
    return undefined;
  }
  if (parsed === 's3') {
    report.problem(resource, property, 'S3 bucket destinations are not supported yet');
    return undefined;
  }
  if (!rule.kinds.includes(parsed.kind)) {
    report.problem(resource, property, `${show(value)} is ${KIND_NAMES[kind]}; expected ${rule.kinds.map((k) => KIND_NAMES[k]).join(' or ')}`);
    return undefined;
  }
  if (parsed.kind === 'function') return checkFunction(report, scope, resource, property, parsed);
  if (parsed.kind === 'sqs' && rule.refuseFifo && parsed.queueName.endsWith('.fifo')) {
    report.problem(resource, property, `${parsed.queueName} is a FIFO queue; Lambda sends destination records to standard queues only`);
    return undefined;
  }
  if (parsed.kind === 'sqs' && parsed.region === scope.region && parsed.accountId === scope.accountId && !scope.queues.some((q) => q.name === parsed.queueName)) {
    report.warn(resource, property, `${parsed.queueName} is not a queue of this template: Lamina sends to it only through an external SQS endpoint`);
  }
  return parsed;
}

/** A function target must be one of the template's functions (in its account and region). */
function checkFunction(report: TemplateReport, scope: TargetScope, resource: string, property: string, target: AsyncTarget & { kind: 'function' }): AsyncTarget | undefined {
  const local = target.arn.split(':')[3] === scope.region && target.arn.split(':')[4] === scope.accountId;
  if (!local || !scope.functions.has(target.functionName)) {
    report.problem(resource, property, `names unknown function ${target.functionName} (a destination function must be defined in this template)`);
    return undefined;
  }
  const alias = scope.functions.get(target.functionName);
  const q = target.qualifier;
  if (q !== undefined && q !== '$LATEST' && !/^\d+$/.test(q) && q !== alias) {
    report.problem(resource, property, `names unknown alias ${q} of function ${target.functionName}`);
    return undefined;
  }
  return target;
}
