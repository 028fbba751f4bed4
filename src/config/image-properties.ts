/**
 * `PackageType: Image` functions: the image they run (`ImageUri`, or the tag `sam build` gives
 * an image it builds from `Metadata.Dockerfile`), `ImageConfig` overrides, and what
 * `lamina image build` needs (Dockerfile, context, tag, build args).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FunctionImage, RuntimeLaunch } from './function-config.js';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { resolveProperty, show, type TemplateReport } from './function-properties.js';

/**
 * Image functions have no runtime to launch: the container's ENTRYPOINT starts the runtime. A
 * `bootstrap`-kind launch because, as for custom runtimes, their init is billed (docs/log-format.md).
 */
export const IMAGE_LAUNCH: RuntimeLaunch = { kind: 'bootstrap', command: '', args: [] };

/** Is this resource a container-image function (PackageType Image, or an ImageUri anywhere)? */
export function isImageFunction(props: Readonly<Record<string, unknown>>, packageType: unknown): boolean {
  return packageType === 'Image' || props.ImageUri !== undefined || (isPlainObject(props.Code) && props.Code.ImageUri !== undefined);
}

interface ImageContext {
  readonly report: TemplateReport;
  readonly resolver: IntrinsicResolver;
  readonly id: string;
  readonly templateDir: string;
}

function stringList(ctx: ImageContext, property: string, raw: unknown): string[] | undefined {
  const value = resolveProperty(ctx.report, ctx.resolver, ctx.id, property, raw);
  if (value === undefined || !value.present) return undefined;
  if (!Array.isArray(value.value) || !value.value.every((item): item is string => typeof item === 'string')) {
    ctx.report.problem(ctx.id, property, `${show(value.value)} is not a list of strings`);
    return undefined;
  }
  return value.value;
}

function optionalString(ctx: ImageContext, property: string, raw: unknown): string | undefined {
  const value = resolveProperty(ctx.report, ctx.resolver, ctx.id, property, raw);
  if (value === undefined || !value.present) return undefined;
  if (typeof value.value !== 'string' || value.value === '') {
    ctx.report.problem(ctx.id, property, `${show(value.value)} is not a non-empty string`);
    return undefined;
  }
  return value.value;
}

/** `Metadata`: Dockerfile (relative to DockerContext), DockerContext (relative to the template), DockerTag, DockerBuildArgs. */
function buildMetadata(ctx: ImageContext, metadata: unknown): Pick<FunctionImage, 'dockerfile' | 'dockerContext' | 'buildArgs'> & { tag?: string } {
  if (!isPlainObject(metadata) || metadata.Dockerfile === undefined) return {};
  const dockerfileName = optionalString(ctx, 'Metadata.Dockerfile', metadata.Dockerfile);
  const contextDir = resolve(ctx.templateDir, optionalString(ctx, 'Metadata.DockerContext', metadata.DockerContext) ?? '.');
  if (statSync(contextDir, { throwIfNoEntry: false })?.isDirectory() !== true) {
    ctx.report.problem(ctx.id, 'Metadata.DockerContext', `directory ${contextDir} does not exist`);
    return {};
  }
  const dockerfile = dockerfileName === undefined ? undefined : resolve(contextDir, dockerfileName);
  if (dockerfile !== undefined && statSync(dockerfile, { throwIfNoEntry: false })?.isFile() !== true) {
    ctx.report.problem(ctx.id, 'Metadata.Dockerfile', `${dockerfile} does not exist`);
    return {};
  }
  const buildArgs: Record<string, string> = {};
  if (isPlainObject(metadata.DockerBuildArgs)) {
    for (const [name, value] of Object.entries(metadata.DockerBuildArgs)) {
      if (typeof value === 'string' || typeof value === 'number') buildArgs[name] = String(value);
      else ctx.report.problem(ctx.id, `Metadata.DockerBuildArgs.${name}`, `${show(value)} is not a string`);
    }
  }
  const tag = optionalString(ctx, 'Metadata.DockerTag', metadata.DockerTag);
  return { dockerfile, dockerContext: contextDir, buildArgs, ...(tag === undefined ? {} : { tag }) };
}

/**
 * The image of an image function, or undefined (with a problem recorded) when it has none.
 *
 * @example
 * const image = imageProperties(report, resolver, 'Hello', props, resource.Metadata, '/proj');
 * // { uri: 'hello:latest', dockerfile: '/proj/hello/Dockerfile', dockerContext: '/proj/hello', ... }
 */
export function imageProperties(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  id: string,
  props: Readonly<Record<string, unknown>>,
  metadata: unknown,
  templateDir: string,
): FunctionImage | undefined {
  const ctx: ImageContext = { report, resolver, id, templateDir };
  for (const property of ['Runtime', 'Handler', 'Layers']) {
    if (props[property] !== undefined) report.warn(id, property, 'ignored: a container image function takes it from its image');
  }
  const build = buildMetadata(ctx, metadata);
  const imageUriRaw = props.ImageUri ?? (isPlainObject(props.Code) ? props.Code.ImageUri : undefined);
  const imageUri = optionalString(ctx, props.ImageUri === undefined ? 'Code.ImageUri' : 'ImageUri', imageUriRaw);
  // `sam build` tags what it builds <logical id, lowercased>:<DockerTag or latest>, whatever ImageUri says.
  const uri = build.dockerfile !== undefined ? `${id.toLowerCase()}:${build.tag ?? 'latest'}` : imageUri;
  if (uri === undefined) {
    report.problem(id, 'ImageUri', 'is required for PackageType Image (or Metadata.Dockerfile, so that `lamina image build` can build it)');
    return undefined;
  }
  const config = resolveProperty(report, resolver, id, 'ImageConfig', props.ImageConfig);
  const imageConfig = config?.present === true && isPlainObject(config.value) ? config.value : {};
  if (config?.present === true && !isPlainObject(config.value)) report.problem(id, 'ImageConfig', `${show(config.value)} is not a map`);
  return {
    uri,
    dockerfile: build.dockerfile,
    dockerContext: build.dockerContext,
    buildArgs: build.buildArgs,
    entryPoint: stringList(ctx, 'ImageConfig.EntryPoint', imageConfig.EntryPoint),
    command: stringList(ctx, 'ImageConfig.Command', imageConfig.Command),
    workingDirectory: optionalString(ctx, 'ImageConfig.WorkingDirectory', imageConfig.WorkingDirectory),
  };
}
