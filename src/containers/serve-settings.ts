/**
 * `lamina serve`'s container side (issue 6): whether any environment runs in a container
 * (`PackageType: Image` functions, or `--sandbox container`), and then the engine, found once at
 * start, with every image checked to be there (a missing one is a start-up error, not a failed
 * invoke) and the runtimes' base images of zip functions built when missing or outdated.
 */
import type { FunctionConfig } from '../config/function-config.js';
import { ConfigError } from '../errors.js';
import type { ContainerSettings } from './container-sandbox-factory.js';
import { detectEngine, imageExists, type EngineName } from './engine.js';
import { directRuncAvailable } from './runc-direct.js';
import { ensureRuntimeImages, zipFunctionImage } from './runtime-images.js';

/**
 * @example
 * const containers = await containerSettings('process', undefined, functions); // undefined: no images
 */
export async function containerSettings(
  sandbox: string,
  engineName: string | undefined,
  functions: readonly FunctionConfig[],
  out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<(ContainerSettings & { all: boolean }) | undefined> {
  if (sandbox !== 'process' && sandbox !== 'container') throw new ConfigError(`--sandbox must be process or container, got '${sandbox}'`);
  if (engineName !== undefined && engineName !== 'podman' && engineName !== 'docker') throw new ConfigError(`--engine must be podman or docker, got '${engineName}'`);
  const all = sandbox === 'container';
  const images = functions.filter((fn) => fn.image !== undefined);
  if (!all && images.length === 0) return undefined;
  let engine;
  try {
    engine = detectEngine({ prefer: engineName as EngineName | undefined });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const who = all ? '--sandbox container' : `${images.map((fn) => fn.name).join(', ')} (PackageType: Image)`;
    throw new ConfigError(`${who} needs a container engine: ${error.message}`);
  }
  const needed = new Map<string, string>();
  for (const fn of functions) {
    if (fn.image !== undefined) needed.set(fn.image.uri, `function ${fn.name}: run 'lamina image build' first`);
    else if (all && zipFunctionImage(fn).sources === undefined) needed.set(zipFunctionImage(fn).tag, `--sandbox container: run 'lamina image base' first`);
  }
  // The runtimes' own base images are built here when missing or outdated (./runtime-images.ts).
  if (all) await ensureRuntimeImages(engine, functions, out);
  const missing: string[] = [];
  for (const [image, hint] of needed) if (!(await imageExists(engine, image))) missing.push(`image ${image} is not in ${engine.name} (${hint})`);
  if (missing.length > 0) throw new ConfigError(missing.join('\n'));
  const direct = directRuncAvailable(engine);
  const how = direct ? 'started with runc directly on podman\'s image storage' : `started with ${engine.name} run`;
  out(`Containers: ${engine.summary}, ${how}; ${all ? 'every function runs in a container' : `${images.length} image function(s) run in containers`}\n`);
  return { engine, all, direct };
}
