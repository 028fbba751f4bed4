/**
 * Compiles the native environment launcher (`src/sandbox/native/lamina-sandbox.c`) into
 * `dist/sandbox/lamina-sandbox` when a C compiler is on PATH. `npm run build` runs it. Without a
 * compiler nothing is lost: the platform then uses the sh launcher, which does the same with five
 * execs instead of one (bench/RESULTS.md, environment start rate).
 *
 *   node dist/src/sandbox/build-launcher.js
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT, SANDBOX_LAUNCHER } from '../platform/paths.js';

/** The launcher's C sources: the launcher, the isolated environment's filesystem and user, its network, the seccomp filter, the spawner. */
export const LAUNCHER_SOURCE_FILES = ['lamina-sandbox.c', 'isolation.c', 'network.c', 'seccomp-filter.c', 'spawner.c'].map((file) =>
  join(PROJECT_ROOT, 'src', 'sandbox', 'native', file),
);

/**
 * Compile the launcher; resolves to the binary, or to the reason it could not be built.
 * @example
 * const built = buildSandboxLauncher(); // { binary: '.../dist/sandbox/lamina-sandbox' }
 */
export function buildSandboxLauncher(out = SANDBOX_LAUNCHER): { binary?: string; problem?: string } {
  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { force: true });
  for (const compiler of ['cc', 'gcc', 'clang']) {
    // Static where the C library allows it: every environment's launcher and its pid 1 then start
    // without ld.so and relocations (2-5 ms of CPU per isolated start on a busy 2-core VM,
    // bench/start-floor); without a static libc, the usual dynamic binary.
    const statically = spawnSync(compiler, ['-O2', '-Wall', '-static', '-o', out, ...LAUNCHER_SOURCE_FILES], { encoding: 'utf8' });
    if (statically.error !== undefined) continue; // not installed
    if (statically.status === 0) return { binary: out };
    const run = spawnSync(compiler, ['-O2', '-Wall', '-o', out, ...LAUNCHER_SOURCE_FILES], { encoding: 'utf8' });
    if (run.status === 0) return { binary: out };
    return { problem: `${compiler} failed: ${run.stderr.trim()}` };
  }
  return { problem: 'no C compiler (cc, gcc, clang) on PATH' };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = buildSandboxLauncher();
  if (built.binary !== undefined) process.stdout.write(`lamina-sandbox: ${built.binary}\n`);
  else process.stdout.write(`lamina-sandbox: not built (${built.problem ?? 'unknown'}); environments use the sh launcher\n`);
}
