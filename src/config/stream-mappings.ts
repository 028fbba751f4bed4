/**
 * The stream event source mappings of a template (docs/event-sources-kinesis.md): SAM `Events` of
 * Type Kinesis and `AWS::Lambda::EventSourceMapping` resources whose EventSourceArn is a Kinesis
 * stream's, checked against Lambda's CreateEventSourceMapping rules, become StreamMappings for the
 * engine of src/event-sources/streams/. A mapping's stream is a template `AWS::Kinesis::Stream` or any
 * stream named by ARN (read at `--kinesis-endpoint`, docs/event-sources-external.md). DynamoDB streams are refused with the reason: no emulator
 * of DynamoDB Streams is available to Lamina.
 */
import type { AsyncTarget } from '../async/async-types.js';
import type { StartingPosition, StreamMapping } from '../event-sources/streams/stream-types.js';
import { checkTarget, type TargetScope } from './async-targets.js';
import { isPlainObject } from './cfn-intrinsics.js';
import { integerProperty, resolveProperty, show, type IntegerRule, type PropertyValue } from './function-properties.js';
import { booleanProperty, filterCriteria, mappedFunction, responseTypes } from './mapping-properties.js';
import { conditionFalse, type QueueContext } from './queue-resources.js';

const EVENT_SOURCE_MAPPING = 'AWS::Lambda::EventSourceMapping';
const RULES = {
  BatchSize: { min: 1, max: 10_000, unit: '' },
  MaximumBatchingWindowInSeconds: { min: 0, max: 300, unit: 'seconds' },
  ParallelizationFactor: { min: 1, max: 10, unit: '' },
  MaximumRetryAttempts: { min: -1, max: 10_000, unit: '(-1: until the record expires)' },
  MaximumRecordAgeInSeconds: { min: -1, max: 604_800, unit: 'seconds (-1: no limit)' },
  TumblingWindowInSeconds: { min: 0, max: 900, unit: 'seconds' },
} as const satisfies Record<string, IntegerRule>;
const DEFAULTS = { BatchSize: 100, MaximumBatchingWindowInSeconds: 0, ParallelizationFactor: 1, MaximumRetryAttempts: -1, MaximumRecordAgeInSeconds: -1, TumblingWindowInSeconds: 0 } as const;

const SETTINGS = ['StartingPosition', 'StartingPositionTimestamp', 'BisectBatchOnFunctionError', 'DestinationConfig', 'Enabled', 'FilterCriteria', 'FunctionResponseTypes', ...Object.keys(RULES)];
const IGNORED = ['KmsKeyArn', 'MetricsConfig', 'Tags'];
const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/([a-zA-Z0-9_.-]{1,128})$/;
const DYNAMODB_REFUSAL = 'DynamoDB stream mappings are not supported yet: no DynamoDB Streams emulator is available to Lamina (dynalite does not implement DynamoDB Streams; docs/event-sources-kinesis.md)';

interface Pending {
  readonly id: string;
  readonly resource: string;
  /** `Events.X.Properties.` for SAM events, '' for a mapping resource. */
  readonly prefix: string;
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly streamProperty: 'Stream' | 'EventSourceArn';
  readonly props: Readonly<Record<string, unknown>>;
  readonly broken: boolean;
}

/**
 * @example
 * const streams = new StreamMappingCollector(queueContext);
 * streams.addFunction('Worker', 'worker', undefined, merged.Events);
 * const mappings = streams.finish(resources, new Set(['Worker']), targetScope);
 */
export class StreamMappingCollector {
  readonly #pending: Pending[] = [];

  constructor(private readonly context: QueueContext) {}

