/**
 * The SAM / CloudFormation template loader: turns `AWS::Serverless::Function` and
 * `AWS::Lambda::Function` resources into validated FunctionConfigs.
 *
 * - YAML (CloudFormation short-form tags included) or JSON: ./cfn-yaml.ts
 * - intrinsic functions resolvable without a stack (parameters, pseudo parameters, Fn::Sub...):
 *   ./cfn-intrinsics.ts
 * - `Globals.Function` merged under each `AWS::Serverless::Function`: ./template-globals.ts
 * - one function resource as a FunctionConfig: ./function-resource.ts; its property rules (memory,
 *   timeout, environment, logging): ./function-properties.ts
 * - code directory and runtime launch: ./code-location.ts
 * - asynchronous invocation (EventInvokeConfig, dead-letter queues, SQS queues): ./async-config.ts,
 *   ./queue-resources.ts, and `Ref`/`Fn::GetAtt` of resources: ./resource-attributes.ts
 * - event sources (docs/event-sources-template.md): SQS mappings ./event-source-mappings.ts, Kinesis
 *   streams and mappings ./stream-resources.ts and ./stream-mappings.ts, schedules
 *   ./schedule-events.ts, EventBridge rules and buses ./eventbridge-rules.ts, S3 buckets and
 *   notifications ./s3-buckets.ts and ./s3-events.ts
 *
 * Every problem in the template is collected, then thrown as one ConfigError (one line each), so
 * the server never starts with a half-valid template. Warnings (ignored properties,
 * environment values that could not be resolved...) are returned for the caller to print.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { FunctionConfig } from './function-config.js';
import { IntrinsicResolver, isPlainObject, pseudoParameters, type IntrinsicContext } from './cfn-intrinsics.js';
import { readTemplateFile } from './cfn-yaml.js';
import { layerResources, loadFunction, type Loader } from './function-resource.js';
import type { PublishedLayers } from './layer-resources.js';
import { mergeGlobals, NON_GLOBAL_FUNCTION_PROPERTIES } from './template-globals.js';
import type { FunctionResourceType } from './code-location.js';
import { TemplateReport } from './function-properties.js';
import { resolveHooks } from './deployment-preference.js';
import { TemplatePackages } from './template-packages.js';

import { ApiCollector, type ApiDefinition } from './api-events.js';
import { FunctionUrlCollector, type FunctionUrlDefinition } from './function-urls.js';
import { albListeners, type AlbListener } from './alb-targets.js';
import { edgeDistributions, type EdgeDistribution, type EdgeFunctionFacts } from './edge-distributions.js';
import type { QueueDefinition } from '../async/async-types.js';
import { AsyncConfigCollector } from './async-config.js';
import { queueResources, type QueueContext } from './queue-resources.js';
import { streamResources } from './stream-resources.js';
import { StreamMappingCollector } from './stream-mappings.js';
import type { StreamDefinition, StreamMapping } from '../event-sources/streams/stream-types.js';
import { ResourceAttributes } from './resource-attributes.js';
import { EventSourceMappingCollector } from './event-source-mappings.js';
import type { SqsMapping } from '../event-sources/mapping-types.js';
import { scheduleEvents, schedulerResources } from './schedule-events.js';
import type { ScheduleDefinition } from '../event-sources/schedule/schedule-types.js';
import { EventRuleCollector } from './eventbridge-rules.js';
import type { EventBusDefinition, EventRuleDefinition } from '../event-sources/eventbridge/rule-types.js';
import { s3Buckets } from './s3-buckets.js';
import { S3EventCollector } from './s3-events.js';
import type { S3BucketDefinition, S3NotificationDefinition } from '../event-sources/s3/s3-notification-types.js';
export { SUPPORTED_RUNTIMES } from './code-location.js';

export interface LoadTemplateOptions {
  readonly region: string;
  readonly accountId: string;
  /** `AWS::StackName`; defaults to `local`, as `sam local` does. */
  readonly stackName?: string;
  /** Values for template parameters, overriding their `Default`. */
  readonly parameterOverrides?: Readonly<Record<string, string>>;
  /** The day Lambda's runtime deprecation dates are judged at (src/config/runtime-catalog.ts); default today. */
  readonly today?: Date;
  /** Base of the queue URLs that `Ref` of an `AWS::SQS::Queue` gives (./resource-attributes.ts); default SQS's own. */
  readonly sqsEndpoint?: string | undefined;
  /** A template without functions is fine (`lamina serve`: functions can be created through the management API). */
  readonly allowNoFunctions?: boolean;
  /**
   * Where zip `CodeUri`/`ContentUri`, template-bucket S3 code and inline `ZipFile` source are
   * extracted (./template-packages.ts); without it such code is a problem. `loadTemplatePackaged` sets it.
   */
  readonly packages?: TemplatePackages | undefined;
  /** Layer versions published through the management API, for functions whose `Layers` name their ARNs (docs/layers.md). */
  readonly publishedLayers?: PublishedLayers | undefined;
}

