/**
 * The container engine for the end-to-end container tests (test/containers/*.e2e.test.ts), with
 * `lamina/base:local` built, or why those tests cannot run here (printed, never silent).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LOCAL_BASE_IMAGE } from '../../src/containers/base-image.js';
import { detectEngine, type ContainerEngine } from '../../src/containers/engine.js';
import { ConfigError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

export const LAMINA = join(PROJECT_ROOT, 'bin', 'lamina.js');

/**
 * The engine, or the reason there is none. The base image is built here, synchronously, so that an
 * engine that answers `info` but cannot run a container is a skip (with its own words), while a
 * broken build is a failure.
 *
 * @example
 * const probe = probeEngine(); describe.skipIf(probe.engine === undefined)('...', () => { ... });
 */
export function probeEngine(): { engine?: ContainerEngine; reason?: string } {
  let engine: ContainerEngine;
  try {
    engine = detectEngine();
  } catch (error) {
    if (error instanceof ConfigError) return { reason: error.message };
    throw error;
  }
  const base = spawnSync(process.execPath, [LAMINA, 'image', 'base', '--engine', engine.name], { encoding: 'utf8' });
  if (base.status !== 0) throw new Error(`lamina image base failed:\n${base.stderr}${base.stdout}`);
  const run = spawnSync(engine.name, [...engine.globalArgs, 'run', '--rm', '--pull', 'never', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--entrypoint', '/bin/sh', LOCAL_BASE_IMAGE, '-c', 'exit 0'], { encoding: 'utf8' });
  if (run.status !== 0) return { reason: `${engine.name} cannot run a container here: ${run.stderr.trim()}` };
  return { engine };
}
