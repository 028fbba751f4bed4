/**
 * `lamina rie` for a `nodejsNN.x` container (AWS_EXECUTION_ENV=AWS_Lambda_nodejsNN.x, as AWS's
 * base images set it): the bootstrap's `node` is Node NN, resolved as `lamina serve` resolves it
 * (docs/runtimes.md). Its directory goes first on the bootstrap's PATH, which is how Lamina's
 * launcher and `#!/usr/bin/env node` scripts find node, and a bootstrap that is `node` itself runs
 * that interpreter.
 */
import { basename, dirname } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { hostNodeWarning } from '../runtimes/function-nodes.js';
import { ensureNode, type ResolvedNode } from '../runtimes/node-installer.js';
import { nodeMajorOf } from '../runtimes/node-majors.js';
import { progressLine } from '../runtimes/progress-line.js';

/** The PATH of AWS's base images, when the container has none. */
const DEFAULT_PATH = '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin';

export interface RieNode {
  readonly fn: FunctionConfig;
  readonly node: ResolvedNode | undefined;
  readonly warning: string | undefined;
}

/**
 * The function with its runtime's node on PATH (unchanged for other runtimes).
 *
 * @throws ConfigError naming `lamina runtimes install` when the major is missing and cannot be downloaded.
 * @example const { fn } = await withRuntimeNode(fn, { hostNode: false });
 */
export async function withRuntimeNode(fn: FunctionConfig, options: { readonly hostNode: boolean }): Promise<RieNode> {
  const major = nodeMajorOf(fn.runtime);
  if (major === undefined || fn.launch.kind !== 'bootstrap') return { fn, node: undefined, warning: undefined };
  const node = await ensureNode(major, { allowHostNode: options.hostNode, onProgress: progressLine() });
  const path = `${dirname(node.path)}:${fn.environment.PATH ?? DEFAULT_PATH}`;
  const command = basename(fn.launch.command) === 'node' ? node.path : fn.launch.command;
  return {
    fn: { ...fn, environment: { ...fn.environment, PATH: path }, launch: { ...fn.launch, command } },
    node,
    warning: node.source === 'host' ? hostNodeWarning(fn.runtime) : undefined,
  };
}