export interface LoadedTemplate {
  readonly functions: FunctionConfig[];
  /** The HTTP APIs its functions' `Api`/`HttpApi` events define (docs/http-front-ends.md). */
  readonly apis: ApiDefinition[];
  /** Its Lambda function URLs: `FunctionUrlConfig` and `AWS::Lambda::Url` (docs/http-front-ends.md). */
  readonly urls: FunctionUrlDefinition[];
  /** Its Application Load Balancer listeners with Lambda target groups (docs/http-front-ends.md). */
  readonly albs: AlbListener[];
  /** Its CloudFront distributions with Lambda@Edge associations (docs/http-front-ends.md). */
  readonly edges: EdgeDistribution[];
  /** Its SQS queues (`AWS::SQS::Queue` and those SAM creates for destinations), served by the embedded SQS (docs/async-template.md). */
  readonly queues: QueueDefinition[];
  /** Its SQS event source mappings (docs/event-sources-template.md), for the pollers of src/event-sources/. */
  readonly sqsMappings: SqsMapping[];
  /** Its functions' `Schedule` / `ScheduleV2` events (docs/event-sources-schedules.md). */
  readonly schedules: ScheduleDefinition[];
  /** EventBridge rules with Lambda targets and the template's buses (docs/event-sources-eventbridge.md). */
  readonly eventRules: EventRuleDefinition[];
  readonly eventBuses: EventBusDefinition[];
  /** Its `AWS::S3::Bucket`s and their notifications to functions (docs/event-sources-s3.md). */
  readonly s3Buckets: S3BucketDefinition[];
  readonly s3Notifications: S3NotificationDefinition[];
  /** Its Kinesis streams and their event source mappings (docs/event-sources-kinesis.md). */
  readonly streams: StreamDefinition[];
  readonly streamMappings: StreamMapping[];
  readonly warnings: string[];
}

const FUNCTION_TYPES: ReadonlySet<string> = new Set<FunctionResourceType>(['AWS::Serverless::Function', 'AWS::Lambda::Function']);

/**
 * Load the functions of a SAM or CloudFormation template.
 *
 * @throws ConfigError when the file is missing or unparsable, defines no function, or breaks any
 *   rule (all problems listed, one per line, each naming the resource and the property).
 * @example
 * const { functions, warnings } = loadTemplate('examples/template.yaml', { region: 'us-east-1', accountId: '000000000000' });
 * for (const w of warnings) console.warn(w);
 * console.log(functions.map((f) => f.name)); // ['HelloNode', 'HelloShell', 'Failing']
 */
