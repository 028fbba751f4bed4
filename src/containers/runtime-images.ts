/**
 * One base image per runtime for zip functions under `--sandbox container` (docs/containers.md):
 * a `nodejs22.x` function runs in `lamina/base:nodejs22.x` (Node 22 at /var/lang/bin/node), a
 * `python3.12` one in `lamina/base:python3.12`, each what `lamina image base --runtime` builds.
 * `lamina serve` builds a missing or outdated one before serving: the image carries a digest of
 * what went into it (the interpreter, Lamina's clients, entrypoint and emulator, the assembling
 * code), so a newer Node in the runtime cache or a rebuilt Lamina makes a new image, and an
 * unchanged one costs one `image inspect` per runtime at start.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionConfig } from '../config/function-config.js';
import { PYTHON_RIC_DIR, RIC_BUNDLE, RIC_CODE_CACHE, RIC_LAUNCHER, RIC_LOADER } from '../platform/paths.js';
import { buildBaseImage, ENTRYPOINT_SCRIPT, LOCAL_BASE_IMAGE, type BaseRootfsSources } from './base-image.js';
import { RIE_BUNDLE } from './build-rie-bundle.js';
import { runEngine, type ContainerEngine } from './engine.js';

/** The image label holding {@link baseImageDigest}. */
export const DIGEST_LABEL = 'lamina.base.digest';

/**
 * @example runtimeBaseImage('python3.12') // 'lamina/base:python3.12'
 */
export function runtimeBaseImage(runtime: string): string {
  return `lamina/base:${runtime}`;
}

/**
 * The image a zip function runs in under `--sandbox container`, and what builds it: its
 * runtime's base for Lamina's clients, `lamina/base:local` (built by `lamina image base`) for a
 * `provided*` bootstrap.
 *
 * @example zipFunctionImage(fn) // { tag: 'lamina/base:nodejs22.x', sources: { node: '/root/.cache/.../bin/node', runtime: 'nodejs22.x' } }
 */
export function zipFunctionImage(fn: FunctionConfig): { tag: string; sources?: BaseRootfsSources } {
  const launch = fn.launch;
  if (launch.kind === 'node-ric' && launch.node !== '') return { tag: runtimeBaseImage(fn.runtime), sources: { node: launch.node, runtime: fn.runtime } };
  if (launch.kind === 'python-ric') return { tag: runtimeBaseImage(fn.runtime), sources: { python: launch.python, runtime: fn.runtime } };
  return { tag: LOCAL_BASE_IMAGE };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.py'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * What an image built from `sources` would hold, as a sha256: the interpreter (real path, size,
 * mtime), and the content of every Lamina file copied in, the code that lays them out included.
 *
 * @example baseImageDigest({ python: '/usr/bin/python3.11', runtime: 'python3.11' }) // '3f9c...'
 */
export function baseImageDigest(sources: BaseRootfsSources): string {
  const hash = createHash('sha256');
  const interpreter = realpathSync(sources.python ?? sources.node ?? process.execPath);
  const stat = statSync(interpreter);
  hash.update(`${sources.python === undefined ? 'node' : 'python'}\0${interpreter}\0${stat.size}\0${stat.mtimeMs}\0${sources.runtime ?? ''}\0`);
  const client = sources.python === undefined ? [RIC_LAUNCHER, RIC_BUNDLE, RIC_LOADER, RIC_CODE_CACHE] : filesUnder(PYTHON_RIC_DIR);
  // The modules that lay the image out (.js compiled, .ts under vitest).
  const extension = extname(fileURLToPath(import.meta.url));
  const layout = ['base-image', 'python-base'].map((module) => fileURLToPath(new URL(`./${module}${extension}`, import.meta.url)));
  for (const file of [...client, ENTRYPOINT_SCRIPT, RIE_BUNDLE, ...layout]) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

/** The digest label of a local image, '' when it has none, undefined when the image is missing. */
async function imageDigest(engine: ContainerEngine, tag: string): Promise<string | undefined> {
  const result = await runEngine(engine, ['image', 'inspect', '--format', `{{index .Config.Labels "${DIGEST_LABEL}"}}`, tag]);
  return result.code === 0 ? result.stdout.trim().replace(/^<no value>$/, '') : undefined;
}

/**
 * Build each runtime base image the zip functions need that is missing or outdated (one build per
 * runtime, one after the other: each is a tar and an import of 50-120 MB).
 *
 * @returns the tags built.
 * @example
 * await ensureRuntimeImages(engine, functions, (line) => process.stdout.write(line)); // ['lamina/base:python3.12']
 */
export async function ensureRuntimeImages(engine: ContainerEngine, functions: readonly FunctionConfig[], out: (text: string) => void): Promise<string[]> {
  const wanted = new Map<string, BaseRootfsSources>();
  for (const fn of functions) {
    const { tag, sources } = fn.image === undefined ? zipFunctionImage(fn) : { tag: '' };
    if (sources !== undefined) wanted.set(tag, sources);
  }
  const built: string[] = [];
  for (const [tag, sources] of wanted) {
    const digest = baseImageDigest(sources);
    const current = await imageDigest(engine, tag);
    if (current === digest) continue;
    const started = Date.now();
    const inside = sources.python ?? sources.node ?? '';
    out(`Containers: ${current === undefined ? 'building' : 'rebuilding (its runtime or Lamina changed)'} ${tag} with ${inside}\n`);
    await buildBaseImage(engine, tag, sources, { [DIGEST_LABEL]: digest });
    out(`Containers: ${tag} ready (${Date.now() - started} ms)\n`);
    built.push(tag);
  }
  return built;
}
