/**
 * One function resource of a template (`AWS::Serverless::Function`, `AWS::Lambda::Function`) as
 * a validated FunctionConfig: name, code and runtime, image, layers, memory, timeout, storage,
 * environment, logging, concurrency, VPC. Problems and warnings go to the template's report, each
 * naming the resource and the property (the loader is ./sam-template.ts).
 */
import { FUNCTION_LIMITS, functionArn, type FunctionConfig } from './function-config.js';
import { isPlainObject, NO_VALUE, type IntrinsicResolver } from './cfn-intrinsics.js';
import { IMAGE_LAUNCH, imageProperties, isImageFunction } from './image-properties.js';
import { codeDirectory, runtimeLaunch, type FunctionResourceType, type PackageContext } from './code-location.js';
import { functionLayers, LAYER_TYPES, type LayerResource, type LayerResourceType } from './layer-resources.js';
import {
  CONCURRENCY_RULE,
  environmentProperty,
  integerProperty,
  loggingProperty,
  MEMORY_RULE,
  EPHEMERAL_STORAGE_RULE,
  PROVISIONED_RULE,
  resolveProperty,
  show,
  TIMEOUT_RULE,
  type TemplateReport,
} from './function-properties.js';
import type { LoadTemplateOptions } from './sam-template.js';
import { deploymentPreferenceProperty } from './deployment-preference.js';
import { functionBuild, withSourceMaps } from './build-properties.js';

/** Lambda's rule for function names (the short form, not an ARN). */
const FUNCTION_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

export interface Loader {
  readonly report: TemplateReport;
  readonly resolver: IntrinsicResolver;
  readonly templateDir: string;
  readonly options: LoadTemplateOptions;
  /** `AWS::Serverless::LayerVersion` / `AWS::Lambda::LayerVersion` resources, by logical id. */
  readonly layers: ReadonlyMap<string, LayerResource>;
  /** Layer directories already resolved (each layer's problems are reported once). */
  readonly layerDirs: Map<string, string | undefined>;
  /** Zip, S3 and inline packages (./template-packages.ts) and the template's bucket names. */
  readonly packages?: PackageContext;
}

/** The template's layer resources by logical id (functions' `Layers` refer to them). */
export function layerResources(resources: Readonly<Record<string, unknown>>): Map<string, LayerResource> {
  const layers = new Map<string, LayerResource>();
  for (const [id, resource] of Object.entries(resources)) {
    if (!isPlainObject(resource) || typeof resource.Type !== 'string' || !LAYER_TYPES.has(resource.Type)) continue;
    layers.set(id, { type: resource.Type as LayerResourceType, props: isPlainObject(resource.Properties) ? resource.Properties : {} });
  }
  return layers;
}

/**
 * Validate one function resource; undefined (with its problems reported) when it cannot be served.
 *
 * @example
 * const fn = loadFunction(loader, 'HelloNode', 'AWS::Serverless::Function', merged, resource.Metadata);
 */
