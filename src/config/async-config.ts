/**
 * Asynchronous invocation settings of a template's functions (docs/async-template.md): SAM's
 * `EventInvokeConfig` and `DeadLetterQueue`, `AWS::Lambda::Function`'s `DeadLetterConfig`, and
 * `AWS::Lambda::EventInvokeConfig` resources, checked with Lambda's rules. Destinations are checked
 * once every function is known (./async-targets.ts), so the collector works in two steps.
 */
import { ASYNC_DEFAULTS, type AsyncInvokeConfig, type AsyncTarget, type FunctionAsyncSettings, type QueueDefinition } from '../async/async-types.js';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { integerProperty, resolveProperty, show, type IntegerRule, type TemplateReport } from './function-properties.js';
import { checkTarget, DESTINATION_TYPES, parseTargetArn, type TargetScope } from './async-targets.js';
import { conditionFalse, defaultQueue, type QueueContext } from './queue-resources.js';

const RETRY_RULE: IntegerRule = { min: 0, max: 2, unit: '' };
const AGE_RULE: IntegerRule = { min: 60, max: 21_600, unit: 'seconds' };
const QUALIFIER = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/;
const EVENTS = ['OnSuccess', 'OnFailure'] as const;

interface PendingFunction {
  readonly id: string;
  readonly name: string;
  readonly publishedAlias: string | undefined;
  readonly sam: boolean;
  readonly props: Readonly<Record<string, unknown>>;
}

/** What `finish` found: each function's settings (by function name) and the queues SAM creates. */
export interface AsyncTemplate {
  readonly settings: ReadonlyMap<string, FunctionAsyncSettings>;
  readonly queues: QueueDefinition[];
}

/**
 * @example
 * const collector = new AsyncConfigCollector(context);
 * collector.addFunction('Worker', 'Worker', undefined, true, props);
 * const { settings, queues } = collector.finish(resources, templateQueues);
 */
export class AsyncConfigCollector {
  readonly #functions: PendingFunction[] = [];
  readonly #configs = new Map<string, Map<string, { config: AsyncInvokeConfig; source: string }>>();

  constructor(private readonly context: QueueContext) {}

  /** A loaded function and its (Globals-merged) properties. */
  addFunction(id: string, name: string, publishedAlias: string | undefined, sam: boolean, props: Readonly<Record<string, unknown>>): void {
    this.#functions.push({ id, name, publishedAlias, sam, props });
  }