export function loadTemplate(templatePath: string, options: LoadTemplateOptions): LoadedTemplate {
  const path = resolve(templatePath);
  const template = readTemplateFile(path);
  if (!isPlainObject(template)) throw new ConfigError(`Template ${path}: the top level must be a map (a CloudFormation template)`);
  const resources = template.Resources;
  if (!isPlainObject(resources)) throw new ConfigError(`Template ${path} has no Resources section`);

  const report = new TemplateReport();
  const resolver = new IntrinsicResolver(intrinsicContext(template, resources, options, report));
  const globals = functionGlobals(template.Globals, report);
  const functions: FunctionConfig[] = [];
  // The bucket names alone (their problems are reported once, below, by the same function).
  const bucketNames = new Set(s3Buckets(new TemplateReport(), resolver, resources, options.stackName ?? 'local').map((bucket) => bucket.name));
  const loader: Loader = { report, resolver, templateDir: dirname(path), options, layers: layerResources(resources), layerDirs: new Map(), packages: { packages: options.packages, buckets: bucketNames } };
  const idsByName = new Map<string, string>();
  const apis = new ApiCollector(report, resolver, resources);
  const urls = new FunctionUrlCollector(report, resolver);
  const queueContext: QueueContext = { report, resolver, region: options.region, accountId: options.accountId, stackName: options.stackName ?? 'local' };
  const asyncConfigs = new AsyncConfigCollector(queueContext);
  const mappings = new EventSourceMappingCollector(queueContext);
  const streamMappings = new StreamMappingCollector(queueContext);
  const schedules: ScheduleDefinition[] = [];
  const eventRuleCollector = new EventRuleCollector({ report, resolver, region: options.region, accountId: options.accountId });
  const s3Events = new S3EventCollector(queueContext);

  for (const [id, resource] of Object.entries(resources)) {
    if (!isPlainObject(resource)) {
      report.resourceProblem(id, 'must be a map with Type and Properties');
      continue;
    }
    const type = resource.Type;
    if (typeof type !== 'string' || !FUNCTION_TYPES.has(type)) continue;
    if (typeof resource.Condition === 'string') {
      const cond = resolver.condition(resource.Condition);
      if (cond.ok && cond.value === false) {
        report.warn(id, undefined, `skipped: condition ${resource.Condition} is false`);
        continue;
      }
      if (!cond.ok) report.warn(id, undefined, `condition ${resource.Condition} cannot be evaluated (${cond.reason}); loading the function anyway`);
    }
    const props = resource.Properties ?? {};
    if (!isPlainObject(props)) {
      report.resourceProblem(id, 'Properties must be a map');
      continue;
    }
    const fnType = type as FunctionResourceType;
    const merged = fnType === 'AWS::Serverless::Function' ? mergeGlobals(globals, props) : props;
    const fn = loadFunction(loader, id, fnType, merged, resource.Metadata);
    if (fn === undefined) continue;
    const other = idsByName.get(fn.name);
    if (other !== undefined) report.problem(id, 'FunctionName', `function name ${fn.name} is already used by resource ${other}`);
    idsByName.set(fn.name, id);
    functions.push(fn);
    asyncConfigs.addFunction(id, fn.name, fn.publishedAlias, fnType === 'AWS::Serverless::Function', merged);
    apis.addFunction(id, fn.name, merged.Events);
    if (fnType === 'AWS::Serverless::Function') mappings.addFunction(id, fn.name, fn.publishedAlias, merged.Events);
    if (fnType === 'AWS::Serverless::Function') eventRuleCollector.addFunction(id, fn.name, fn.publishedAlias, merged.Events);
    if (fnType === 'AWS::Serverless::Function') s3Events.addFunction(id, fn.name, fn.publishedAlias, merged.Events);
    if (fnType === 'AWS::Serverless::Function') streamMappings.addFunction(id, fn.name, fn.publishedAlias, merged.Events);
    if (fnType === 'AWS::Serverless::Function') schedules.push(...scheduleEvents(report, resolver, id, fn.name, fn.publishedAlias, merged.Events));
    urls.addFunction(id, { functionName: fn.name, publishedAlias: fn.publishedAlias }, fnType === 'AWS::Serverless::Function' ? merged.FunctionUrlConfig : undefined);
  }

  // Hooks name other functions of the template: resolved now that all of them are known.
  const namesById = new Map([...idsByName].map(([name, id]) => [id, name]));
  const deployed = functions.map((fn) => (fn.deployment === undefined ? fn : { ...fn, deployment: resolveHooks(report, idsByName.get(fn.name) ?? fn.name, fn.name, fn.deployment, namesById) }));
  functions.splice(0, functions.length, ...deployed);
  const apiDefinitions = apis.apis();
  urls.addUrlResources(resources);
  const albs = albListeners(resources, new Map([...idsByName].map(([name, id]) => [id, name])), { report, resolver, region: options.region, accountId: options.accountId });
  const facts = new Map<string, EdgeFunctionFacts>(functions.map((fn) => [idsByName.get(fn.name) ?? fn.name, { name: fn.name, memorySize: fn.memorySize, timeout: fn.timeout, publishedAlias: fn.publishedAlias }]));
  const edges = edgeDistributions(report, resolver, resources, facts);
  const templateQueues = queueResources(resources, queueContext);
  const { settings, queues: samQueues } = asyncConfigs.finish(resources, templateQueues);
  const sqsMappings = mappings.finish(resources, [...templateQueues, ...samQueues], new Set(idsByName.keys()));
  const aliases = new Map(functions.map((fn) => [fn.name, fn.publishedAlias || undefined]));
  const { rules: eventRules, buses: eventBuses } = eventRuleCollector.finish(resources, aliases);
  schedules.push(...schedulerResources(report, resolver, resources, { region: options.region, accountId: options.accountId, functions: aliases }));
  const buckets = s3Buckets(report, resolver, resources, queueContext.stackName);
  const s3Notifications = s3Events.finish(resources, buckets, new Set(idsByName.keys()));
  const streams = streamResources(resources, queueContext);
  const targetScope = { region: options.region, accountId: options.accountId, functions: new Map(functions.map((fn) => [fn.name, fn.publishedAlias])), queues: [...templateQueues, ...samQueues] };
  const kinesisMappings = streamMappings.finish(resources, new Set(idsByName.keys()), targetScope);
  if (report.problems.length > 0) {
    const count = report.problems.length === 1 ? '1 problem' : `${report.problems.length} problems`;
    throw new ConfigError(`Template ${path} has ${count}:\n${report.problems.join('\n')}`);
  }
  if (functions.length === 0 && options.allowNoFunctions !== true) {
    const why = report.warnings.length > 0 ? `\n${report.warnings.join('\n')}` : '';
    throw new ConfigError(`Template ${path} defines no function Lamina can run (AWS::Serverless::Function or AWS::Lambda::Function)${why}`);
  }
  const withAsync = functions.map((fn) => (settings.has(fn.name) ? { ...fn, async: settings.get(fn.name) } : fn));
  return { functions: withAsync, apis: apiDefinitions, urls: urls.urls(), albs, edges, queues: [...templateQueues, ...samQueues], sqsMappings, schedules, eventRules, eventBuses, s3Buckets: buckets, s3Notifications, streams, streamMappings: kinesisMappings, warnings: report.warnings };
}

