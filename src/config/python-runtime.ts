/**
 * The `python3.*` runtimes: which interpreter of this machine runs each one (docs/python-handler.md).
 * Lamina ships no Python: a function on `python3.X` runs on the machine's `python3.X` (system
 * directories, PATH, pyenv's builds), else on its `python3` with a warning naming both versions.
 */
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

/** The Python runtimes Lambda offers today (python3.9 and older are deprecated there). */
export const PYTHON_RUNTIMES: readonly string[] = ['python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14'];

/** The system's directories, searched first: what a distribution or `make install` put there. */
const SYSTEM_DIRS = ['/usr/bin', '/usr/local/bin'];

/** `3.12.1` before `3.12.0` and `3.9.18`: newest first. */
function byVersionDescending(a: string, b: string): number {
  const [left, right] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const difference = (right[i] ?? 0) - (left[i] ?? 0);
    if (difference !== 0 && !Number.isNaN(difference)) return difference;
  }
  return b.localeCompare(a);
}

/**
 * Where an interpreter for `python3.X` is looked for, in order: the system's directories, PATH's
 * (pyenv's shims left out: they are bash scripts that choose a version per directory, and an
 * isolated environment has no bash), then pyenv's builds (`$PYENV_ROOT/versions/<v>/bin`, newest
 * first).
 *
 * @example
 * pythonSearchDirs({ PATH: '/root/.pyenv/shims:/usr/bin', HOME: '/root' });
 * // ['/usr/bin', '/usr/local/bin', '/root/.pyenv/versions/3.12.1/bin', ...]
 */
export function pythonSearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const pyenvRoot = env.PYENV_ROOT ?? join(env.HOME ?? homedir(), '.pyenv');
  const fromPath = (env.PATH ?? '').split(':').filter((dir) => dir.startsWith('/') && !dir.endsWith('/shims'));
  let versions: string[] = [];
  try {
    versions = readdirSync(join(pyenvRoot, 'versions')).sort(byVersionDescending);
  } catch {
    versions = [];
  }
  return [...new Set([...SYSTEM_DIRS, ...fromPath, ...versions.map((version) => join(pyenvRoot, 'versions', version, 'bin'))])];
}

/** The fallback for a version the machine lacks. */
export const HOST_PYTHON = '/usr/bin/python3';

export interface PythonChoice {
  /** Absolute path of the interpreter. */
  readonly path: string;
  /** `3.X` of the interpreter found. */
  readonly version: string;
  /** Set when the version differs from the runtime's: the warning to give. */
  readonly warning?: string | undefined;
}

const isExecutableFile = (path: string): boolean => {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat !== undefined && stat.isFile() && (stat.mode & 0o111) !== 0;
};

/** A script (`#!`): a shim or wrapper, not an interpreter an isolated environment could run. */
function isScript(path: string): boolean {
  const head = Buffer.alloc(2);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return readSync(fd, head, 0, 2, 0) === 2 && head.toString('latin1') === '#!';
  } catch {
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const versions = new Map<string, string | undefined>();

/** `3.X` of an interpreter: from its real name when that says it (python3.11), else by asking it. */
function versionOf(path: string): string | undefined {
  if (versions.has(path)) return versions.get(path);
  let version: string | undefined;
  try {
    version = /^python(3\.\d+)$/.exec(basename(realpathSync(path)))?.[1];
  } catch {
    version = undefined;
  }
  if (version === undefined) {
    const asked = spawnSync(path, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: 5000 });
    version = asked.status === 0 ? asked.stdout.trim() : undefined;
  }
  versions.set(path, version);
  return version;
}

/**
 * The interpreter for a `python3.X` runtime, or undefined when the machine has no Python 3 at all.
 *
 * @example
 * findPython('python3.11'); // { path: '/usr/bin/python3.11', version: '3.11' }
 * findPython('python3.13'); // { path: '/usr/bin/python3', version: '3.11', warning: 'python3.13 runs on ...' }
 */
export function findPython(runtime: string, dirs?: readonly string[], fallback = HOST_PYTHON): PythonChoice | undefined {
  const searched = dirs ?? pythonSearchDirs();
  const wanted = runtime.replace(/^python/, '');
  for (const dir of searched) {
    const path = `${dir}/python${wanted}`;
    if (isExecutableFile(path) && !isScript(path)) return { path, version: wanted };
  }
  const version = isExecutableFile(fallback) ? versionOf(fallback) : undefined;
  if (version === undefined) return undefined;
  if (version === wanted) return { path: fallback, version };
  const where = dirs === undefined ? `${SYSTEM_DIRS.join(', ')}, PATH or pyenv's versions` : dirs.join(' or ');
  const warning = `${runtime} runs on ${fallback} (Python ${version}) instead of Python ${wanted}: no python${wanted} in ${where}; code that needs Python ${wanted} may behave differently`;
  return { path: fallback, version, warning };
}
