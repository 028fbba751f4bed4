/**
 * Real Node.js binaries of other majors, for tests that run a runtime on the major it names: the
 * one helper for that (the conformance suite, the client's per-node tests, end-to-end tests).
 *
 * A test file that needs majors calls `await installTestNodes([24, 26])` at its top: the installer
 * (`ensureNode`, src/runtimes/) puts each missing major into the real runtimes cache root
 * (`LAMINA_RUNTIMES_DIR`, else `~/.cache/lamina/runtimes`) once, printing what it installs; later
 * runs and other files find it there, and files installing at the same time share one download
 * (the installer's lock). Only files that need a major download it: a single unit test on a fresh
 * machine downloads nothing. Afterwards the synchronous {@link nodeBinaryFor} finds the binaries
 * while the file's suites are being collected. When the registry cannot be reached, the reason is
 * printed and the tests of that major skip with it ({@link nodeBinaryMissing}); nothing fails.
 */
import { existsSync } from 'node:fs';
import { ensureNode, type ResolvedNode } from '../../src/runtimes/node-installer.js';
import { findInstalledNode, runtimesRoot } from '../../src/runtimes/runtime-cache.js';

/** The major of the node running the tests. */
export const HOST_NODE_MAJOR = Number.parseInt(process.versions.node, 10);

/** Why a major could not be installed in this process, for the skip message. */
const installFailures = new Map<number, string>();

/**
 * A node binary of `major`, or undefined: the newest complete install under the runtimes cache
 * root, else `LAMINA_TEST_NODE_<major>`, else the host's node for its own major.
 * @example
 * ```ts
 * nodeBinaryFor(24); // '/home/me/.cache/lamina/runtimes/node-v24.11.1/bin/node', or process.env.LAMINA_TEST_NODE_24
 * ```
 */
export function nodeBinaryFor(major: number, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cached = findInstalledNode(major, runtimesRoot(env));
  if (cached !== undefined) return cached.path;
  const named = env[`LAMINA_TEST_NODE_${major}`];
  if (named !== undefined && named !== '' && existsSync(named)) return named;
  return major === HOST_NODE_MAJOR ? process.execPath : undefined;
}

/**
 * Why no node of `major` can be used, or undefined when {@link nodeBinaryFor} finds one.
 * @example
 * ```ts
 * const missing = nodeBinaryMissing(24);
 * if (missing !== undefined) console.warn(`[suite] Node 24 skipped: ${missing}`);
 * ```
 */
export function nodeBinaryMissing(major: number, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (nodeBinaryFor(major, env) !== undefined) return undefined;
  const failure = installFailures.get(major);
  return (
    `no Node ${major} binary: none under the runtimes cache root (${runtimesRoot(env)}/node-v${major}.*) and LAMINA_TEST_NODE_${major} is not set to one` +
    (failure === undefined ? '' : `; installing it failed: ${failure}`)
  );
}

/**
 * Install every major of `majors` that {@link nodeBinaryFor} does not find, with the real
 * installer into the real cache root, printing what it does. Never throws: a major that cannot
 * be installed is reported by {@link nodeBinaryMissing}.
 *
 * @example await installTestNodes([22, 24, 26]); // at the top of a test file
 */
export async function installTestNodes(majors: readonly number[]): Promise<void> {
  for (const major of majors) {
    if (nodeBinaryFor(major) !== undefined) continue;
    const started = Date.now();
    console.log(`[tests] installing Node ${major} into ${runtimesRoot()} (once; later runs use it)`);
    try {
      const node = await ensureNode(major, { onWait: (pid) => console.log(`[tests] Node ${major}: another process (pid ${pid}) is installing it; waiting`) });
      console.log(`[tests] Node ${major}: node v${node.version} (${node.source}) at ${node.path} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      installFailures.set(major, reason);
      console.log(`[tests] Node ${major} not installed; its tests skip: ${reason}`);
    }
  }
}

/**
 * The interpreter `lamina` itself picks for `major` (the cache's newest, or the host's for its own
 * major), or undefined after skipping the running test with the reason printed. For end-to-end
 * tests, after {@link installTestNodes}; `LAMINA_TEST_NODE_<major>` is no use to them (lamina does
 * not look there).
 *
 * @example
 * beforeAll(() => installTestNodes([22]), 600_000);
 * it('runs on Node 22', (context) => { const node22 = nodeOrSkip(22, context); ... });
 */
export function nodeOrSkip(major: number, context: { skip(): void }): ResolvedNode | undefined {
  if (major === HOST_NODE_MAJOR) return { path: process.execPath, version: process.versions.node, source: 'host' };
  const installed = findInstalledNode(major);
  if (installed !== undefined) return { path: installed.path, version: installed.version, source: 'cache' };
  console.log(`skipped: ${nodeBinaryMissing(major, { ...process.env, [`LAMINA_TEST_NODE_${major}`]: '' })}`);
  context.skip();
  return undefined;
}
