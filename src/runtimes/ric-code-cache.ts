/**
 * The runtime interface client's V8 code cache for a newly installed Node.js major.
 *
 * A V8 code cache is only valid for the V8 that recorded it, so each node gets its own
 * `lamina-ric.<its V8 version>.v8cache` next to the client (dist/ric/), which the client's loader
 * picks first (runtime-interface/package/code-cache.ts). `npm run build` records one for every node
 * already installed; this records one right after an install, so that the first cold start on a
 * new major already uses it instead of compiling the client from source.
 *
 * dist/ric is the directory isolated environments see read-only as /var/runtime: a file added to
 * it on the host is visible there at once. The file is made world-readable because the function
 * may run as another user than the one who installed. A failure only costs that speed: the client
 * runs without a cache, so it is reported, never thrown.
 */
import { chmodSync } from 'node:fs';
import { RIC_DIR } from '../platform/paths.js';

export interface RecordedCache {
  /** The cache file, when one was recorded. */
  readonly file?: string;
  /** Why none was, for a warning. */
  readonly problem?: string;
}

/**
 * Record the client's code cache for the node at `nodePath` into `ricDir`.
 *
 * @example
 * await recordRicCodeCache('/root/.cache/lamina/runtimes/node-v24.22.3/bin/node');
 * // { file: '/.../dist/ric/lamina-ric.13.6.233.17-node.37.v8cache' }
 */
export async function recordRicCodeCache(nodePath: string, ricDir: string = RIC_DIR): Promise<RecordedCache> {
  try {
    // Loaded only when a node was just installed: the build module is not needed otherwise.
    const { recordCodeCacheFor } = await import('../../runtime-interface/package/build.js');
    const recorded = await recordCodeCacheFor(nodePath, ricDir);
    if (recorded.file !== undefined) chmodSync(recorded.file, 0o644);
    return recorded;
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The warning for a cache that could not be recorded.
 *
 * @example codeCacheWarning('/x/bin/node', 'cannot write') // 'lamina: no V8 code cache of the runtime interface client for /x/bin/node (cannot write); ...'
 */
export function codeCacheWarning(nodePath: string, problem: string): string {
  return `lamina: no V8 code cache of the runtime interface client for ${nodePath} (${problem}); functions on it start without one (npm run build records it)`;
}
