/**
 * Node.js binaries of other majors, for tests that run a runtime on the Node major it names.
 * Looks in the runtimes cache root (`LAMINA_RUNTIMES_DIR` or `~/.cache/lamina/runtimes`,
 * `node-v<major>.*\/bin/node`, newest first), then in `LAMINA_TEST_NODE_<major>`; the host's own
 * node serves its own major. A test skips a major (saying why, {@link nodeBinaryMissing}) when none is found.
 */
import { existsSync } from 'node:fs';
import { cachedNodes, runtimesCacheRoot } from '../../runtime-interface/package/cached-nodes.js';

/** The major of the node running the tests. */
export const HOST_NODE_MAJOR = Number.parseInt(process.versions.node, 10);

/**
 * A node binary of `major`, or undefined.
 * @example
 * ```ts
 * nodeBinaryFor(24); // '/home/me/.cache/lamina/runtimes/node-v24.11.1/bin/node', or process.env.LAMINA_TEST_NODE_24
 * ```
 */
export function nodeBinaryFor(major: number, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cached = cachedNodes(runtimesCacheRoot(env)).find((node) => node.major === major);
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
  return `no Node ${major} binary: none under the runtimes cache root (LAMINA_RUNTIMES_DIR or ~/.cache/lamina/runtimes/node-v${major}.*) and LAMINA_TEST_NODE_${major} is not set to one`;
}
