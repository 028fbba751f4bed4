/**
 * The Kinesis streams of a template (docs/event-sources-kinesis.md): each `AWS::Kinesis::Stream`
 * becomes a StreamDefinition that `lamina serve` creates in its embedded Kinesis. `ShardCount`
 * sets the shards (1-100 here; an ON_DEMAND stream gets Kinesis's initial 4); retention,
 * encryption and tags are accepted and have no effect.
 */
import type { StreamDefinition } from '../event-sources/streams/stream-types.js';
import { isPlainObject } from './cfn-intrinsics.js';
import { integerProperty, resolveProperty, show, type IntegerRule } from './function-properties.js';
import { conditionFalse, generatedName, type QueueContext } from './queue-resources.js';

export const KINESIS_STREAM = 'AWS::Kinesis::Stream';

/** A local bound: the embedded Kinesis holds at most 500 shards in all. */
const SHARDS: IntegerRule = { min: 1, max: 100, unit: '(shards)' };
const ON_DEMAND_SHARDS = 4;
const IGNORED = ['RetentionPeriodHours', 'StreamEncryption', 'Tags', 'DesiredShardLevelMetrics', 'MaxRecordSizeInKiB', 'WarmThroughputMiBps'];
const KNOWN = ['Name', 'ShardCount', 'StreamModeDetails', ...IGNORED];
const NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

/** `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`. */
export function streamArn(region: string, accountId: string, name: string): string {
  return `arn:aws:kinesis:${region}:${accountId}:stream/${name}`;
}

/**
 * A stream's name: `Name`, else the name CloudFormation would generate. Undefined when `Name`
 * cannot be resolved.
 *
 * @example streamNameOf(resolver, 'local', 'Orders', { Name: 'orders' }) // 'orders'
 */
export function streamNameOf(context: Pick<QueueContext, 'resolver' | 'stackName'>, logicalId: string, props: Readonly<Record<string, unknown>>): string | undefined {
  if (props.Name === undefined || props.Name === null) return generatedName(context.stackName, logicalId, 128);
  const r = context.resolver.resolve(props.Name);
  return r.ok && typeof r.value === 'string' ? r.value : undefined;
}

/**
 * Every `AWS::Kinesis::Stream` of the template, checked.
 *
 * @example const streams = streamResources(resources, queueContext); // [{ logicalId: 'Orders', name: 'orders', shardCount: 2, arn }]
 */
export function streamResources(resources: Readonly<Record<string, unknown>>, context: QueueContext): StreamDefinition[] {
  const { report, resolver } = context;
  const streams: StreamDefinition[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (!isPlainObject(resource) || resource.Type !== KINESIS_STREAM || conditionFalse(resolver, resource)) continue;
    const props = resource.Properties ?? {};
    if (!isPlainObject(props)) {
      report.resourceProblem(id, 'Properties must be a map');
      continue;
    }
    const before = report.problems.length;
    for (const key of Object.keys(props)) {
      if (IGNORED.includes(key)) report.warn(id, key, 'is accepted but has no effect in Lamina');
      else if (!KNOWN.includes(key)) report.problem(id, key, `is not a property of AWS::Kinesis::Stream (known: ${KNOWN.join(', ')})`);
    }
    const mode = resolveProperty(report, resolver, id, 'StreamModeDetails', props.StreamModeDetails);
    const modeName = mode?.present === true && isPlainObject(mode.value) ? mode.value.StreamMode : mode?.present === true ? mode.value : 'PROVISIONED';
    if (modeName !== 'PROVISIONED' && modeName !== 'ON_DEMAND') report.problem(id, 'StreamModeDetails.StreamMode', `${show(modeName)} is not PROVISIONED or ON_DEMAND`);
    const count = resolveProperty(report, resolver, id, 'ShardCount', props.ShardCount);
    let shardCount: number | undefined = modeName === 'ON_DEMAND' ? ON_DEMAND_SHARDS : 1;
    if (count?.present === true) {
      if (modeName === 'ON_DEMAND') report.problem(id, 'ShardCount', 'does not apply to an ON_DEMAND stream');
      shardCount = integerProperty(report, id, 'ShardCount', count.value, SHARDS);
    }
    const name = streamNameOf(context, id, props);
    if (name === undefined) report.problem(id, 'Name', `${show(props.Name)} cannot be resolved`);
    else if (!NAME.test(name)) report.problem(id, 'Name', `${show(name)} must be 1-128 letters, digits, hyphens, underscores or periods`);
    if (report.problems.length > before || name === undefined || shardCount === undefined) continue;
    const other = streams.find((s) => s.name === name);
    if (other !== undefined) {
      report.problem(id, 'Name', `stream name ${name} is already used by resource ${other.logicalId}`);
      continue;
    }
    streams.push({ logicalId: id, name, arn: streamArn(context.region, context.accountId, name), shardCount });
  }
  return streams;
}
