/**
 * Where Lamina's own files are, whether it runs compiled (dist/) or from source under vitest.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
  return dir;
}

/** The folder holding Lamina's package.json. */
export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** The runtime interface client bundled into one CommonJS file (`npm run build:ric`, part of `npm run build`). */
export const RIC_BUNDLE = join(PROJECT_ROOT, 'dist', 'ric', 'lamina-ric.cjs');

/** The folder of the shipped client (bundle, loader, code cache, launcher). */
export const RIC_DIR = join(PROJECT_ROOT, 'dist', 'ric');

/** The loader that compiles {@link RIC_BUNDLE} with the V8 code cache recorded at build time. */
export const RIC_LOADER = join(PROJECT_ROOT, 'dist', 'ric', 'lamina-ric-start.cjs');

/** The V8 code cache next to {@link RIC_BUNDLE} (valid for the node that built it). */
export const RIC_CODE_CACHE = join(PROJECT_ROOT, 'dist', 'ric', 'lamina-ric.v8cache');

/** Lamina's Python runtime interface client (`python3.*` runtimes): plain sources, run as they are. */
export const PYTHON_RIC_DIR = join(PROJECT_ROOT, 'runtime-interface', 'python');

/** The sh launcher written next to {@link RIC_BUNDLE}: a `provided*` runtime's `bootstrap`. */
export const RIC_LAUNCHER = join(PROJECT_ROOT, 'dist', 'ric', 'bootstrap');

/** The native environment launcher (`src/sandbox/native/lamina-sandbox.c`), when `npm run build` could compile it. */
export const SANDBOX_LAUNCHER = join(PROJECT_ROOT, 'dist', 'sandbox', 'lamina-sandbox');

/** The tsc output of the runtime interface client: a dozen ES modules, slower to start (bench/cold-start.ts). */
export const RIC_TSC_ENTRY = join(PROJECT_ROOT, 'dist', 'runtime-interface', 'bootstrap', 'index.js');

/**
 * What `nodejs*` runtimes run with `node`: the loader (bundle + code cache) when it was built, the
 * bare bundle, else the tsc output. Decided once, when the platform is loaded.
 */
export const RIC_ENTRY = existsSync(RIC_LOADER) && existsSync(RIC_BUNDLE) ? RIC_LOADER : existsSync(RIC_BUNDLE) ? RIC_BUNDLE : RIC_TSC_ENTRY;
