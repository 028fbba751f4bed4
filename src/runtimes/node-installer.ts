/**
 * Installing official Node.js binaries from the npm registry into the runtime cache, and
 * `ensureNode`: the interpreter a `nodejsNN.x` function runs on (docs/runtimes.md).
 *
 * An install downloads to a work file in the cache root, checks the registry's sha512 before
 * extracting, extracts into a work directory, writes the metadata file, then renames the directory
 * into place: readers see a complete runtime or none. Concurrent starts share one download: one
 * promise per major within a process, a lock file across processes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../errors.js';
import { acquireLock } from './install-lock.js';
import { majorOfVersion, nodePackageName, runtimeOfMajor } from './node-majors.js';
import { codeCacheWarning, recordRicCodeCache } from './ric-code-cache.js';
import { downloadVerified, newestRelease, registryUrl, type PackageRelease, type ProgressListener } from './registry-download.js';
import { cleanIncomplete, findInstalledNode, listInstalled, METADATA_FILE, runtimesRoot, type RuntimeMetadata } from './runtime-cache.js';

const run = promisify(execFile);

export interface ResolvedNode {
  /** Absolute path of the interpreter. */
  readonly path: string;
  /** Its version, without the `v`. */
  readonly version: string;
  readonly source: 'cache' | 'downloaded' | 'host';
}

/** The node running Lamina. */
export interface HostNode {
  readonly path: string;
  readonly version: string;
}

export const HOST_NODE: HostNode = { path: process.execPath, version: process.version.slice(1) };

export interface EnsureNodeOptions {
  /** Cache root (default: {@link runtimesRoot}). */
  readonly root?: string;
  /** Do not try the registry: the cache or the host only. */
  readonly offline?: boolean;
  /** Run on the host's node whatever its major (`--host-node`); the caller warns when it differs. */
  readonly allowHostNode?: boolean;
  /** Download progress (bytes so far, total). */
  readonly onProgress?: ProgressListener;
  /** Called when another process holds the install lock of this major. */
  readonly onWait?: (holderPid: string) => void;
  /** Registry base URL (default: `npm_config_registry`, else npmjs). */
  readonly registry?: string;
  /** The host's node (tests pretend another one). */
  readonly host?: HostNode;
  /**
   * Where to record the client's V8 code cache for a node this install downloads (default:
   * dist/ric, ric-code-cache.ts); false: do not record one.
   */
  readonly ricDir?: string | false;
  /** A problem that does not stop the install (the code cache could not be recorded); default: stderr. */
  readonly onWarning?: (message: string) => void;
  /** The AWS SDK store (aws-sdk-store.ts; default: under the runtimes cache root); false: install no SDK package. */
  readonly sdkRoot?: string | false;
  /** The boto3 store (boto3-store.ts; default: under the runtimes cache root). */
  readonly boto3Root?: string;
  /** What the SDK install is doing (default: stderr). */
  readonly onLine?: (line: string) => void;
}

/** No interpreter for a major: offline, or the download failed, with nothing in the cache. */
export function notInstalledError(major: number, reason: string, host: HostNode = HOST_NODE): ConfigError {
  return new ConfigError(
    `${runtimeOfMajor(major)} needs Node.js ${major}, which is not installed and could not be downloaded (${reason}). ` +
      `Install it when online with 'lamina runtimes install ${runtimeOfMajor(major)}', or run on this machine's node v${host.version} with --host-node`,
  );
}

