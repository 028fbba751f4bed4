/**
 * Builds the shippable form of Lamina's runtime interface client into `dist/ric/`:
 *
 * - `lamina-ric.cjs`: the whole client in ONE CommonJS file (esbuild, platform node, target
 *   node20). One file means one read and one compile instead of a dozen ESM module records
 *   (resolution, linking, facades), which is most of what separates a Node RIC from a bare
 *   `node` start.
 * - `bootstrap`: a POSIX sh launcher (mode 0755) for `provided*` runtimes and for a Lambda
 *   layer (`/opt/bootstrap`). It finds node (shipped next to it, in a layer at
 *   `/opt/nodejs/bin/node`, or on PATH) and the bundle next to itself.
 *
 *   npm run build:ric            # or: node dist/runtime-interface/package/build.js [--out DIR]
 *
 * `npm run build` runs it after tsc, so `dist/ric/` always matches the sources. It also records a
 * V8 code cache with every node installed under the runtimes cache root (src/runtimes/runtime-cache.ts).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execWrapperLines } from '../../src/platform/exec-wrapper-script.js';
import { listInstalled } from '../../src/runtimes/runtime-cache.js';
import { CODE_CACHE_FILES, codeCacheFileFor, loaderSource, recordCodeCache } from './code-cache.js';

/** File names inside the output directory (and inside the layer zip). */
export const RIC_FILES = {
  bundle: 'lamina-ric.cjs',
  launcher: 'bootstrap',
  ...CODE_CACHE_FILES,
} as const;

/** The folder holding Lamina's package.json (this file runs from dist/ or, under vitest, from source). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Where `npm run build:ric` writes, unless told otherwise. */
export const DEFAULT_RIC_DIR = join(projectRoot(), 'dist', 'ric');

/**
 * The launcher. `${0%/*}` instead of `$(dirname "$0")`: no subshell, no fork. `exec` replaces the
 * shell, so the runtime's pid is node's and signals reach it directly. In a nodejs base image it
 * is /var/runtime/bootstrap, so it honours AWS_LAMBDA_EXEC_WRAPPER there (src/platform/exec-wrapper.ts).
 */
export const LAUNCHER_SOURCE = `#!/bin/sh
# Lamina's Node.js runtime interface client, as a custom runtime bootstrap.
# Runs ./${RIC_FILES.bundle} (next to this file) with the first node found:
#   ./node or ./bin/node next to this file, /opt/nodejs/bin/node (a layer), then node on PATH.
# ./${RIC_FILES.loader} compiles it with the V8 code cache ./${RIC_FILES.cache} when that matches this node.
case "$0" in */*) here="\${0%/*}" ;; *) here=. ;; esac
if [ -x "$here/node" ]; then node="$here/node"
elif [ -x "$here/bin/node" ]; then node="$here/bin/node"
elif [ -x /opt/nodejs/bin/node ]; then node=/opt/nodejs/bin/node
else node=node
fi
# As the bootstrap of Lambda's nodejs runtimes (AWS's base images), not of provided* ones.
case "$AWS_EXECUTION_ENV" in AWS_Lambda_nodejs*) wrapper=$AWS_LAMBDA_EXEC_WRAPPER ;; *) wrapper= ;; esac
${execWrapperLines(`"$node" "$here/${RIC_FILES.loader}" "$@"`, 'wrapper')}`;

export interface BuildRicOptions {
  /** Output directory; `dist/ric` by default. */
  readonly outDir?: string;
  /**
   * Also shorten identifiers. Whitespace and syntax are always minified (51 -> ~33 KB: less to
   * read and hash at every cold start); identifiers are kept by default so the client's own stack
   * frames stay readable.
   */
  readonly minify?: boolean;
}

export interface BuiltRic {
  readonly outDir: string;
  readonly bundle: string;
  readonly launcher: string;
  readonly bytes: number;
}

/**
 * Bundle the client and write the launcher.
 * @example
 * ```ts
 * const { bundle, launcher } = await buildRic({ outDir: '/tmp/ric' });
 * ```
 */
export async function buildRic(options: BuildRicOptions = {}): Promise<BuiltRic> {
  const root = projectRoot();
  const outDir = resolve(options.outDir ?? DEFAULT_RIC_DIR);
  mkdirSync(outDir, { recursive: true });
  const bundle = join(outDir, RIC_FILES.bundle);
  // esbuild is a build-time dependency: import it only when building.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(root, 'runtime-interface', 'bootstrap', 'index.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: options.minify ?? false,
    legalComments: 'none',
    // handler-loader.ts uses the bundle's own require; import.meta.url (ESM builds only) becomes the file's own path.
    define: { 'import.meta.url': '__filename' },
    logLevel: 'warning',
    metafile: true,
  });
  const loader = join(outDir, RIC_FILES.loader);
  writeFileSync(loader, loaderSource(RIC_FILES.bundle));
  const cache = await recordCodeCache(loader, join(outDir, RIC_FILES.cache));
  if (cache.problem !== undefined) process.stderr.write(`lamina-ric: no V8 code cache (${cache.problem}); the client runs without one\n`);
  for (const node of listInstalled()) {
    const other = await recordCodeCacheFor(node.path, outDir);
    if (other.problem !== undefined) process.stderr.write(`lamina-ric: no V8 code cache for ${node.path} (${other.problem})\n`);
  }
  const launcher = join(outDir, RIC_FILES.launcher);
  writeFileSync(launcher, LAUNCHER_SOURCE);
  chmodSync(launcher, 0o755);
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  return { outDir, bundle, launcher, bytes };
}

/**
 * Record the V8 code cache of another node binary (`lamina-ric.<its V8 version>.v8cache`, which its
 * loader picks first) by running the built client on it. Call it after installing a Node major;
 * resolves with the file, or a reason when that node could not record one (the client then runs
 * on it without a cache). The build's own node keeps `lamina-ric.v8cache` as well.
 *
 * @example
 * ```ts
 * await recordCodeCacheFor('/home/me/.cache/lamina/runtimes/node-v24.11.1/bin/node');
 * // { file: '.../dist/ric/lamina-ric.13.6.233.10-node.31.v8cache' }
 * ```
 */
export async function recordCodeCacheFor(nodePath: string, outDir: string = DEFAULT_RIC_DIR): Promise<{ file?: string; problem?: string }> {
  const loader = join(outDir, RIC_FILES.loader);
  if (!existsSync(loader)) return { problem: `${loader} is missing: run npm run build first` };
  let v8Version: string;
  try {
    v8Version = execFileSync(nodePath, ['-p', 'process.versions.v8'], { encoding: 'utf8', timeout: 15_000 }).trim();
  } catch (error) {
    return { problem: `cannot run ${nodePath}: ${error instanceof Error ? error.message : String(error)}` };
  }
  return recordCodeCache(loader, join(outDir, codeCacheFileFor(v8Version)), 15_000, nodePath);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, minify: { type: 'boolean', default: false } } });
  const built = await buildRic({ ...(values.out === undefined ? {} : { outDir: values.out }), minify: values.minify });
  process.stdout.write(`lamina-ric: ${built.bundle} (${built.bytes} bytes), ${built.launcher}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