/**
 * `loadTemplate` with the template's packages extracted under `packageRoot` (zip `CodeUri` and
 * `ContentUri`, inline `ZipFile`, `Code.S3Bucket`/`S3Key` of a template bucket read from the
 * embedded S3's files under `s3Root`). A template with zips not yet extracted is loaded twice:
 * once to find them, once with them in place (./template-packages.ts says why).
 *
 * @throws ConfigError as loadTemplate does; a refused zip is one of the problems listed.
 * @example
 * const loaded = await loadTemplatePackaged('template.yaml', opts, join(stateDir, 'template-packages'), join(stateDir, 's3'));
 */
export async function loadTemplatePackaged(templatePath: string, options: LoadTemplateOptions, packageRoot: string, s3Root?: string): Promise<LoadedTemplate> {
  const packages = new TemplatePackages(packageRoot, s3Root);
  const withPackages = { ...options, packages };
  try {
    return loadTemplate(templatePath, withPackages);
  } catch (error) {
    if (!packages.pending) throw error;
  }
  await packages.prepare();
  return loadTemplate(templatePath, withPackages);
}

function intrinsicContext(
  template: Readonly<Record<string, unknown>>,
  resources: Readonly<Record<string, unknown>>,
  options: LoadTemplateOptions,
  report: TemplateReport,
): IntrinsicContext {
  const parameters = new Map<string, unknown>();
  const declared = isPlainObject(template.Parameters) ? template.Parameters : {};
  const overrides = options.parameterOverrides ?? {};
  for (const [name, spec] of Object.entries(declared)) {
    const def = isPlainObject(spec) ? spec : {};
    let value: unknown = Object.hasOwn(overrides, name) ? overrides[name] : def.Default;
    const type = typeof def.Type === 'string' ? def.Type : 'String';
    if (typeof value === 'string' && (type === 'CommaDelimitedList' || type.startsWith('List<'))) value = value.split(',');
    parameters.set(name, value ?? undefined);
  }
  for (const name of Object.keys(overrides)) {
    if (!parameters.has(name)) report.warnings.push(`Parameter override ${name}: the template declares no such parameter; ignored`);
  }
  return {
    parameters,
    pseudo: pseudoParameters(options.region, options.accountId, options.stackName ?? 'local'),
    mappings: isPlainObject(template.Mappings) ? template.Mappings : {},
    conditions: isPlainObject(template.Conditions) ? template.Conditions : {},
    resourceIds: new Set(Object.keys(resources)),
    resourceAttribute: new ResourceAttributes(resources, { region: options.region, accountId: options.accountId, stackName: options.stackName ?? 'local', sqsEndpoint: options.sqsEndpoint }).hook,
  };
}

function functionGlobals(raw: unknown, report: TemplateReport): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  const fn = isPlainObject(raw) ? raw.Function : undefined;
  if (!isPlainObject(raw) || (fn !== undefined && fn !== null && !isPlainObject(fn))) {
    report.problems.push('Globals: Globals.Function must be a map of function properties');
    return {};
  }
  const out: Record<string, unknown> = { ...(isPlainObject(fn) ? fn : {}) };
  for (const key of NON_GLOBAL_FUNCTION_PROPERTIES) {
    if (key in out) {
      report.warnings.push(`Globals: property Function.${key} cannot be global (SAM refuses it); ignored`);
      delete out[key];
    }
  }
  return out;
}