  /** A SAM function's `Events`: Type Kinesis is collected, Type DynamoDB refused. */
  addFunction(resourceId: string, functionName: string, publishedAlias: string | undefined, events: unknown): void {
    if (!isPlainObject(events)) return;
    for (const [name, event] of Object.entries(events)) {
      if (!isPlainObject(event)) continue;
      const prefix = `Events.${name}.Properties`;
      if (event.Type === 'DynamoDB') this.context.report.problem(resourceId, `Events.${name}`, DYNAMODB_REFUSAL);
      if (event.Type !== 'Kinesis') continue;
      const props = event.Properties;
      if (!isPlainObject(props)) {
        this.context.report.problem(resourceId, prefix, 'must be a map with Stream and StartingPosition');
        continue;
      }
      const broken = this.#checkKeys(resourceId, `${prefix}.`, props, 'Stream');
      this.#pending.push({ id: `${resourceId}${name}`, resource: resourceId, prefix: `${prefix}.`, functionName, qualifier: publishedAlias || undefined, streamProperty: 'Stream', props, broken });
    }
  }

  /** Check every mapping; mapping resources of streams are collected here too. Whether a stream is the template's is decided at serve time. */
  finish(resources: Readonly<Record<string, unknown>>, functionNames: ReadonlySet<string>, scope: TargetScope): StreamMapping[] {
    for (const [id, resource] of Object.entries(resources)) {
      if (!isPlainObject(resource) || resource.Type !== EVENT_SOURCE_MAPPING || conditionFalse(this.context.resolver, resource)) continue;
      if (isPlainObject(resource.Properties)) this.#resource(id, resource.Properties, resources, functionNames);
    }
    const mappings: StreamMapping[] = [];
    for (const pending of this.#pending) {
      const mapping = this.#mapping(pending, scope);
      if (mapping === undefined) continue;
      const twin = mappings.find((m) => m.functionName === mapping.functionName && m.qualifier === mapping.qualifier && m.streamArn === mapping.streamArn);
      if (twin !== undefined) {
        this.context.report.problem(pending.resource, `${pending.prefix}${pending.streamProperty}`, `stream ${mapping.streamName} is already mapped to function ${mapping.functionName} by ${twin.id}; Lambda allows one mapping per stream and function`);
        continue;
      }
      mappings.push(mapping);
    }
    return mappings;
  }

