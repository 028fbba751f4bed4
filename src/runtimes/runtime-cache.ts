/**
 * The cache of installed Node.js runtimes (docs/runtimes.md):
 *
 *   <root>/node-v<version>/bin/node            the official binary, extracted from the npm package
 *   <root>/node-v<version>/lamina-runtime.json integrity and install time, written before the
 *                                              directory is renamed into place: a `node-v*`
 *                                              directory without it is incomplete and ignored
 *   <root>/.partial-*, <root>/.download-*      work in progress of an install (removed when stale)
 *   <root>/.lock-node<major>.<pid>.tmp         a lock being written (install-lock.ts; removed when stale)
 *   <root>/.lock-node<major>                   held by the process installing (or pruning) that major
 *
 * The root is `LAMINA_RUNTIMES_DIR`, else `$XDG_CACHE_HOME/lamina/runtimes`, else
 * `~/.cache/lamina/runtimes`.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { compareVersions, majorOfVersion } from './node-majors.js';

/** The metadata file that marks an installed runtime complete. */
export const METADATA_FILE = 'lamina-runtime.json';

export interface RuntimeMetadata {
  readonly version: string;
  readonly package: string;
  /** The registry's `dist.integrity` the tarball was verified against. */
  readonly integrity: string;
  readonly tarball: string;
  readonly installedAt: string;
}

export interface InstalledNode {
  readonly version: string;
  readonly major: number;
  /** Absolute path of `bin/node`. */
  readonly path: string;
  /** The install directory, `<root>/node-v<version>`. */
  readonly dir: string;
  readonly metadata: RuntimeMetadata;
}

/**
 * Where runtimes are cached.
 *
 * @example runtimesRoot({ HOME: '/home/me' }) // '/home/me/.cache/lamina/runtimes'
 */
export function runtimesRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAMINA_RUNTIMES_DIR !== undefined && env.LAMINA_RUNTIMES_DIR !== '') return env.LAMINA_RUNTIMES_DIR;
  const cache = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME ?? homedir(), '.cache');
  return join(cache, 'lamina', 'runtimes');
}

function readMetadata(dir: string): RuntimeMetadata | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, METADATA_FILE), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const meta = parsed as Record<string, unknown>;
    if (typeof meta.version !== 'string' || typeof meta.integrity !== 'string') return undefined;
    return {
      version: meta.version,
      integrity: meta.integrity,
      package: typeof meta.package === 'string' ? meta.package : '',
      tarball: typeof meta.tarball === 'string' ? meta.tarball : '',
      installedAt: typeof meta.installedAt === 'string' ? meta.installedAt : '',
    };
  } catch {
    return undefined;
  }
}

/**
 * Every complete runtime in the cache, newest first.
 *
 * @example listInstalled().map((n) => n.version) // ['24.22.3', '22.23.5']
 */
export function listInstalled(root: string = runtimesRoot()): InstalledNode[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const found: InstalledNode[] = [];
  for (const name of names) {
    const match = /^node-v(\d+\.\d+\.\d+)$/.exec(name);
    if (match?.[1] === undefined) continue;
    const dir = join(root, name);
    const metadata = readMetadata(dir);
    const path = join(dir, 'bin', 'node');
    if (metadata === undefined || metadata.version !== match[1] || !statSync(path, { throwIfNoEntry: false })?.isFile()) continue;
    found.push({ version: match[1], major: majorOfVersion(match[1]), path, dir, metadata });
  }
  return found.sort((a, b) => compareVersions(b.version, a.version));
}

/**
 * The newest installed runtime of a major, or undefined. Synchronous: template loading uses it.
 *
 * @example findInstalledNode(22)?.path // '/root/.cache/lamina/runtimes/node-v22.23.5/bin/node'
 */
export function findInstalledNode(major: number, root: string = runtimesRoot()): InstalledNode | undefined {
  return listInstalled(root).find((node) => node.major === major);
}

/** Is the process that wrote a lock or a work directory still alive? */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove what interrupted installs left: `node-v*` directories without metadata, and work files
 * of processes that are gone. Returns the removed paths.
 */
export function cleanIncomplete(root: string = runtimesRoot()): string[] {
  if (!existsSync(root)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    // Work files of an install, and an install lock's own work file (install-lock.ts), named with their pid.
    const work = /^\.(?:partial|download)-(\d+)-/.exec(name) ?? /^\.lock-[\w.-]+\.(\d+)\.tmp$/.exec(name);
    const incomplete = /^node-v\d+\.\d+\.\d+$/.test(name) && readMetadata(path) === undefined;
    if (incomplete || (work?.[1] !== undefined && !processAlive(Number(work[1])))) {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  return removed;
}
