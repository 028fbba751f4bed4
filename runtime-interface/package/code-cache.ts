/**
 * V8 code cache for the bundled client: Node 20 has no `module.enableCompileCache()` (22.1+), so
 * the build records one itself and a tiny loader hands it to V8.
 *
 * - `lamina-ric-start.cjs` (the loader, the file the launcher runs): reads the bundle and the cache
 *   recorded by its own V8 (`lamina-ric.<process.versions.v8>.v8cache`, else the build node's
 *   `lamina-ric.v8cache`), compiles the bundle with `vm.Script` + `cachedData`, runs it as the
 *   CommonJS module it is. Without the cache file, or when V8 rejects it (another Node version or
 *   V8 flags: V8 checks both and the source), V8 compiles from source as usual: the cache can only
 *   save time, never change behaviour.
 * - The cache is recorded at build time by running the loader with `--record-code-cache FILE`
 *   against a stub Runtime API until its first `GET /next`, then SIGTERM: it then holds the code of
 *   every function that ran during init, not only the top level (bench/RESULTS.md, issue 3).
 *   A cache is only valid for the V8 that recorded it, so another Node major gets its own file,
 *   recorded by that node ({@link codeCacheFileFor}, `recordCodeCacheFor` in build.ts).
 *
 * @example
 * ```ts
 * await recordCodeCache(join(outDir, CODE_CACHE_FILES.loader), join(outDir, CODE_CACHE_FILES.cache));
 * ```
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CODE_CACHE_FILES = {
  loader: 'lamina-ric-start.cjs',
  cache: 'lamina-ric.v8cache',
} as const;

/**
 * The name of the cache the loader looks for first on a node whose `process.versions.v8` is `v8Version`.
 * @example
 * ```ts
 * codeCacheFileFor('12.4.254.21-node.33'); // 'lamina-ric.12.4.254.21-node.33.v8cache'
 * ```
 */
export function codeCacheFileFor(v8Version: string): string {
  return `lamina-ric.${v8Version}.v8cache`;
}

/**
 * The loader. The wrapper is the CommonJS one, so the bundle sees the usual module variables; its
 * `require` is the loader's (same folder; user code is required by absolute path).
 * `importModuleDynamically` lets ESM handlers be `import()`ed from inside a vm.Script compiled from
 * source; one compiled from the cache loses that callback on Node 20, hence the import hook.
 */
export function loaderSource(bundleFile: string): string {
  return `'use strict';
// Lamina's runtime interface client: compiles ./${bundleFile} with the V8 code cache recorded at
// build time by this V8 (./${codeCacheFileFor('<v8 version>')}, else ./${CODE_CACHE_FILES.cache} of the build's node);
// falls back to a plain compile when both are missing or rejected.
const { readFileSync, writeFileSync } = require('node:fs');
const vm = require('node:vm');
const bundle = __dirname + '/${bundleFile}';
const cacheFiles = [__dirname + '/${codeCacheFileFor("' + process.versions.v8 + '")}', __dirname + '/${CODE_CACHE_FILES.cache}'];
const record = process.argv[2] === '--record-code-cache' ? process.argv[3] : undefined;
let cachedData;
for (const cacheFile of record === undefined ? cacheFiles : []) {
  try { cachedData = readFileSync(cacheFile); break; } catch {}
}
const script = new vm.Script('(function (exports, require, module, __filename, __dirname) {' + readFileSync(bundle, 'utf8') + '\\n})', {
  filename: bundle,
  cachedData,
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
if (process.argv[2] === '--check-code-cache') {
  process.stdout.write(cachedData === undefined ? 'missing\\n' : script.cachedDataRejected ? 'rejected\\n' : 'accepted\\n');
  process.exit(0);
}
if (record !== undefined) {
  process.on('exit', () => writeFileSync(record, script.createCachedData()));
  process.on('SIGTERM', () => process.exit(0));
}
// V8-cached scripts lose their dynamic-import callback on Node 20: ESM handlers are imported from here.
globalThis[Symbol.for('lamina.ric.import')] = (specifier) => import(specifier);
script.runInThisContext()(exports, require, module, bundle, __dirname);
`;
}

/**
 * Run the loader against a stub Runtime API with a no-op handler until its first `GET /next`, then
 * stop it; the loader writes the cache on exit. Resolves to the cache path, or undefined with a
 * reason when recording failed (the client then simply runs without a cache).
 */
export async function recordCodeCache(
  loader: string,
  cacheFile: string,
  timeoutMs = 15_000,
  nodePath: string = process.execPath,
): Promise<{ file?: string; problem?: string }> {
  const task = mkdtempSync(join(tmpdir(), 'lamina-ric-cache-'));
  writeFileSync(join(task, 'index.js'), 'exports.handler = async () => ({});\n');
  rmSync(cacheFile, { force: true });
  let stopChild: () => void = () => undefined;
  const server = createServer((request, response) => {
    if (request.url?.endsWith('/invocation/next') === true) stopChild();
    else response.end();
  });
  try {
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const { port } = server.address() as AddressInfo;
    const child = spawn(nodePath, [loader, '--record-code-cache', cacheFile], {
      cwd: task,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { PATH: process.env.PATH ?? '', AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: task },
    });
    stopChild = () => child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => {
      child.on('exit', (c, s) => done([c, s]));
      child.on('error', () => done([null, null])); // e.g. the node binary does not exist
    });
    clearTimeout(timer);
    if (!existsSync(cacheFile)) return { problem: `the recording run ended (code ${code}, signal ${signal}) without writing ${cacheFile}` };
    return { file: cacheFile };
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(task, { recursive: true, force: true });
  }
}
