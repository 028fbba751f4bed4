/**
 * `lamina image build`: build a `PackageType: Image` function's image from its template metadata
 * (`Metadata.Dockerfile`, `DockerContext`, `DockerTag`, `DockerBuildArgs`) with the engine found,
 * tagged as `sam build` tags it. Offline, the Dockerfile's `ARG BASE_IMAGE` (and `NODE_IMAGE`) are
 * pointed at the local base image; a Dockerfile that copies `--from=lamina-ric` gets Lamina's RIC
 * (dist/ric) as that named build context.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { ConfigError } from '../errors.js';
import { RIC_BUNDLE } from '../platform/paths.js';
import { runEngine, type ContainerEngine } from './engine.js';

/** The named build context that carries Lamina's runtime interface client. */
export const RIC_BUILD_CONTEXT = 'lamina-ric';

export interface ImageBuildOptions {
  /** Image for the Dockerfile's `ARG BASE_IMAGE` / `ARG NODE_IMAGE` (offline: lamina/base:local). */
  readonly baseImage?: string | undefined;
  /** Where the engine's build output goes. */
  readonly output?: (text: string) => void;
}

/**
 * The engine arguments that build a function's image.
 * @example imageBuildArgs(fn, 'ARG BASE_IMAGE\n...', { baseImage: 'lamina/base:local' }) // ['build', '--tag', 'hello:latest', ...]
 */
export function imageBuildArgs(fn: FunctionConfig, dockerfileText: string, options: ImageBuildOptions): string[] {
  const image = fn.image;
  if (image?.dockerfile === undefined || image.dockerContext === undefined) {
    throw new ConfigError(`Function ${fn.name} has no Metadata.Dockerfile to build its image from`);
  }
  const args = ['build', '--tag', image.uri, '--file', image.dockerfile];
  const declares = (name: string): boolean => new RegExp(`^\\s*ARG\\s+${name}\\b`, 'm').test(dockerfileText);
  const buildArgs: Record<string, string> = {};
  if (options.baseImage !== undefined) {
    for (const name of ['BASE_IMAGE', 'NODE_IMAGE']) if (declares(name)) buildArgs[name] = options.baseImage;
  }
  Object.assign(buildArgs, image.buildArgs);
  for (const [name, value] of Object.entries(buildArgs)) args.push('--build-arg', `${name}=${value}`);
  if (new RegExp(`--from=${RIC_BUILD_CONTEXT}\\b`).test(dockerfileText)) args.push('--build-context', `${RIC_BUILD_CONTEXT}=${dirname(RIC_BUNDLE)}`);
  args.push(image.dockerContext);
  return args;
}

/**
 * Build the image; resolves to its tag.
 *
 * @throws Error with the engine's output when the build fails.
 * @example
 * await buildFunctionImage(engine, fn, { baseImage: 'lamina/base:local' }); // 'hello:latest'
 */
export async function buildFunctionImage(engine: ContainerEngine, fn: FunctionConfig, options: ImageBuildOptions = {}): Promise<string> {
  const dockerfile = fn.image?.dockerfile;
  const text = dockerfile === undefined ? '' : readFileSync(dockerfile, 'utf8');
  const args = imageBuildArgs(fn, text, options);
  const result = await runEngine(engine, args);
  options.output?.(result.stdout + result.stderr);
  if (result.code !== 0) {
    throw new Error(`${engine.name} build of ${fn.name} failed (exit ${result.code ?? 'none'}):\n${(result.stderr || result.stdout).trim()}`);
  }
  return fn.image?.uri ?? '';
}

/** Size of a local image in bytes (the engine's own figure). */
export async function imageSize(engine: ContainerEngine, image: string): Promise<number | undefined> {
  const result = await runEngine(engine, ['image', 'inspect', '--format', '{{.Size}}', image]);
  const bytes = Number(result.stdout.trim());
  return result.code === 0 && Number.isFinite(bytes) ? bytes : undefined;
}
