/**
 * The AWS SDK for JavaScript v3 that Lambda's Node.js 18+ runtimes carry in
 * /var/runtime/node_modules (docs/runtimes.md, "The AWS SDK"): one npm folder under the runtimes
 * cache root (`<root>/aws-sdk-js-v3`), filled from the npm registry with the `@aws-sdk/*` and
 * `@smithy/*` packages functions import and do not bring themselves (sdk-imports.ts), shared by
 * every function and every Node major (`lamina runtimes list` shows it).
 *
 * Environments see it where Lambda's runtime has it: the client's folder (dist/ric, shown at
 * /var/runtime) gets a `node_modules` link to the store, and without mount namespaces the
 * store's folder is appended to NODE_PATH (src/platform/sandbox-factory.ts).
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RIC_DIR } from '../platform/paths.js';
import { acquireLock } from './install-lock.js';
import { registryUrl } from './registry-download.js';
import { runtimesRoot } from './runtime-cache.js';
import { runTool } from './run-tool.js';

/** A package name the store installs: the SDK's own scopes only, never a path or a version. */
export const SDK_PACKAGE = /^@(?:aws-sdk|smithy)\/[a-z0-9][a-z0-9._-]{0,99}$/;

/** How long one `npm install` may take before it is stopped. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** @example sdkStoreRoot({ HOME: '/home/me' }) // '/home/me/.cache/lamina/runtimes/aws-sdk-js-v3' */
export function sdkStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(runtimesRoot(env), 'aws-sdk-js-v3');
}

/** The store's `node_modules`, or undefined while nothing is installed. */
export function sdkModules(root: string = sdkStoreRoot()): string | undefined {
  const modules = join(root, 'node_modules');
  return existsSync(modules) ? modules : undefined;
}

/** The version of `name` in the store, or undefined. */
export function sdkVersion(name: string, root: string = sdkStoreRoot()): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The packages installed on request (the store's own dependencies, not theirs), with versions.
 *
 * @example sdkPackages() // Map { '@aws-sdk/client-s3' => '3.1169.0' }
 */
export function sdkPackages(root: string = sdkStoreRoot()): Map<string, string> {
  const packages = new Map<string, string>();
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: unknown };
    const dependencies = typeof manifest.dependencies === 'object' && manifest.dependencies !== null ? Object.keys(manifest.dependencies) : [];
    for (const name of dependencies.sort()) packages.set(name, sdkVersion(name, root) ?? 'missing');
  } catch {
    // No store yet.
  }
  return packages;
}

/** The npm that came with the node running Lamina, else the one on PATH. */
function npmCommand(): [string, string[]] {
  const cli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  return existsSync(cli) ? [process.execPath, [cli]] : ['npm', []];
}

function runNpm(root: string, names: readonly string[], registry: string): Promise<void> {
  const [command, prefix] = npmCommand();
  // npm waits 5 minutes per request and retries twice by default: an unreachable registry would hold `lamina serve`'s start.
  // --ignore-scripts: function code chooses the names; nothing it names may run on the host.
  const args = [...prefix, 'install', '--prefix', root, '--registry', registry, '--save-exact', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', '--fetch-timeout=30000', '--fetch-retries=1', ...names];
  return runTool(command, args, { cwd: root, timeoutMs: INSTALL_TIMEOUT_MS, what: `npm install ${names.join(' ')}`, env: { ...process.env, npm_config_update_notifier: 'false' } });
}

/**
 * Which of `names` the registry has (a HEAD of each packument, eight at a time). One name npm
 * cannot find fails a whole `npm install`, so a function naming a package that does not exist
 * must not cost the others theirs. Unreachable registry: the names are kept (npm says why).
 *
 * @example await onRegistry(['@aws-sdk/client-s3', '@aws-sdk/client-nope'], registryUrl()) // { found: ['@aws-sdk/client-s3'], unknown: ['@aws-sdk/client-nope'] }
 */
export async function onRegistry(names: readonly string[], registry: string): Promise<{ found: string[]; unknown: string[] }> {
  const found: string[] = [];
  const unknown: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let name = names[next++]; name !== undefined; name = names[next++]) {
      const status = await fetch(`${registry}${name.replace('/', '%2f')}`, { method: 'HEAD', headers: { accept: 'application/vnd.npm.install-v1+json' }, signal: AbortSignal.timeout(15_000) }).then(
        (response) => response.status,
        () => 0,
      );
      (status === 404 ? unknown : found).push(name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, names.length) }, worker));
  return { found: found.sort(), unknown: unknown.sort() };
}

