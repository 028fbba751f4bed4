/**
 * Byte-compiles Lamina's Python runtime interface client (`runtime-interface/python/`) with every
 * interpreter a `python3.*` runtime would run on, so a cold start reads `__pycache__` instead of
 * compiling the client (about 12 ms of a 55 ms start). Isolated environments see the client
 * read-only at /var/runtime and could never write the cache themselves. `npm run build` runs it;
 * without Python nothing is lost (the client compiles from source at each start).
 *
 *   node dist/src/config/compile-python-client.js
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON_RIC_DIR } from '../platform/paths.js';
import { findPython, PYTHON_RUNTIMES } from './python-runtime.js';

/**
 * @example
 * compilePythonClient(); // ['/usr/bin/python3.11']
 */
export function compilePythonClient(dir = PYTHON_RIC_DIR): string[] {
  const interpreters = new Set<string>();
  for (const runtime of PYTHON_RUNTIMES) {
    const found = findPython(runtime);
    if (found !== undefined) interpreters.add(realpathSync(found.path)); // python3 -> python3.11: once
  }
  const compiled: string[] = [];
  for (const python of interpreters) {
    const run = spawnSync(python, ['-m', 'compileall', '-q', dir], { stdio: 'ignore', timeout: 60_000 });
    if (run.status === 0) compiled.push(python);
  }
  return compiled;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const compiled = compilePythonClient();
  process.stdout.write(`python client: ${compiled.length > 0 ? `byte-compiled for ${compiled.join(', ')}` : 'no Python 3 here; compiled at each start'}\n`);
}
