/**
 * The SQS event source mappings of a template (docs/event-sources-template.md): the `Events` of
 * Type SQS of SAM functions and the `AWS::Lambda::EventSourceMapping` resources whose
 * EventSourceArn is an SQS queue, checked against Lambda's CreateEventSourceMapping rules, become
 * SqsMappings for the pollers (src/event-sources/). Mappings of other sources (Kinesis, DynamoDB
 * streams...) are left alone: Lamina does not run them yet.
 */
import type { QueueDefinition } from '../async/async-types.js';
import type { SqsMapping } from '../event-sources/mapping-types.js';
import { isPlainObject } from './cfn-intrinsics.js';
import { integerProperty, resolveProperty, show, type IntegerRule } from './function-properties.js';
import { conditionFalse, type QueueContext } from './queue-resources.js';
import { booleanProperty, filterCriteria, mappedFunction, responseTypes } from './mapping-properties.js';

export const EVENT_SOURCE_MAPPING = 'AWS::Lambda::EventSourceMapping';

/** Lambda's ranges (CreateEventSourceMapping) for SQS sources. */
const BATCH_STANDARD: IntegerRule = { min: 1, max: 10_000, unit: '' };
const BATCH_FIFO: IntegerRule = { min: 1, max: 10, unit: '(FIFO queues take 1-10)' };
const WINDOW: IntegerRule = { min: 0, max: 300, unit: 'seconds' };
const MAX_CONCURRENCY: IntegerRule = { min: 2, max: 1000, unit: '' };
const DEFAULT_BATCH = 10;

const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)$/;

/** Properties shared by both forms; the ones Lamina accepts without acting on them are warned about. */
const SETTINGS = ['BatchSize', 'MaximumBatchingWindowInSeconds', 'Enabled', 'FilterCriteria', 'FunctionResponseTypes', 'ScalingConfig'];
const IGNORED = ['KmsKeyArn', 'MetricsConfig', 'ProvisionedPollerConfig', 'Tags'];
/** Stream and Kafka settings: Lambda refuses them on an SQS mapping. */
const NOT_FOR_SQS = [
  'StartingPosition', 'StartingPositionTimestamp', 'BisectBatchOnFunctionError', 'DestinationConfig', 'MaximumRecordAgeInSeconds',
  'MaximumRetryAttempts', 'ParallelizationFactor', 'TumblingWindowInSeconds', 'Topics', 'Queues', 'SourceAccessConfigurations',
  'SelfManagedEventSource', 'SelfManagedKafkaEventSourceConfig', 'AmazonManagedKafkaEventSourceConfig', 'DocumentDBEventSourceConfig',
];

interface Pending {
  readonly id: string;
  /** The resource that problems name, and the prefix of property paths (`Events.X.Properties.`). */
  readonly resource: string;
  readonly prefix: string;
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly queueProperty: string;
  readonly queue: unknown;
  readonly props: Readonly<Record<string, unknown>>;
  /** Its property names already had a problem: checked all the same, but never a mapping. */
  readonly broken: boolean;
}

/**
 * Collects the SQS mappings while the loader walks the functions, then checks them once the
 * template's queues are known.
 *
 * @example
 * const mappings = new EventSourceMappingCollector(queueContext);
 * mappings.addFunction('Worker', 'worker', undefined, merged.Events);
 * const sqsMappings = mappings.finish(resources, queues, new Set(['worker']));
 */
export class EventSourceMappingCollector {
  readonly #pending: Pending[] = [];

  constructor(private readonly context: QueueContext) {}

  /** A SAM function's `Events` (merged with Globals); SAM points them at the AutoPublishAlias when there is one. */
  addFunction(resourceId: string, functionName: string, publishedAlias: string | undefined, events: unknown): void {
    if (!isPlainObject(events)) return; // api-events.ts reports an Events that is not a map
    for (const [name, event] of Object.entries(events)) {
      if (!isPlainObject(event) || event.Type !== 'SQS') continue;
      const prefix = `Events.${name}.Properties`;
      const props = event.Properties;
      if (!isPlainObject(props)) {
        this.context.report.problem(resourceId, prefix, 'must be a map with Queue');
        continue;
      }
      const broken = this.#checkKeys(resourceId, `${prefix}.`, props, ['Queue']);
      this.#pending.push({ id: `${resourceId}${name}`, resource: resourceId, prefix: `${prefix}.`, functionName, qualifier: publishedAlias || undefined, queueProperty: 'Queue', queue: props.Queue, props, broken });
    }
  }

