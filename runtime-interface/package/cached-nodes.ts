/**
 * The Node.js binaries Lamina has installed for `nodejsNN.x` runtimes: `node-v<version>/bin/node`
 * under the runtimes cache root (`LAMINA_RUNTIMES_DIR`, else `~/.cache/lamina/runtimes`). The build
 * records a V8 code cache for each (code-cache.ts); tests run the client on them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** One installed node. */
export interface CachedNode {
  /** `24.11.1` */
  readonly version: string;
  readonly major: number;
  /** Absolute path of its `bin/node`. */
  readonly path: string;
}

/**
 * The runtimes cache root.
 * @example
 * ```ts
 * runtimesCacheRoot({ LAMINA_RUNTIMES_DIR: '/opt/rt' }); // '/opt/rt'
 * ```
 */
export function runtimesCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env['LAMINA_RUNTIMES_DIR'] || join(homedir(), '.cache', 'lamina', 'runtimes');
}

const NODE_DIR = /^node-v(\d+)\.(\d+)\.(\d+)$/;

/**
 * Every `node-v<x.y.z>/bin/node` under `root`, newest first.
 * @example
 * ```ts
 * cachedNodes('/home/me/.cache/lamina/runtimes'); // [{ version: '24.11.1', major: 24, path: '.../node-v24.11.1/bin/node' }, ...]
 * ```
 */
export function cachedNodes(root: string = runtimesCacheRoot()): CachedNode[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  const found: Array<CachedNode & { parts: number[] }> = [];
  for (const entry of entries) {
    const match = NODE_DIR.exec(entry);
    const path = join(root, entry, 'bin', 'node');
    if (match === null || !existsSync(path)) continue;
    const parts = match.slice(1, 4).map(Number);
    found.push({ version: parts.join('.'), major: parts[0]!, path, parts });
  }
  found.sort((a, b) => b.parts[0]! - a.parts[0]! || b.parts[1]! - a.parts[1]! || b.parts[2]! - a.parts[2]!);
  return found.map(({ version, major, path }) => ({ version, major, path }));
}
