/**
 * A `FunctionConfig` from management API input, made as the template loader makes one for the same
 * runtime (src/config/code-location.ts `runtimeLaunch`, src/runtimes/function-nodes.ts for the Node
 * major), so a function deployed through the API runs exactly as the same function in a template.
 */
import { join } from 'node:path';
import { ServiceError } from '../../errors.js';
import { functionArn, type FunctionConfig, type ManagementAttributes, type RuntimeLaunch } from '../../config/function-config.js';
import { runtimeLaunch } from '../../config/code-location.js';
import { TemplateReport } from '../../config/function-properties.js';
import { IMAGE_LAUNCH } from '../../config/image-properties.js';
import { RETIRED_RUNTIMES, RUNTIME_CATALOG, classifyRuntime } from '../../config/runtime-catalog.js';
import { resolveFunctionNodes } from '../../runtimes/function-nodes.js';
import { MAX_FUNCTION_LAYERS } from '../layer-store.js';
import type { ControlContext } from './control-context.js';

/** The layers a function names: their directories for the platform, their ARNs and sizes for the answers. */
export interface ResolvedLayers {
  readonly dirs: readonly string[];
  readonly described: ManagementAttributes['layers'];
  readonly unzippedBytes: number;
}

export const NO_LAYERS: ResolvedLayers = { dirs: [], described: [], unzippedBytes: 0 };

/** A layer the function already has: its directory and unzipped size, as resolved when it was added. */
export interface KeptLayer {
  readonly dir: string;
  readonly codeSize: number;
}

/**
 * The layers a function has now, by ARN: what an update keeps without looking them up again, so
 * that a function keeps using a layer version deleted since (as on Lambda). Empty for a function
 * without the management API's record of its layers (a template function).
 *
 * @example keptLayers(latest.config).get('arn:aws:lambda:us-east-1:123456789012:layer:deps:1')
 */
export function keptLayers(config: FunctionConfig): ReadonlyMap<string, KeptLayer> {
  const described = config.management?.layers ?? [];
  const dirs = config.layers ?? [];
  const kept = new Map<string, KeptLayer>();
  if (described.length !== dirs.length) return kept;
  described.forEach((layer, at) => kept.set(layer.arn, { dir: dirs[at] ?? '', codeSize: layer.codeSize }));
  return kept;
}

/**
 * `Layers` through the layers area's resolver, except the ARNs in `kept` (the function's current
 * layers), which are taken as they are; without a resolver a new layer is refused.
 *
 * @example resolveLayers(context, []) // NO_LAYERS
 */
export function resolveLayers(context: ControlContext, arns: readonly string[], kept: ReadonlyMap<string, KeptLayer> = new Map()): ResolvedLayers {
  if (arns.length === 0) return NO_LAYERS;
  const resolver = context.layers;
  if (resolver === undefined && arns.some((arn) => !kept.has(arn))) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Layers are not available in this Lamina: it was started without the layers API, so a function cannot name layers.');
  if (arns.length > MAX_FUNCTION_LAYERS) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Cannot reference more than ${MAX_FUNCTION_LAYERS} layers.`);
  const dirs: string[] = [];
  const described: Array<{ arn: string; codeSize: number }> = [];
  let unzippedBytes = 0;
  for (const arn of arns) {
    let layer = kept.get(arn);
    if (layer === undefined && resolver !== undefined) {
      const one = resolver.resolve([arn]);
      if (!one.ok) throw new ServiceError(one.code, one.message);
      layer = { dir: one.dirs[0] ?? '', codeSize: one.unzippedBytes };
    }
    if (layer === undefined) continue;
    dirs.push(layer.dir);
    // Each layer's own size for the answers' `Layers[].CodeSize`.
    described.push({ arn, codeSize: layer.codeSize });
    unzippedBytes += layer.codeSize;
  }
  return { dirs, described, unzippedBytes };
}

/** The problem text of a report, without the template's `Resource X: property Y:` prefix. */
function firstProblem(report: TemplateReport): string | undefined {
  const problem = report.problems[0];
  return problem?.replace(/^Resource [^:]+: (property [^:]+: )?/, '');
}

/**
 * How `runtime` starts for code in `codeDir`: the template loader's launch, except that a
 * `provided*` package without a `bootstrap` is accepted (Lambda accepts it; the invoke fails at
 * init), and a `nodejsNN.x` gets its Node major, installed now when missing.
 *
 * @example await launchFor(context, 'nodejs22.x', 'index.handler', '/state/code/x', [])
 */
export async function launchFor(context: ControlContext, runtime: string, handler: string, codeDir: string, layerDirs: readonly string[]): Promise<RuntimeLaunch> {
  if (Object.hasOwn(RETIRED_RUNTIMES, runtime)) {
    const to = RUNTIME_CATALOG.find((entry) => entry.runner === (runtime.startsWith('nodejs') ? 'node' : 'python') && entry.preview === undefined)?.name;
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (${to ?? 'provided.al2023'}) while creating or updating functions.`);
  }
  const verdict = classifyRuntime(runtime, context.now());
  if (!verdict.ok) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', verdict.problem);
  if (verdict.entry.runner === 'bootstrap') {
    const report = new TemplateReport();
    return runtimeLaunch(report, 'function', 'AWS::Lambda::Function', runtime, handler, codeDir, layerDirs, context.now()) ?? { kind: 'bootstrap', command: join(codeDir, 'bootstrap'), args: [] };
  }
  if (handler === '') throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  const report = new TemplateReport();
  const launch = runtimeLaunch(report, 'function', 'AWS::Lambda::Function', runtime, handler, codeDir, layerDirs, context.now());
  if (launch === undefined) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', firstProblem(report) ?? `${runtime} cannot run here`);
  return launch;
}