  /** An `AWS::Lambda::EventSourceMapping` of a Kinesis stream (or a refused DynamoDB one); others are left to their collectors. */
  #resource(id: string, props: Readonly<Record<string, unknown>>, resources: Readonly<Record<string, unknown>>, functionNames: ReadonlySet<string>): void {
    const { report, resolver } = this.context;
    const kind = sourceKind(props.EventSourceArn, resolver.resolve(props.EventSourceArn ?? null), resources);
    if (kind === 'dynamodb') return report.problem(id, 'EventSourceArn', DYNAMODB_REFUSAL);
    if (kind !== 'kinesis') return;
    const broken = this.#checkKeys(id, '', props, 'EventSourceArn', 'FunctionName');
    const fn = resolveProperty(report, resolver, id, 'FunctionName', props.FunctionName);
    const target = fn === undefined ? undefined : mappedFunction(report, id, fn, functionNames);
    if (target === undefined) return;
    this.#pending.push({ id, resource: id, prefix: '', functionName: target.name, qualifier: target.qualifier, streamProperty: 'EventSourceArn', props, broken });
  }

  #checkKeys(resource: string, prefix: string, props: Readonly<Record<string, unknown>>, ...own: string[]): boolean {
    const { report } = this.context;
    const before = report.problems.length;
    for (const key of Object.keys(props)) {
      if (own.includes(key) || SETTINGS.includes(key)) continue;
      if (IGNORED.includes(key)) report.warn(resource, `${prefix}${key}`, 'is accepted but has no effect in Lamina');
      else if (key === 'ScalingConfig') report.problem(resource, `${prefix}${key}`, 'applies to SQS queues, not to streams');
      else report.problem(resource, `${prefix}${key}`, `is not a property of a Kinesis event source (known: ${[...own, ...SETTINGS, ...IGNORED].join(', ')})`);
    }
    return report.problems.length > before;
  }

  #mapping(p: Pending, scope: TargetScope): StreamMapping | undefined {
    const { report, resolver } = this.context;
    const before = report.problems.length;
    const at = (property: string): string => `${p.prefix}${property}`;
    const value = (property: string): PropertyValue | undefined => resolveProperty(report, resolver, p.resource, at(property), p.props[property]);
    const integer = (property: keyof typeof RULES): number | undefined => {
      const v = value(property);
      return v?.present === true ? integerProperty(report, p.resource, at(property), v.value, RULES[property]) : DEFAULTS[property];
    };

    const stream = value(p.streamProperty);
    if (stream !== undefined && !stream.present) report.problem(p.resource, at(p.streamProperty), 'is required');
    const arn = stream?.present === true && typeof stream.value === 'string' ? stream.value : undefined;
    // A stream the template does not define is named by its ARN alone and read where it lives
    // (`lamina serve --kinesis-endpoint`, docs/event-sources-external.md).
    const streamName = arn === undefined ? undefined : STREAM_ARN.exec(arn)?.[1];
    if (stream?.present === true && streamName === undefined) {
      report.problem(p.resource, at(p.streamProperty), `${show(stream.value)} is not a Kinesis stream ARN (use !GetAtt Stream.Arn or arn:aws:kinesis:REGION:ACCOUNT:stream/NAME; stream consumers are not supported)`);
    }
    const startingPosition = this.#startingPosition(p, value('StartingPosition'), value('StartingPositionTimestamp'));
    const batchSize = integer('BatchSize');
    const maximumBatchingWindowSeconds = integer('MaximumBatchingWindowInSeconds');
    const parallelizationFactor = integer('ParallelizationFactor');
    const maximumRetryAttempts = integer('MaximumRetryAttempts');
    const maximumRecordAgeSeconds = integer('MaximumRecordAgeInSeconds');
    if (maximumRecordAgeSeconds !== undefined && maximumRecordAgeSeconds >= 0 && maximumRecordAgeSeconds < 60) {
      report.problem(p.resource, at('MaximumRecordAgeInSeconds'), `${maximumRecordAgeSeconds} must be -1 or 60-604800 seconds`);
    }
    const tumbling = integer('TumblingWindowInSeconds');
    const bisect = booleanProperty(report, p.resource, at('BisectBatchOnFunctionError'), value('BisectBatchOnFunctionError'), false);
    const enabled = booleanProperty(report, p.resource, at('Enabled'), value('Enabled'), true);
    const reportBatchItemFailures = responseTypes(report, p.resource, at('FunctionResponseTypes'), value('FunctionResponseTypes'));
    const filters = filterCriteria(report, p.resource, at('FilterCriteria'), value('FilterCriteria'));
    const onFailure = this.#onFailure(p, value('DestinationConfig'), scope);

    if (p.broken || report.problems.length > before || arn === undefined || streamName === undefined || startingPosition === undefined || batchSize === undefined || maximumBatchingWindowSeconds === undefined
      || parallelizationFactor === undefined || tumbling === undefined || maximumRetryAttempts === undefined || maximumRecordAgeSeconds === undefined || bisect === undefined || enabled === undefined) return undefined;
    return {
      id: p.id, functionName: p.functionName, qualifier: p.qualifier, streamArn: arn, streamName, startingPosition, batchSize, maximumBatchingWindowSeconds,
      parallelizationFactor, bisectBatchOnFunctionError: bisect, maximumRetryAttempts, maximumRecordAgeSeconds, onFailure, reportBatchItemFailures, tumblingWindowSeconds: tumbling, filters, enabled,
    };
  }

  /** `StartingPosition` (required): TRIM_HORIZON, LATEST, or AT_TIMESTAMP with `StartingPositionTimestamp` (seconds since the epoch). */
  #startingPosition(p: Pending, position: PropertyValue | undefined, timestamp: PropertyValue | undefined): StartingPosition | undefined {
    const { report } = this.context;
    const where = `${p.prefix}StartingPosition`;
    if (position === undefined) return undefined;
    if (!position.present) return report.problem(p.resource, where, 'is required for a stream (TRIM_HORIZON, LATEST or AT_TIMESTAMP)'), undefined;
    const kind = position.value;
    if (kind !== 'AT_TIMESTAMP' && timestamp?.present === true) report.problem(p.resource, `${p.prefix}StartingPositionTimestamp`, 'applies only with StartingPosition AT_TIMESTAMP');
    if (kind === 'TRIM_HORIZON' || kind === 'LATEST') return { kind };
    if (kind !== 'AT_TIMESTAMP') return report.problem(p.resource, where, `${show(kind)} is not TRIM_HORIZON, LATEST or AT_TIMESTAMP`), undefined;
    const seconds = timestamp?.present === true ? (typeof timestamp.value === 'number' ? timestamp.value : typeof timestamp.value === 'string' && timestamp.value.trim() !== '' ? Number(timestamp.value) : Number.NaN) : undefined;
    if (seconds === undefined) return report.problem(p.resource, `${p.prefix}StartingPositionTimestamp`, 'is required with StartingPosition AT_TIMESTAMP (seconds since the epoch)'), undefined;
    if (!Number.isFinite(seconds) || seconds < 0) return report.problem(p.resource, `${p.prefix}StartingPositionTimestamp`, `${show(timestamp?.present === true ? timestamp.value : undefined)} is not a time in seconds since the epoch`), undefined;
    return { kind: 'AT_TIMESTAMP', timestampMs: Math.round(seconds * 1000) };
  }

  /** `DestinationConfig: { OnFailure: { Destination, Type? } }`: a standard SQS queue or an SNS topic. */
  #onFailure(p: Pending, config: PropertyValue | undefined, scope: TargetScope): (AsyncTarget & { kind: 'sqs' | 'sns' }) | undefined {
    const { report } = this.context;
    if (config === undefined || !config.present) return undefined;
    const where = `${p.prefix}DestinationConfig`;
    if (!isPlainObject(config.value)) return report.problem(p.resource, where, `${show(config.value)} must be a map with OnFailure`), undefined;
    for (const key of Object.keys(config.value)) if (key !== 'OnFailure') report.problem(p.resource, `${where}.${key}`, key === 'OnSuccess' ? 'stream mappings have only an OnFailure destination' : 'is not a property of DestinationConfig (known: OnFailure)');
    const onFailure = config.value.OnFailure;
    if (onFailure === undefined) return undefined;
    if (!isPlainObject(onFailure)) return report.problem(p.resource, `${where}.OnFailure`, `${show(onFailure)} must be a map with Destination`), undefined;
    for (const key of Object.keys(onFailure)) if (key !== 'Destination' && key !== 'Type') report.problem(p.resource, `${where}.OnFailure.${key}`, 'is not a property of OnFailure (known: Destination, Type)');
    const type = typeof onFailure.Type === 'string' ? onFailure.Type : undefined;
    if (onFailure.Type !== undefined && type !== 'SQS' && type !== 'SNS') return report.problem(p.resource, `${where}.OnFailure.Type`, `${show(onFailure.Type)} is not SQS or SNS`), undefined;
    const destination = resolveProperty(report, this.context.resolver, p.resource, `${where}.OnFailure.Destination`, onFailure.Destination);
    if (destination === undefined) return undefined;
    if (!destination.present) return report.problem(p.resource, `${where}.OnFailure.Destination`, 'is required'), undefined;
    const target = checkTarget(report, scope, p.resource, `${where}.OnFailure.Destination`, destination.value, { kinds: ['sqs', 'sns'], type, refuseFifo: true });
    return target?.kind === 'sqs' || target?.kind === 'sns' ? target : undefined;
  }
}

/** What an EventSourceArn points at: resolved, or a `!GetAtt Table.StreamArn` of a DynamoDB table (which never resolves here). */
function sourceKind(raw: unknown, resolved: { ok: boolean; value?: unknown }, resources: Readonly<Record<string, unknown>>): 'kinesis' | 'dynamodb' | 'other' {
  if (resolved.ok && typeof resolved.value === 'string') {
    const service = resolved.value.split(':')[2];
    return service === 'kinesis' ? 'kinesis' : service === 'dynamodb' ? 'dynamodb' : 'other';
  }
  const getAtt = isPlainObject(raw) ? raw['Fn::GetAtt'] : undefined;
  const target = Array.isArray(getAtt) ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
  const resource = typeof target === 'string' ? resources[target] : undefined;
  return isPlainObject(resource) && resource.Type === 'AWS::DynamoDB::Table' ? 'dynamodb' : 'other';
}