export function loadFunction(loader: Loader, id: string, type: FunctionResourceType, props: Readonly<Record<string, unknown>>, metadata?: unknown): FunctionConfig | undefined {
  const { report, resolver, options } = loader;
  const before = report.problems.length;

  const packageType = resolveProperty(report, resolver, id, 'PackageType', props.PackageType);
  if (packageType?.present === true && packageType.value !== 'Zip' && packageType.value !== 'Image') {
    report.problem(id, 'PackageType', `${show(packageType.value)} is not Zip or Image`);
  }
  // Container images (issue 6): the image is the code and the runtime; see ./image-properties.ts.
  const imageFunction = isImageFunction(props, packageType?.present === true ? packageType.value : undefined);
  const image = imageFunction ? imageProperties(report, resolver, id, props, metadata, loader.templateDir) : undefined;
  if (imageFunction && image === undefined) return undefined;

  const name = functionName(loader, id, props.FunctionName);
  const runtime = image !== undefined ? '' : stringProperty(loader, id, 'Runtime', props.Runtime, true);
  const handler = image !== undefined ? '' : (stringProperty(loader, id, 'Handler', props.Handler, false) ?? '');
  const location = image !== undefined ? { dir: image.dockerContext ?? loader.templateDir } : codeDirectory(report, resolver, id, type, props, loader.templateDir, loader.packages, runtime);
  const codeDir = location?.dir;
  const layers = image !== undefined ? [] : functionLayers(report, resolver, id, props.Layers, loader.layers, loader.layerDirs, loader.templateDir, loader.packages, options.publishedLayers);
  const launch = image !== undefined ? IMAGE_LAUNCH : runtime === undefined ? undefined : runtimeLaunch(report, id, type, runtime, handler, codeDir, layers, options.today);

  const memory = resolveProperty(report, resolver, id, 'MemorySize', props.MemorySize);
  const memorySize = memory?.present === true ? integerProperty(report, id, 'MemorySize', memory.value, MEMORY_RULE) : FUNCTION_LIMITS.defaultMemoryMb;
  const time = resolveProperty(report, resolver, id, 'Timeout', props.Timeout);
  const timeout = time?.present === true ? integerProperty(report, id, 'Timeout', time.value, TIMEOUT_RULE) : FUNCTION_LIMITS.defaultTimeoutS;
  const reserved = resolveProperty(report, resolver, id, 'ReservedConcurrentExecutions', props.ReservedConcurrentExecutions);
  const reservedConcurrency = reserved?.present === true ? integerProperty(report, id, 'ReservedConcurrentExecutions', reserved.value, CONCURRENCY_RULE) : undefined;
  const storage = resolveProperty(report, resolver, id, 'EphemeralStorage', props.EphemeralStorage);
  const storageSize = storage?.present === true && isPlainObject(storage.value) ? resolveProperty(report, resolver, id, 'EphemeralStorage.Size', storage.value.Size) : undefined;
  const ephemeralStorageMb = storageSize?.present === true ? integerProperty(report, id, 'EphemeralStorage.Size', storageSize.value, EPHEMERAL_STORAGE_RULE) : undefined;
  const publishedAlias = stringProperty(loader, id, 'AutoPublishAlias', props.AutoPublishAlias, false);
  const provisionedConfig = resolveProperty(report, resolver, id, 'ProvisionedConcurrencyConfig', props.ProvisionedConcurrencyConfig);
  const provisionedRaw = provisionedConfig?.present === true && isPlainObject(provisionedConfig.value)
    ? resolveProperty(report, resolver, id, 'ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions', provisionedConfig.value.ProvisionedConcurrentExecutions)
    : undefined;
  const provisionedConcurrency = provisionedRaw?.present === true
    ? integerProperty(report, id, 'ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions', provisionedRaw.value, PROVISIONED_RULE)
    : undefined;
  // SAM: provisioned concurrency is configured on the alias that AutoPublishAlias creates.
  if (provisionedConcurrency !== undefined && publishedAlias === undefined) {
    report.problem(id, 'ProvisionedConcurrencyConfig', 'needs AutoPublishAlias (provisioned concurrency applies to a published version through its alias)');
  }
  const alias = publishedAlias === '' ? undefined : publishedAlias;
  const deployment = type === 'AWS::Serverless::Function' ? deploymentPreferenceProperty(report, resolver, id, props.DeploymentPreference, alias) : undefined;
  const ownEnvironment = environmentProperty(report, resolver, id, props.Environment);
  // SAM's esbuild builds (docs/builds.md): the function is served from its build, not from CodeUri.
  const sourceDir = location?.code === undefined ? codeDir : undefined;
  const build = image !== undefined || runtime === undefined ? undefined : functionBuild(report, resolver, { id, runtime, handler, sourceDir, environment: ownEnvironment }, metadata);
  const environment = withSourceMaps(ownEnvironment, build);
  const vpc = vpcProperty(report, id, props.VpcConfig);
  const { logFormat, logLevel } = loggingProperty(report, resolver, id, props.LoggingConfig);
  const recursiveLoop = stringProperty(loader, id, 'RecursiveLoop', props.RecursiveLoop, false);
  if (recursiveLoop !== undefined && recursiveLoop !== 'Allow' && recursiveLoop !== 'Terminate') report.problem(id, 'RecursiveLoop', `${show(recursiveLoop)} is not Allow or Terminate`);

  if (report.problems.length > before || runtime === undefined || codeDir === undefined || launch === undefined) return undefined;
  if (memorySize === undefined || timeout === undefined) return undefined;
  return {
    name,
    arn: functionArn(options.region, options.accountId, name),
    region: options.region,
    accountId: options.accountId,
    runtime,
    handler,
    codeDir,
    ...(location?.code === undefined ? {} : { codePackage: { sha256: location.code.sha256, size: location.code.size } }),
    ...(layers.length > 0 ? { layers } : {}),
    launch,
    ...(image === undefined ? {} : { image }),
    memorySize,
    timeout,
    ...(ephemeralStorageMb === undefined ? {} : { ephemeralStorageMb }),
    ...(publishedAlias === undefined || publishedAlias === '' ? {} : { publishedAlias }),
    ...(provisionedConcurrency === undefined ? {} : { provisionedConcurrency }),
    ...(deployment === undefined ? {} : { deployment }),
    ...(vpc ? { vpc } : {}),
    environment,
    reservedConcurrency,
    logFormat,
    logLevel,
    ...(recursiveLoop === 'Allow' ? { recursiveLoop } : {}),
    ...(build === undefined ? {} : { build }),
    inheritedEnvironment: undefined,
  };
}

