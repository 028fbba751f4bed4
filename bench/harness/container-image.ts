/**
 * Container images for the benchmarks (issue 6): the engine found the way `lamina serve` finds it
 * (src/containers/engine.ts), the local base image (`lamina image base`) and a Node.js function
 * image built from containers/Dockerfile.nodejs around a handler folder. Shared by the harness's
 * cold scenario and the standalone bench/container-cold-start.ts.
 */
import { join } from 'node:path';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, functionArn } from '../../src/config/function-config.js';
import { buildBaseImage, LOCAL_BASE_IMAGE } from '../../src/containers/base-image.js';
import { detectEngine, imageExists, runEngine, type ContainerEngine } from '../../src/containers/engine.js';
import { buildFunctionImage, imageSize } from '../../src/containers/image-build.js';
import { ConfigError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

/** The Node.js-handler image recipe (`_HANDLER` from CMD, as AWS's base images do). */
export const NODEJS_DOCKERFILE = join(PROJECT_ROOT, 'containers', 'Dockerfile.nodejs');

/**
 * A Node.js function as the platform sees it: zip (nodejs20.x, Lamina's RIC) or, with `image`,
 * `PackageType: Image` (runtime and handler come from the image).
 *
 * @example
 * const zip = nodeFunctionConfig('cold', '/code', 1769);
 * const image = nodeFunctionConfig('cold', '/code', 1769, { uri: 'x:latest', dockerfile: NODEJS_DOCKERFILE, dockerContext: '/code' });
 */
export function nodeFunctionConfig(name: string, codeDir: string, memorySize: number, image?: FunctionConfig['image']): FunctionConfig {
  return {
    name,
    arn: functionArn(DEFAULT_REGION, DEFAULT_ACCOUNT_ID, name),
    region: DEFAULT_REGION,
    accountId: DEFAULT_ACCOUNT_ID,
    runtime: image === undefined ? 'nodejs20.x' : '',
    handler: image === undefined ? 'index.handler' : '',
    codeDir,
    launch: image === undefined ? { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath } : { kind: 'bootstrap', command: '', args: [] },
    ...(image === undefined ? {} : { image }),
    memorySize,
    timeout: 10,
    environment: {},
    reservedConcurrency: undefined,
    logFormat: 'Text',
    logLevel: undefined,
  };
}

/** `lamina serve`'s engine, or its ConfigError saying why none answers (anything else is a failure). */
function engineOrConfigError(): ContainerEngine | ConfigError {
  try {
    return detectEngine();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

/** The engine, or why no container can run here (the engine's own words). */
export type EngineProbe = { readonly engine: ContainerEngine; readonly reason?: undefined } | { readonly engine?: undefined; readonly reason: string };

/**
 * Find the engine as `lamina serve` does and check that it can run a container from the local
 * base image (built when missing): an engine that answers `info` but cannot run is a reason too.
 *
 * @example
 * const probe = await probeContainerEngine();
 * if (probe.reason !== undefined) console.warn(`skipped: ${probe.reason}`);
 */
export async function probeContainerEngine(): Promise<EngineProbe> {
  const found = engineOrConfigError();
  if (found instanceof ConfigError) return { reason: found.message };
  const engine = found;
  if (!(await imageExists(engine, LOCAL_BASE_IMAGE))) await buildBaseImage(engine);
  const run = await runEngine(engine, ['run', '--rm', '--pull', 'never', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--entrypoint', '/bin/sh', LOCAL_BASE_IMAGE, '-c', 'exit 0']);
  if (run.code !== 0) return { reason: `${engine.name} cannot run a container here: ${run.stderr.trim().split('\n')[0] ?? ''}` };
  return { engine };
}

/**
 * Build `tag` from containers/Dockerfile.nodejs on the local base image with `codeDir` as its
 * context (its index.js is the handler, CMD index.handler). Once per run: the engine's layer
 * cache makes a rebuild of the same code quick.
 *
 * @example
 * const { uri, bytes } = await buildNodejsImage(engine, 'lamina-bench-cold:latest', '/var/tmp/ws/handler');
 */
export async function buildNodejsImage(engine: ContainerEngine, tag: string, codeDir: string): Promise<{ uri: string; image: NonNullable<FunctionConfig['image']>; bytes: number | undefined }> {
  if (!(await imageExists(engine, LOCAL_BASE_IMAGE))) await buildBaseImage(engine);
  const image = { uri: tag, dockerfile: NODEJS_DOCKERFILE, dockerContext: codeDir };
  await buildFunctionImage(engine, nodeFunctionConfig('bench', codeDir, 1769, image), { baseImage: LOCAL_BASE_IMAGE });
  return { uri: tag, image, bytes: await imageSize(engine, tag) };
}