/**
 * Give a `nodejsNN.x` function its Node major's interpreter (installed when missing), as
 * `lamina serve` does for template functions before it serves.
 */
export async function withNode(context: ControlContext, config: FunctionConfig): Promise<FunctionConfig> {
  if (config.launch.kind !== 'node-ric') return config;
  try {
    const settled = await resolveFunctionNodes([config], context.nodeOptions ?? {});
    return settled.functions[0] ?? config;
  } catch (error) {
    throw new ServiceError('LAMINA_ERR_SERVICE', `The ${config.runtime} runtime could not be installed: ${(error as Error).message}`);
  }
}

/** What a new function is made of, checked. */
export interface NewFunction {
  readonly name: string;
  readonly runtime: string;
  readonly handler: string;
  readonly codeDir: string;
  readonly imageUri: string | undefined;
  readonly layers: ResolvedLayers;
  readonly memorySize: number;
  readonly timeout: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly ephemeralStorageMb: number | undefined;
  readonly logFormat: 'Text' | 'JSON';
  readonly logLevel: string | undefined;
  readonly management: ManagementAttributes;
}

/**
 * @example const config = await buildFunctionConfig(context, { name: 'f', runtime: 'provided.al2023', ... });
 */
export async function buildFunctionConfig(context: ControlContext, fn: NewFunction): Promise<FunctionConfig> {
  const launch = fn.imageUri !== undefined ? IMAGE_LAUNCH : await launchFor(context, fn.runtime, fn.handler, fn.codeDir, fn.layers.dirs);
  const config: FunctionConfig = {
    name: fn.name,
    arn: functionArn(context.region, context.accountId, fn.name),
    region: context.region,
    accountId: context.accountId,
    runtime: fn.imageUri !== undefined ? '' : fn.runtime,
    handler: fn.imageUri !== undefined ? '' : fn.handler,
    codeDir: fn.codeDir,
    ...(fn.layers.dirs.length > 0 ? { layers: fn.layers.dirs } : {}),
    launch,
    ...(fn.imageUri === undefined ? {} : { image: { uri: fn.imageUri } }),
    memorySize: fn.memorySize,
    timeout: fn.timeout,
    environment: fn.environment,
    ...(fn.ephemeralStorageMb === undefined ? {} : { ephemeralStorageMb: fn.ephemeralStorageMb }),
    reservedConcurrency: undefined,
    logFormat: fn.logFormat,
    logLevel: fn.logLevel,
    inheritedEnvironment: undefined,
    management: fn.management,
  };
  return withNode(context, config);
}
