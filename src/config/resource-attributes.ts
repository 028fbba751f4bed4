/**
 * `Ref` and `Fn::GetAtt` of the resources whose values Lamina can know without a deployed stack
 * (docs/async-template.md): SQS queues, SNS topics, EventBridge buses and Lambda functions. The
 * intrinsic resolver (./cfn-intrinsics.ts) calls `hook` for a resource of the template; other
 * resource types stay unresolvable, as before.
 *
 * | Type                    | Ref           | Fn::GetAtt                     |
 * |-------------------------|---------------|--------------------------------|
 * | AWS::SQS::Queue         | queue URL     | Arn, QueueName, QueueUrl       |
 * | AWS::SNS::Topic         | topic ARN     | TopicArn, TopicName            |
 * | AWS::Kinesis::Stream    | stream name   | Arn                            |
 * | AWS::Events::EventBus   | bus name      | Arn, Name                      |
 * | Lambda / SAM functions  | function name | Arn                            |
 * | AWS::S3::Bucket         | bucket name   | Arn (not the domain names: they would point at AWS) |
 */
import { isPlainObject, type IntrinsicResolver, type Resolution, type ResourceAttributeHook } from './cfn-intrinsics.js';
import { functionArn } from './function-config.js';
import { generatedName, queueArn, queueNameOf, SQS_QUEUE } from './queue-resources.js';
import { bucketNameOf, S3_BUCKET } from './s3-buckets.js';
import { KINESIS_STREAM, streamArn, streamNameOf } from './stream-resources.js';

export interface AttributeContext {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  /**
   * Where queue URLs point (`Ref` of a queue, `QueueUrl`), e.g. `http://127.0.0.1:9324`. Undefined:
   * SQS's own form, `https://sqs.<region>.amazonaws.com`, which an SDK client with an endpoint
   * override still routes by its path `/<account>/<name>`.
   */
  readonly sqsEndpoint?: string | undefined;
}

/** `arn:aws:sns:REGION:ACCOUNT:NAME`. */
export const topicArn = (region: string, accountId: string, name: string): string => `arn:aws:sns:${region}:${accountId}:${name}`;
/** `arn:aws:events:REGION:ACCOUNT:event-bus/NAME`. */
export const eventBusArn = (region: string, accountId: string, name: string): string => `arn:aws:events:${region}:${accountId}:event-bus/${name}`;

const FUNCTION_TYPES: ReadonlySet<string> = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function']);

const ok = (value: unknown): Resolution => ({ ok: true, value });
const fail = (reason: string): Resolution => ({ ok: false, reason });

/**
 * The attribute values of a template's resources.
 *
 * @example
 * const attributes = new ResourceAttributes(resources, { region: 'us-east-1', accountId: '000000000000', stackName: 'local' });
 * const resolver = new IntrinsicResolver({ ...context, resourceAttribute: attributes.hook });
 * resolver.resolve({ 'Fn::GetAtt': ['Jobs', 'Arn'] }); // { ok: true, value: 'arn:aws:sqs:us-east-1:000000000000:local-Jobs-…' }
 */
export class ResourceAttributes {
  /** Resources whose name is being resolved: a name that refers to itself fails instead of looping. */
  readonly #resolving = new Set<string>();

  constructor(
    private readonly resources: Readonly<Record<string, unknown>>,
    private readonly context: AttributeContext,
  ) {}

  /** The resolver's hook: undefined for a resource type this module does not know. */
  readonly hook: ResourceAttributeHook = (logicalId, attribute, resolver) => {
    const resource = this.resources[logicalId];
    if (!isPlainObject(resource) || typeof resource.Type !== 'string') return undefined;
    const props = isPlainObject(resource.Properties) ? resource.Properties : {};
    const type = resource.Type;
    const known = type === SQS_QUEUE || type === KINESIS_STREAM || type === 'AWS::SNS::Topic' || type === 'AWS::Events::EventBus' || type === S3_BUCKET || FUNCTION_TYPES.has(type);
    if (!known) return undefined;
    if (this.#resolving.has(logicalId)) return fail(`the name of ${logicalId} refers to itself`);
    this.#resolving.add(logicalId);
    try {
      const values = this.#values(logicalId, type, props, resolver);
      if (!values.ok) return values;
      const table = values.value as Readonly<Record<string, string>>;
      const key = attribute ?? 'Ref';
      return Object.hasOwn(table, key) ? ok(table[key]) : fail(`Fn::GetAtt ${logicalId}.${key}: Lamina knows ${Object.keys(table).filter((k) => k !== 'Ref').join(', ')} of ${type}`);
    } finally {
      this.#resolving.delete(logicalId);
    }
  };

  /** Every value of a resource: `Ref` and its attributes. */
  #values(id: string, type: string, props: Readonly<Record<string, unknown>>, resolver: IntrinsicResolver): Resolution {
    const { region, accountId, stackName } = this.context;
    if (type === SQS_QUEUE) {
      const name = queueNameOf(resolver, stackName, id, props);
      if (name === undefined) return fail(`the QueueName of ${id} cannot be resolved`);
      const url = `${(this.context.sqsEndpoint ?? `https://sqs.${region}.amazonaws.com`).replace(/\/+$/, '')}/${accountId}/${name}`;
      return ok({ Ref: url, QueueUrl: url, QueueName: name, Arn: queueArn(region, accountId, name) });
    }
    if (type === KINESIS_STREAM) {
      const name = streamNameOf({ resolver, stackName }, id, props);
      if (name === undefined) return fail(`the Name of ${id} cannot be resolved`);
      return ok({ Ref: name, Arn: streamArn(region, accountId, name) });
    }
    if (type === 'AWS::SNS::Topic') {
      const fifo = resolver.resolve(props.FifoTopic ?? false);
      const name = this.#name(resolver, id, props.TopicName, () => generatedName(stackName, id, 256, fifo.ok && (fifo.value === true || fifo.value === 'true') ? '.fifo' : ''));
      if (!name.ok) return name;
      const arn = topicArn(region, accountId, String(name.value));
      return ok({ Ref: arn, TopicArn: arn, TopicName: name.value });
    }
    if (type === 'AWS::Events::EventBus') {
      const name = this.#name(resolver, id, props.Name, () => undefined);
      if (!name.ok) return name;
      return ok({ Ref: name.value, Name: name.value, Arn: eventBusArn(region, accountId, String(name.value)) });
    }
    if (type === S3_BUCKET) {
      const bucket = bucketNameOf(resolver, stackName, id, props);
      if (bucket === undefined) return fail(`the BucketName of ${id} cannot be resolved`);
      return ok({ Ref: bucket, Arn: `arn:aws:s3:::${bucket}` });
    }
    const name = this.#name(resolver, id, props.FunctionName, () => id);
    if (!name.ok) return name;
    return ok({ Ref: name.value, Arn: functionArn(region, accountId, String(name.value)) });
  }

  /** A name property, else `fallback()` (undefined: the property is required). */
  #name(resolver: IntrinsicResolver, id: string, raw: unknown, fallback: () => string | undefined): Resolution {
    if (raw === undefined || raw === null) {
      const name = fallback();
      return name === undefined ? fail(`${id} has no name`) : ok(name);
    }
    const r = resolver.resolve(raw);
    if (!r.ok) return r;
    return typeof r.value === 'string' && r.value !== '' ? r : fail(`the name of ${id} is not a string`);
  }
}