/**
 * `VpcConfig`: attached to a VPC when it names subnets (an empty list detaches, as on Lambda).
 * The ids themselves are not resolved: they name resources of an account we do not have.
 */
function vpcProperty(report: TemplateReport, id: string, raw: unknown): boolean {
  if (raw === undefined) return false;
  if (!isPlainObject(raw)) {
    report.problem(id, 'VpcConfig', `${show(raw)} must be an object with SubnetIds and SecurityGroupIds`);
    return false;
  }
  const subnets = raw.SubnetIds;
  const groups = raw.SecurityGroupIds;
  if (subnets !== undefined && !Array.isArray(subnets)) report.problem(id, 'VpcConfig.SubnetIds', `${show(subnets)} must be a list`);
  if (groups !== undefined && !Array.isArray(groups)) report.problem(id, 'VpcConfig.SecurityGroupIds', `${show(groups)} must be a list`);
  if (Array.isArray(subnets) && subnets.length > 16) report.problem(id, 'VpcConfig.SubnetIds', `${subnets.length} subnets: at most 16`);
  if (Array.isArray(groups) && groups.length > 5) report.problem(id, 'VpcConfig.SecurityGroupIds', `${groups.length} security groups: at most 5`);
  return Array.isArray(subnets) && subnets.length > 0;
}

/** A string property; a missing required one is a problem. */
function stringProperty(loader: Loader, id: string, property: string, raw: unknown, required: boolean): string | undefined {
  const value = resolveProperty(loader.report, loader.resolver, id, property, raw);
  if (value === undefined) return undefined;
  if (!value.present) {
    if (required) loader.report.problem(id, property, 'is required');
    return undefined;
  }
  if (typeof value.value !== 'string') {
    loader.report.problem(id, property, `${show(value.value)} is not a string`);
    return undefined;
  }
  return value.value;
}

/** `FunctionName`, else the logical id. An unresolvable name falls back to the logical id with a warning. */
function functionName(loader: Loader, id: string, raw: unknown): string {
  if (raw === undefined || raw === null) return id;
  const r = loader.resolver.resolve(raw);
  if (r.ok && r.value === NO_VALUE) return id;
  if (!r.ok) {
    loader.report.warn(id, 'FunctionName', `cannot resolve ${show(raw)} (${r.reason}); using the logical id ${id}`);
    return id;
  }
  if (typeof r.value !== 'string' || !FUNCTION_NAME_PATTERN.test(r.value)) {
    loader.report.problem(id, 'FunctionName', `${show(r.value)} must be 1-64 letters, digits, hyphens or underscores`);
    return id;
  }
  return r.value;
}
