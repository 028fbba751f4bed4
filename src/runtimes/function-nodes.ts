/**
 * The interpreter each `nodejsNN.x` function runs on, settled before a command serves
 * (docs/runtimes.md): template loading picks what is at hand synchronously (the host's node of
 * the same major, else the cache); this installs what is missing, once per major, and applies
 * `--host-node`.
 */
import type { FunctionConfig } from '../config/function-config.js';
import { installSdkPackages, linkIntoRuntime, sdkStoreRoot, sdkVersion } from './aws-sdk-store.js';
import { ensureNode, HOST_NODE, type EnsureNodeOptions, type HostNode, type ResolvedNode } from './node-installer.js';
import { majorOfVersion, nodeMajorOf } from './node-majors.js';
import { findInstalledNode } from './runtime-cache.js';
import { boundedSdkImports } from './sdk-imports.js';
import { importsBoto3 } from './boto3-imports.js';
import { boto3Site, boto3StoreRoot, installBoto3 } from './boto3-store.js';

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
  /** The AWS SDK packages installed now for the functions (docs/runtimes.md, "The AWS SDK"). */
  readonly sdkInstalled: readonly string[];
  readonly warnings: string[];
}

/**
 * Supplies the AWS SDK packages the functions import and do not bring, as Lambda's runtime does;
 * a failure (offline, unknown name) is a warning: the import then fails in the function, as it
 * would on Lambda with a package the runtime lacks.
 */
async function settleSdk(functions: readonly FunctionConfig[], options: EnsureNodeOptions, warnings: Set<string>): Promise<string[]> {
  if (options.sdkRoot === false) return [];
  const root = options.sdkRoot ?? sdkStoreRoot();
  const byFunction = new Map(functions.map((fn) => [fn.name, boundedSdkImports(fn)]));
  for (const { warning } of byFunction.values()) if (warning !== undefined) warnings.add(warning);
  const wanted = [...new Set([...byFunction.values()].flatMap(({ names }) => names))].sort();
  if (wanted.length === 0) {
    if (options.ricDir !== false) linkIntoRuntime(options.ricDir, root);
    return [];
  }
  const say = options.onLine ?? ((line: string) => process.stderr.write(`lamina: ${line}\n`));
  try {
    if (options.offline === true && wanted.some((name) => sdkVersion(name, root) === undefined)) throw new Error('offline');
    return await installSdkPackages(wanted, { root, registry: options.registry, onLine: say, ricDir: options.ricDir });
  } catch (error) {
    const users = [...byFunction].filter(([, { names }]) => names.length > 0).map(([name]) => name);
    warnings.add(`${users.join(', ')}: the AWS SDK packages ${wanted.join(', ')} (which Lambda's Node.js runtimes provide) could not be installed (${error instanceof Error ? error.message : String(error)}); importing them will fail`);
    return [];
  }
}

/**
 * boto3 for the Python functions that import it without bringing it, as Lambda's Python runtimes
 * have it; a failure (offline, not a Debian host) is a warning, as for the JavaScript SDK.
 */
async function settleBoto3(functions: readonly FunctionConfig[], options: EnsureNodeOptions, warnings: Set<string>): Promise<string[]> {
  if (options.sdkRoot === false) return [];
  const root = options.boto3Root ?? boto3StoreRoot();
  const users = functions.filter((fn) => importsBoto3(fn)).map((fn) => fn.name);
  const ricDir = options.ricDir === false ? false : undefined;
  try {
    if (users.length === 0) {
      if (boto3Site(root) !== undefined) await installBoto3({ root, ricDir });
      return [];
    }
    if (options.offline === true && boto3Site(root) === undefined) throw new Error('offline');
    const say = options.onLine ?? ((line: string) => process.stderr.write(`lamina: ${line}\n`));
    return (await installBoto3({ root, ricDir, onLine: say })) ? ['boto3'] : [];
  } catch (error) {
    if (users.length > 0) warnings.add(`${users.join(', ')}: boto3 (which Lambda's Python runtimes provide) could not be installed (${error instanceof Error ? error.message : String(error)}); importing it will fail`);
    return [];
  }
}

/**
 * Settle the interpreter of every `nodejs*` function, installing missing majors (one download per
 * major, with the progress line of `options.onProgress`), and the AWS SDK packages they import
 * without bringing them (one npm install into the shared store).
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
  const sdkInstalled = [...(await settleSdk(resolved, options, warnings)), ...(await settleBoto3(resolved, options, warnings))];
  return { functions: resolved, interpreters, sdkInstalled, warnings: [...warnings] };
}