  /** Check everything against the template's functions and queues (those of `templateQueues` and SAM's own). */
  finish(resources: Readonly<Record<string, unknown>>, templateQueues: readonly QueueDefinition[]): AsyncTemplate {
    const samQueues = this.#samQueues();
    const scope: TargetScope = {
      region: this.context.region,
      accountId: this.context.accountId,
      functions: new Map(this.#functions.map((f) => [f.name, f.publishedAlias])),
      queues: [...templateQueues, ...samQueues],
    };
    const deadLetters = new Map<string, FunctionAsyncSettings['deadLetter']>();
    for (const fn of this.#functions) {
      const config = fn.sam ? this.#samConfig(scope, fn) : undefined;
      if (config !== undefined) this.#put(fn.id, fn.name, fn.publishedAlias ?? '$LATEST', config);
      const deadLetter = this.#deadLetter(scope, fn);
      if (deadLetter !== undefined) deadLetters.set(fn.name, deadLetter);
    }
    for (const [id, resource] of Object.entries(resources)) {
      if (isPlainObject(resource) && resource.Type === 'AWS::Lambda::EventInvokeConfig' && !conditionFalse(this.context.resolver, resource)) this.#resource(scope, id, resource.Properties);
    }
    const settings = new Map<string, FunctionAsyncSettings>();
    for (const fn of this.#functions) {
      const byQualifier = Object.fromEntries([...(this.#configs.get(fn.name) ?? [])].map(([q, c]) => [q, c.config]));
      const deadLetter = deadLetters.get(fn.name);
      if (Object.keys(byQualifier).length > 0 || deadLetter !== undefined) settings.set(fn.name, { byQualifier, ...(deadLetter === undefined ? {} : { deadLetter }) });
    }
    return { settings, queues: samQueues };
  }

  /** SAM creates a queue for each destination of Type SQS without a Destination. */
  #samQueues(): QueueDefinition[] {
    const queues: QueueDefinition[] = [];
    for (const fn of this.#functions.filter((f) => f.sam)) {
      for (const event of EVENTS) {
        const dest = this.#destinationSpec(fn.props.EventInvokeConfig, event);
        if (dest?.Type === 'SQS' && this.#absent(dest.Destination)) queues.push(defaultQueue(this.context, `${fn.id}EventInvokeConfig${event}Queue`));
      }
    }
    return queues;
  }

  /** `EventInvokeConfig.DestinationConfig.<event>` with intrinsics resolved, when it is a map. */
  #destinationSpec(raw: unknown, event: string): Record<string, unknown> | undefined {
    const top = this.context.resolver.resolve(raw);
    const destinations = top.ok && isPlainObject(top.value) ? top.value.DestinationConfig : undefined;
    const spec = isPlainObject(destinations) ? destinations[event] : undefined;
    return isPlainObject(spec) ? spec : undefined;
  }

  #absent(value: unknown): boolean {
    const r = this.context.resolver.resolve(value);
    return r.ok && (r.value === undefined || r.value === null);
  }

  /** SAM's `EventInvokeConfig`; undefined when absent or broken (problems recorded). */
  #samConfig(scope: TargetScope, fn: PendingFunction): AsyncInvokeConfig | undefined {
    const { report, resolver } = this.context;
    const top = resolveProperty(report, resolver, fn.id, 'EventInvokeConfig', fn.props.EventInvokeConfig, false);
    if (top === undefined || !top.present) return undefined;
    if (!isPlainObject(top.value)) return report.problem(fn.id, 'EventInvokeConfig', `${show(top.value)} must be a map`), undefined;
    return this.#config(scope, fn.id, 'EventInvokeConfig.', top.value, (event, spec) => {
      const prefix = `EventInvokeConfig.DestinationConfig.${event}`;
      const type = resolveProperty(report, resolver, fn.id, `${prefix}.Type`, spec.Type);
      if (type === undefined) return undefined;
      if (!type.present || typeof type.value !== 'string' || !Object.hasOwn(DESTINATION_TYPES, type.value)) {
        return report.problem(fn.id, `${prefix}.Type`, `${type.present ? show(type.value) : 'is missing:'} must be one of SQS, SNS, Lambda, EventBridge, S3Bucket`), undefined;
      }
      const destination = resolveProperty(report, resolver, fn.id, `${prefix}.Destination`, spec.Destination);
      if (destination === undefined) return undefined;
      if (destination.present) return checkTarget(report, scope, fn.id, `${prefix}.Destination`, destination.value, { kinds: ['function', 'sqs', 'sns', 'eventbridge'], type: type.value, refuseFifo: true });
      const queue = type.value === 'SQS' ? scope.queues.find((q) => q.logicalId === `${fn.id}EventInvokeConfig${event}Queue`) : undefined;
      if (queue !== undefined) return { kind: 'sqs', arn: queue.arn, queueName: queue.name, region: scope.region, accountId: scope.accountId };
      if (type.value === 'SNS') return report.problem(fn.id, `${prefix}.Destination`, 'Lamina does not emulate SNS topics; give Destination with an SNS topic ARN reachable at --sns-endpoint'), undefined;
      return report.problem(fn.id, `${prefix}.Destination`, `is required when Type is ${type.value}`), undefined;
    });
  }

  /** The settings common to SAM's property and the resource: retries, age and destinations. */
  #config(scope: TargetScope, id: string, prefix: string, props: Readonly<Record<string, unknown>>, destination: (event: string, spec: Record<string, unknown>) => AsyncTarget | undefined): AsyncInvokeConfig | undefined {
    const { report, resolver } = this.context;
    const before = report.problems.length;
    const number = (property: string, rule: IntegerRule, fallback: number): number | undefined => {
      const value = resolveProperty(report, resolver, id, `${prefix}${property}`, props[property]);
      return value?.present === true ? integerProperty(report, id, `${prefix}${property}`, value.value, rule) : fallback;
    };
    const maximumRetryAttempts = number('MaximumRetryAttempts', RETRY_RULE, ASYNC_DEFAULTS.maximumRetryAttempts);
    const maximumEventAgeSeconds = number('MaximumEventAgeInSeconds', AGE_RULE, ASYNC_DEFAULTS.maximumEventAgeSeconds);
    const targets: { onSuccess?: AsyncTarget; onFailure?: AsyncTarget } = {};
    const config = resolveProperty(report, resolver, id, `${prefix}DestinationConfig`, props.DestinationConfig, false);
    if (config?.present === true && !isPlainObject(config.value)) report.problem(id, `${prefix}DestinationConfig`, `${show(config.value)} must be a map with OnSuccess and OnFailure`);
    else if (config?.present === true && isPlainObject(config.value)) {
      for (const event of EVENTS) {
        const spec = resolveProperty(report, resolver, id, `${prefix}DestinationConfig.${event}`, config.value[event], false);
        if (spec === undefined || !spec.present) continue;
        if (!isPlainObject(spec.value)) {
          report.problem(id, `${prefix}DestinationConfig.${event}`, `${show(spec.value)} must be a map with Destination`);
          continue;
        }
        const target = destination(event, spec.value);
        if (target !== undefined) targets[event === 'OnSuccess' ? 'onSuccess' : 'onFailure'] = target;
      }
    }
    if (report.problems.length > before || maximumRetryAttempts === undefined || maximumEventAgeSeconds === undefined) return undefined;
    return { maximumRetryAttempts, maximumEventAgeSeconds, ...targets };
  }

  /** One `AWS::Lambda::EventInvokeConfig`. */
  #resource(scope: TargetScope, id: string, raw: unknown): void {
    const { report, resolver } = this.context;
    if (!isPlainObject(raw)) return report.resourceProblem(id, 'Properties must be a map with FunctionName and Qualifier');
    const fn = this.#functionOf(id, raw.FunctionName);
    const qualifier = resolveProperty(report, resolver, id, 'Qualifier', raw.Qualifier);
    if (qualifier !== undefined && (!qualifier.present || typeof qualifier.value !== 'string' || !QUALIFIER.test(qualifier.value))) {
      report.problem(id, 'Qualifier', `${qualifier.present ? show(qualifier.value) : 'is missing:'} must be $LATEST, a version number or an alias name`);
    }
    const config = this.#config(scope, id, '', raw, (event, spec) => {
      const destination = resolveProperty(report, resolver, id, `DestinationConfig.${event}.Destination`, spec.Destination);
      if (destination !== undefined && !destination.present) return report.problem(id, `DestinationConfig.${event}.Destination`, 'is required'), undefined;
      return destination === undefined ? undefined : checkTarget(report, scope, id, `DestinationConfig.${event}.Destination`, destination.value, { kinds: ['function', 'sqs', 'sns', 'eventbridge'], refuseFifo: true });
    });
    const name = qualifier?.present === true && typeof qualifier.value === 'string' ? qualifier.value : '';
    if (fn !== undefined && config !== undefined && QUALIFIER.test(name)) this.#put(id, fn.name, name, config);
  }

  /** `FunctionName`: `!Ref Fn`, `!GetAtt Fn.Arn`, a name or a function ARN, of a function of this template. */
  #functionOf(id: string, raw: unknown): PendingFunction | undefined {
    const { report, resolver } = this.context;
    const value = resolveProperty(report, resolver, id, 'FunctionName', raw);
    if (value === undefined) return undefined;
    if (!value.present) return report.problem(id, 'FunctionName', 'is required'), undefined;
    const text = typeof value.value === 'string' ? value.value : '';
    const parsed = parseTargetArn(text);
    const name = parsed !== undefined && parsed !== 's3' && parsed.kind === 'function' ? parsed.functionName : text;
    const fn = this.#functions.find((f) => f.name === name);
    if (fn === undefined) report.problem(id, 'FunctionName', `names unknown function ${show(value.value)} (it must be defined in this template)`);
    return fn;
  }

  #put(resource: string, functionName: string, qualifier: string, config: AsyncInvokeConfig): void {
    const byQualifier = this.#configs.get(functionName) ?? new Map<string, { config: AsyncInvokeConfig; source: string }>();
    const other = byQualifier.get(qualifier);
    if (other !== undefined) return this.context.report.resourceProblem(resource, `function ${functionName} qualifier ${qualifier} already has an event invoke configuration (${other.source}); Lambda allows one`);
    byQualifier.set(qualifier, { config, source: resource });
    this.#configs.set(functionName, byQualifier);
  }

  /** SAM's `DeadLetterQueue: {Type, TargetArn}` or `AWS::Lambda::Function`'s `DeadLetterConfig: {TargetArn}`. */
  #deadLetter(scope: TargetScope, fn: PendingFunction): FunctionAsyncSettings['deadLetter'] {
    const { report, resolver } = this.context;
    const property = fn.sam ? 'DeadLetterQueue' : 'DeadLetterConfig';
    const top = resolveProperty(report, resolver, fn.id, property, fn.props[property]);
    if (top === undefined || !top.present) return undefined;
    if (!isPlainObject(top.value)) return report.problem(fn.id, property, `${show(top.value)} must be a map with ${fn.sam ? 'Type and ' : ''}TargetArn`), undefined;
    const type = top.value.Type;
    if (fn.sam && type !== 'SQS' && type !== 'SNS') return report.problem(fn.id, `${property}.Type`, type === undefined ? 'is required (SQS or SNS)' : `${show(type)} must be SQS or SNS`), undefined;
    if (top.value.TargetArn === undefined) return fn.sam ? (report.problem(fn.id, `${property}.TargetArn`, 'is required'), undefined) : undefined;
    const target = checkTarget(report, scope, fn.id, `${property}.TargetArn`, top.value.TargetArn, { kinds: ['sqs', 'sns'], type: typeof type === 'string' ? type : undefined, refuseFifo: false });
    return target?.kind === 'sqs' || target?.kind === 'sns' ? target : undefined;
  }
}
