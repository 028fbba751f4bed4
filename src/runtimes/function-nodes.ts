/**
 * The interpreter each `nodejsNN.x` function runs on, settled before a command serves
 * (docs/runtimes.md): template loading picks what is at hand synchronously (the host's node of
 * the same major, else the cache); this installs what is missing, once per major, and applies
 * `--host-node`.
 */
import type { FunctionConfig } from '../config/function-config.js';
import { ensureNode, HOST_NODE, type EnsureNodeOptions, type HostNode, type ResolvedNode } from './node-installer.js';
import { majorOfVersion, nodeMajorOf } from './node-majors.js';
import { findInstalledNode } from './runtime-cache.js';

/**
 * What template loading can say without waiting: the host's node when its major matches, else the
 * newest installed one of the major, else '' (to be installed by {@link resolveFunctionNodes}).
 *
 * @example nodeAtHand('nodejs20.x') // process.execPath on a Node 20 host
 */
export function nodeAtHand(runtime: string, host: HostNode = HOST_NODE): string {
  const major = nodeMajorOf(runtime);
  if (major === undefined || majorOfVersion(host.version) === major) return host.path;
  return findInstalledNode(major)?.path ?? '';
}

/** The warning `--host-node` gives when the host's major is not the runtime's. */
export function hostNodeWarning(runtime: string, host: HostNode = HOST_NODE): string | undefined {
  const major = nodeMajorOf(runtime);
  if (major === undefined || majorOfVersion(host.version) === major) return undefined;
  return `--host-node: ${runtime} functions run on this machine's node v${host.version} (${host.path}), not on Node.js ${major} as on Lambda`;
}

export interface FunctionNodes {
  /** The functions, each `node-ric` one with its interpreter's absolute path in `launch.node`. */
  readonly functions: FunctionConfig[];
  /** Function name -> `node v22.23.5 (/path/bin/node)`, for the banner. */
  readonly interpreters: ReadonlyMap<string, string>;
  readonly warnings: string[];
}

/**
 * Settle the interpreter of every `nodejs*` function, installing missing majors (one download per
 * major, with the progress line of `options.onProgress`).
 *
 * @throws ConfigError naming `lamina runtimes install` when a major is missing and cannot be downloaded.
 * @example
 * const { functions, interpreters } = await resolveFunctionNodes(loaded, { onProgress: progressLine() });
 */
export async function resolveFunctionNodes(functions: readonly FunctionConfig[], options: EnsureNodeOptions = {}): Promise<FunctionNodes> {
  const host = options.host ?? HOST_NODE;
  const byMajor = new Map<number, Promise<ResolvedNode>>();
  const interpreters = new Map<string, string>();
  const warnings = new Set<string>();
  const resolved: FunctionConfig[] = [];
  for (const fn of functions) {
    const major = nodeMajorOf(fn.runtime);
    if (fn.launch.kind !== 'node-ric' || major === undefined) {
      resolved.push(fn);
      continue;
    }
    let pendingNode = byMajor.get(major);
    if (pendingNode === undefined) {
      pendingNode = ensureNode(major, options);
      byMajor.set(major, pendingNode);
    }
    const node = await pendingNode;
    if (node.source === 'host') {
      const warning = hostNodeWarning(fn.runtime, host);
      if (warning !== undefined) warnings.add(warning);
    }
    interpreters.set(fn.name, `node v${node.version} (${node.path})`);
    resolved.push({ ...fn, launch: { ...fn.launch, node: node.path } });
  }
  return { functions: resolved, interpreters, warnings: [...warnings] };
}
