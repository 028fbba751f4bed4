/**
 * The `python3.*` runtimes: which interpreter of this machine runs each one (docs/python-handler.md).
 * Lamina ships no Python: a function on `python3.X` runs on the machine's `python3.X`, else on its
 * `python3` with a warning naming both versions.
 */
import { realpathSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';

/** The Python runtimes Lambda offers today (python3.9 and older are deprecated there). */
export const PYTHON_RUNTIMES: readonly string[] = ['python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14'];

/** Where an interpreter for `python3.X` is looked for, in order. */
const SEARCH_DIRS = ['/usr/bin', '/usr/local/bin'];

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

const isExecutableFile = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isFile() === true;

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
export function findPython(runtime: string, dirs: readonly string[] = SEARCH_DIRS, fallback = HOST_PYTHON): PythonChoice | undefined {
  const wanted = runtime.replace(/^python/, '');
  for (const dir of dirs) {
    const path = `${dir}/python${wanted}`;
    if (isExecutableFile(path)) return { path, version: wanted };
  }
  const version = isExecutableFile(fallback) ? versionOf(fallback) : undefined;
  if (version === undefined) return undefined;
  if (version === wanted) return { path: fallback, version };
  const warning = `${runtime} runs on ${fallback} (Python ${version}): no python${wanted} in ${dirs.join(' or ')}; code that needs Python ${wanted} may behave differently`;
  return { path: fallback, version, warning };
}