  /** Check every mapping; the template's queues (standard and FIFO) and function names are now known. */
  finish(resources: Readonly<Record<string, unknown>>, queues: readonly QueueDefinition[], functionNames: ReadonlySet<string>): SqsMapping[] {
    for (const [id, resource] of Object.entries(resources)) {
      if (!isPlainObject(resource) || resource.Type !== EVENT_SOURCE_MAPPING || conditionFalse(this.context.resolver, resource)) continue;
      this.#resource(id, resource.Properties, functionNames);
    }
    const mappings: SqsMapping[] = [];
    const seen = new Map<string, string>();
    for (const pending of this.#pending) {
      const mapping = this.#mapping(pending, queues);
      if (mapping === undefined) continue;
      const key = `${mapping.functionName}:${mapping.qualifier ?? ''}\0${mapping.queueArn}`;
      const other = seen.get(key);
      if (other !== undefined) {
        this.context.report.problem(pending.resource, `${pending.prefix}${pending.queueProperty}`, `queue ${mapping.queueName} is already mapped to function ${mapping.functionName} by ${other}; Lambda allows one mapping per queue and function`);
        continue;
      }
      seen.set(key, mapping.id);
      mappings.push(mapping);
    }
    return mappings;
  }

  /** One `AWS::Lambda::EventSourceMapping`: kept when its EventSourceArn is an SQS queue's. */
  #resource(id: string, props: unknown, functionNames: ReadonlySet<string>): void {
    const { report, resolver } = this.context;
    if (!isPlainObject(props)) return report.resourceProblem(id, 'Properties must be a map with FunctionName and EventSourceArn');
    // A stream's ARN (Kinesis, DynamoDB) may not resolve without a stack: only an SQS one matters here.
    const source = resolver.resolve(props.EventSourceArn ?? null);
    const isSqs = source.ok && typeof source.value === 'string' && source.value.startsWith('arn:') && source.value.split(':')[2] === 'sqs';
    if (!isSqs) return;
    const broken = this.#checkKeys(id, '', props, ['FunctionName', 'EventSourceArn']);
    const fn = resolveProperty(report, resolver, id, 'FunctionName', props.FunctionName);
    const target = fn === undefined ? undefined : mappedFunction(report, id, fn, functionNames);
    if (target === undefined) return;
    this.#pending.push({ id, resource: id, prefix: '', functionName: target.name, qualifier: target.qualifier, queueProperty: 'EventSourceArn', queue: props.EventSourceArn, props, broken });
  }

  /** Unknown properties are problems; stream-only ones too (Lambda refuses them for SQS); KmsKeyArn and such are warned about. */
  #checkKeys(resource: string, prefix: string, props: Readonly<Record<string, unknown>>, own: readonly string[]): boolean {
    const before = this.context.report.problems.length;
    for (const key of Object.keys(props)) {
      if (own.includes(key) || SETTINGS.includes(key)) continue;
      if (IGNORED.includes(key)) this.context.report.warn(resource, `${prefix}${key}`, 'is accepted but has no effect in Lamina');
      else if (NOT_FOR_SQS.includes(key)) this.context.report.problem(resource, `${prefix}${key}`, 'applies to stream and Kafka sources, not to SQS queues');
      else this.context.report.problem(resource, `${prefix}${key}`, `is not a property of an SQS event source (known: ${[...own, ...SETTINGS, ...IGNORED].join(', ')})`);
    }
    return this.context.report.problems.length > before;
  }

  #mapping(p: Pending, queues: readonly QueueDefinition[]): SqsMapping | undefined {
    const { report, resolver } = this.context;
    const before = report.problems.length;
    const at = (property: string): string => `${p.prefix}${property}`;
    const value = (property: string): ReturnType<typeof resolveProperty> => resolveProperty(report, resolver, p.resource, at(property), p.props[property]);

    const queue = value(p.queueProperty);
    if (queue !== undefined && !queue.present) report.problem(p.resource, at(p.queueProperty), 'is required');
    const arn = queue?.present === true && typeof queue.value === 'string' ? queue.value : undefined;
    const match = arn === undefined ? null : SQS_ARN.exec(arn);
    if (queue?.present === true && match === null) {
      const hint = typeof queue.value === 'string' && queue.value.includes('://') ? ' (a queue URL: use !GetAtt Queue.Arn)' : '';
      report.problem(p.resource, at(p.queueProperty), `${show(queue.value)} is not an SQS queue ARN${hint}`);
    }
    const defined = queues.find((q) => q.arn === arn);
    const queueName = defined?.name ?? match?.[1] ?? '';
    const fifo = defined?.fifo ?? queueName.endsWith('.fifo');

    const batch = value('BatchSize');
    const batchSize = batch?.present === true ? integerProperty(report, p.resource, at('BatchSize'), batch.value, fifo ? BATCH_FIFO : BATCH_STANDARD) : DEFAULT_BATCH;
    const window = value('MaximumBatchingWindowInSeconds');
    const maximumBatchingWindowSeconds = window?.present === true ? integerProperty(report, p.resource, at('MaximumBatchingWindowInSeconds'), window.value, WINDOW) : 0;
    // Lambda's SQS parameters: "Batching window is not supported for FIFO queues".
    if (fifo && maximumBatchingWindowSeconds !== undefined && maximumBatchingWindowSeconds > 0) {
      report.problem(p.resource, at('MaximumBatchingWindowInSeconds'), `${maximumBatchingWindowSeconds}: FIFO queues take no batching window`);
    }
    if (batchSize !== undefined && batchSize > 10 && maximumBatchingWindowSeconds !== undefined && maximumBatchingWindowSeconds < 1) {
      report.problem(p.resource, at('BatchSize'), `${batchSize} needs MaximumBatchingWindowInSeconds of at least 1 (a batch over 10 records is gathered over a window)`);
    }
    const maximumConcurrency = this.#scaling(p, value('ScalingConfig'));
    const reportBatchItemFailures = responseTypes(report, p.resource, at('FunctionResponseTypes'), value('FunctionResponseTypes'));
    const enabled = booleanProperty(report, p.resource, at('Enabled'), value('Enabled'), true);
    const filters = filterCriteria(report, p.resource, at('FilterCriteria'), value('FilterCriteria'));

    if (p.broken || report.problems.length > before || arn === undefined || batchSize === undefined || maximumBatchingWindowSeconds === undefined || enabled === undefined) return undefined;
    return {
      id: p.id,
      functionName: p.functionName,
      qualifier: p.qualifier,
      queueArn: arn,
      queueName,
      fifo,
      batchSize,
      maximumBatchingWindowSeconds,
      maximumConcurrency,
      reportBatchItemFailures,
      filters,
      enabled,
    };
  }

  /** `ScalingConfig: { MaximumConcurrency }` (2-1,000). */
  #scaling(p: Pending, config: ReturnType<typeof resolveProperty>): number | undefined {
    const { report } = this.context;
    if (config === undefined || !config.present) return undefined;
    const where = `${p.prefix}ScalingConfig`;
    if (!isPlainObject(config.value)) return report.problem(p.resource, where, `${show(config.value)} must be a map with MaximumConcurrency`), undefined;
    for (const key of Object.keys(config.value)) if (key !== 'MaximumConcurrency') report.problem(p.resource, `${where}.${key}`, 'is not a property of ScalingConfig (known: MaximumConcurrency)');
    const raw = config.value.MaximumConcurrency;
    return raw === undefined || raw === null ? undefined : integerProperty(report, p.resource, `${where}.MaximumConcurrency`, raw, MAX_CONCURRENCY);
  }
}