export interface SdkInstallOptions {
  readonly root?: string;
  readonly registry?: string;
  /** Told before npm runs (what is installed) and when another process holds the store's lock. */
  readonly onLine?: (line: string) => void;
  /** The runtime client's folder that gets the `node_modules` link (false: none, for tests). */
  readonly ricDir?: string | false;
}

/**
 * Installs the packages of `names` the store lacks (one npm run, under the store's lock), then
 * links the store into the client's folder. Refuses names outside the SDK's scopes.
 *
 * @returns the names installed now (empty when all were there)
 * @throws Error when npm fails (offline, a name the registry does not have); nothing is half-kept
 *   that npm itself would not keep.
 * @example
 * await installSdkPackages(['@aws-sdk/client-s3'], { onLine: (line) => console.error(line) });
 */
export async function installSdkPackages(names: readonly string[], options: SdkInstallOptions = {}): Promise<string[]> {
  const root = options.root ?? sdkStoreRoot();
  for (const name of names) if (!SDK_PACKAGE.test(name)) throw new Error(`${JSON.stringify(name)} is not a package of the AWS SDK for JavaScript (@aws-sdk/* or @smithy/*)`);
  const wanted = [...new Set(names)].sort();
  let missing = wanted.filter((name) => sdkVersion(name, root) === undefined);
  if (missing.length > 0) {
    mkdirSync(root, { recursive: true });
    const lock = await acquireLock(dirname(root), 'aws-sdk-js-v3', (holder) => options.onLine?.(`waiting for process ${holder}, which is installing AWS SDK packages`));
    try {
      missing = wanted.filter((name) => sdkVersion(name, root) === undefined);
      if (missing.length > 0) {
        if (!existsSync(join(root, 'package.json'))) writeFileSync(join(root, 'package.json'), `${JSON.stringify({ name: 'lamina-aws-sdk-js-v3', private: true, description: "The AWS SDK Lambda's Node.js runtimes provide, for Lamina's environments" }, null, 2)}\n`);
        const registry = options.registry ?? registryUrl();
        const { found, unknown } = await onRegistry(missing, registry);
        if (unknown.length > 0) options.onLine?.(`not on ${registry}, so not installed: ${unknown.join(', ')}`);
        missing = found;
        if (missing.length > 0) {
          options.onLine?.(`installing ${missing.join(', ')} (the AWS SDK Lambda's Node.js runtimes provide) into ${root}`);
          await runNpm(root, missing, registry);
        }
      }
    } finally {
      lock.release();
    }
  }
  if (options.ricDir !== false) linkIntoRuntime(options.ricDir ?? RIC_DIR, root);
  return missing;
}

/**
 * Gives the client's folder a `node_modules` link to the store (made again when it names another
 * store); a real folder there is left alone.
 *
 * @example linkIntoRuntime('/work/lamina/dist/ric') // dist/ric/node_modules -> ~/.cache/lamina/runtimes/aws-sdk-js-v3/node_modules
 */
export function linkIntoRuntime(ricDir: string = RIC_DIR, root: string = sdkStoreRoot()): void {
  const modules = sdkModules(root);
  if (modules !== undefined && existsSync(ricDir)) linkFolder(join(ricDir, 'node_modules'), modules);
}

/**
 * Makes `link` a symbolic link to `target`, replacing a link to anything else; a real file or
 * folder there is left alone.
 *
 * @example linkFolder('/work/lamina/dist/ric/node_modules', '/root/.cache/lamina/runtimes/aws-sdk-js-v3/node_modules')
 */
export function linkFolder(link: string, target: string): void {
  let stat;
  try {
    stat = lstatSync(link);
  } catch {
    stat = undefined;
  }
  if (stat !== undefined && !stat.isSymbolicLink()) return;
  if (stat !== undefined && readlinkSync(link) === target) return;
  if (stat !== undefined) rmSync(link, { force: true });
  symlinkSync(target, link);
}