async function extractInto(release: PackageRelease, archive: string, root: string): Promise<string> {
  const work = join(root, `.partial-${process.pid}-${release.version}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { mode: 0o755 });
  try {
    // The npm tarball's single top folder is `package/`.
    await run('tar', ['-xzf', archive, '-C', work, '--strip-components=1', '--no-same-owner'], { maxBuffer: 1024 * 1024 });
    const node = join(work, 'bin', 'node');
    if (!statSync(node, { throwIfNoEntry: false })?.isFile()) throw new Error(`${release.name}@${release.version} has no bin/node`);
    const { stdout } = await run(node, ['--version'], { timeout: 30_000 });
    if (stdout.trim() !== `v${release.version}`) throw new Error(`${release.name}@${release.version}: bin/node says ${stdout.trim()}`);
    const metadata: RuntimeMetadata = { version: release.version, package: release.name, integrity: release.integrity, tarball: release.tarball, installedAt: new Date().toISOString() };
    writeFileSync(join(work, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
    const target = join(root, `node-v${release.version}`);
    rmSync(target, { recursive: true, force: true }); // an incomplete one (no metadata), or a re-install
    renameSync(work, target);
    return join(target, 'bin', 'node');
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Install the newest release of `major` from the registry, unless that version is installed
 * already (or, with `reuseInstalled`, any version of the major). Holds the major's lock file
 * while it works. A node it downloads then gets the client's V8 code cache (after the lock is
 * released: waiters need the node, not the cache); failing that is a warning.
 *
 * @example const node = await installNode(24, { onProgress: printProgress }); // { source: 'downloaded', ... }
 */
export async function installNode(major: number, options: EnsureNodeOptions = {}, reuseInstalled = false): Promise<ResolvedNode> {
  const node = await installLocked(major, options, reuseInstalled);
  if (node.source === 'downloaded' && options.ricDir !== false) {
    const { problem } = await recordRicCodeCache(node.path, options.ricDir);
    if (problem !== undefined) (options.onWarning ?? ((text: string) => process.stderr.write(`${text}\n`)))(codeCacheWarning(node.path, problem));
  }
  return node;
}

async function installLocked(major: number, options: EnsureNodeOptions, reuseInstalled: boolean): Promise<ResolvedNode> {
  const root = options.root ?? runtimesRoot();
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const lock = await acquireLock(root, `node${major}`, options.onWait);
  try {
    cleanIncomplete(root);
    // Another process may have installed it while this one waited for the lock.
    const installed = reuseInstalled ? findInstalledNode(major, root) : undefined;
    if (installed !== undefined) return { path: installed.path, version: installed.version, source: 'cache' };
    const release = await newestRelease(nodePackageName(), major, options.registry ?? registryUrl());
    const present = listInstalled(root).find((node) => node.version === release.version);
    if (present !== undefined) return { path: present.path, version: present.version, source: 'cache' };
    const archive = join(root, `.download-${process.pid}-${release.version}.tgz`);
    try {
      await downloadVerified(release, archive, options.onProgress);
      const path = await extractInto(release, archive, root);
      return { path, version: release.version, source: 'downloaded' };
    } finally {
      rmSync(archive, { force: true });
    }
  } finally {
    lock.release();
  }
}

/** One install per cache root and major within this process. */
const pending = new Map<string, Promise<ResolvedNode>>();

/**
 * The interpreter for `nodejs<major>.x`: the host's node when its major matches (or when
 * `allowHostNode`), else the newest installed one, else downloaded now (once per major, shared by
 * concurrent callers and processes).
 *
 * @throws ConfigError naming `lamina runtimes install` when it is neither installed nor downloadable.
 * @example
 * const node = await ensureNode(22, { onProgress }); // { path: '/root/.cache/lamina/runtimes/node-v22.23.5/bin/node', version: '22.23.5', source: 'downloaded' }
 */
export async function ensureNode(major: number, options: EnsureNodeOptions = {}): Promise<ResolvedNode> {
  const host = options.host ?? HOST_NODE;
  if (majorOfVersion(host.version) === major || options.allowHostNode === true) return { path: host.path, version: host.version, source: 'host' };
  const root = options.root ?? runtimesRoot();
  const installed = findInstalledNode(major, root);
  if (installed !== undefined) return { path: installed.path, version: installed.version, source: 'cache' };
  if (options.offline === true) throw notInstalledError(major, 'offline', host);
  const key = `${root}\0${major}`;
  let install = pending.get(key);
  if (install === undefined) {
    install = installNode(major, { ...options, root }, true)
      .catch((error: unknown) => {
        throw notInstalledError(major, error instanceof Error ? error.message : String(error), host);
      })
      .finally(() => pending.delete(key));
    pending.set(key, install);
  }
  return install;
}
