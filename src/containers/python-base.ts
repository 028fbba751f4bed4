/**
 * The Python side of `lamina image base --runtime python3.X`: the machine's interpreter moved to
 * /var/lang as in AWS's `python3.X` base images (docs/containers.md):
 *
 *   /var/lang/bin/python3.X (+ python3, python)   the binary
 *   /var/lang/lib/python3.X/                       its standard library and lib-dynload, pruned
 *   /var/lang/lib/libpython3.X.so.1.0              when the build is shared (pyenv's are)
 *   the shared libraries the binary and lib-dynload's modules link (ldd), at their own paths
 *   /var/runtime/bootstrap, bootstrap.py, lamina_ric/   Lamina's Python client, byte-compiled
 *
 * CPython finds its prefix from where its binary is (the `lib/python3.X/os.py` landmark), so the
 * copy needs no PYTHONHOME. Left out to keep the image small: the test suites, IDLE, tkinter,
 * turtledemo, ensurepip and whatever site-packages held (pip), the static libpython of
 * `config-3.X-*`, and the stdlib's optimised `.opt-1`/`.opt-2` bytecode. The plain `.pyc` files
 * stay: the root filesystem is read-only, so without them every cold start would compile each
 * stdlib module it imports again (docs/containers.md has the measurement).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { PYTHON_RIC_DIR } from '../platform/paths.js';
import { execWrapperLines } from '../platform/exec-wrapper-script.js';

/** Where an interpreter keeps its files (asked of the interpreter itself). */
export interface PythonLayout {
  /** `3.12`. */
  readonly version: string;
  /** sys.base_prefix, e.g. /usr or /root/.pyenv/versions/3.12.1. */
  readonly prefix: string;
  /** The standard library directory (sysconfig's `stdlib`). */
  readonly stdlib: string;
  /** The C extension modules' directory (lib-dynload). */
  readonly dynload: string;
}

const LAYOUT_SCRIPT = [
  'import json, sys, sysconfig, os',
  'stdlib = sysconfig.get_path("stdlib")',
  'print(json.dumps({"version": "%d.%d" % sys.version_info[:2], "prefix": sys.base_prefix, "stdlib": stdlib,',
  '  "dynload": os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload")}))',
].join('\n');

/**
 * @throws Error when the interpreter cannot say (not a CPython 3, or it does not run).
 * @example pythonLayout('/usr/bin/python3.11') // { version: '3.11', prefix: '/usr', stdlib: '/usr/lib/python3.11', dynload: '/usr/lib/python3.11/lib-dynload' }
 */
export function pythonLayout(python: string): PythonLayout {
  const run = spawnSync(python, ['-I', '-c', LAYOUT_SCRIPT], { encoding: 'utf8', timeout: 10_000 });
  if (run.status !== 0) throw new Error(`${python} could not describe its layout: ${run.stderr.trim() || run.error?.message || `exit ${run.status ?? 'none'}`}`);
  return JSON.parse(run.stdout) as PythonLayout;
}

/** Directory names left out wherever they are in the stdlib. */
const PRUNED_DIRS = new Set(['test', 'tests', 'idle_test', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', '__phello__']);
/** lib-dynload modules that only the test suite or tkinter load. */
const PRUNED_MODULES = /^(_test|_tkinter|_ctypes_test|xxlimited|_xxtestfuzz|_xxsubinterpreters|_xxinterpchannels|xxsubtype)/;

/**
 * Whether a stdlib path (relative to the stdlib directory) goes into the image.
 * @example keepStdlibPath('json/__init__.py') // true
 * @example keepStdlibPath('test/test_os.py') // false
 */
export function keepStdlibPath(path: string): boolean {
  if (path === '') return true;
  const parts = path.split(sep);
  const [top] = parts;
  if (parts.some((part) => PRUNED_DIRS.has(part))) return false;
  if (top !== undefined && top.startsWith('config-3')) return false;
  if (top === 'site-packages') return parts.length === 1 || parts[1] === 'README.txt';
  const name = parts[parts.length - 1] ?? '';
  if (/\.opt-[12]\.pyc$/.test(name)) return false;
  if (top === 'lib-dynload' && parts.length === 2 && PRUNED_MODULES.test(name)) return false;
  return true;
}

/**
 * Strip the symbol tables of the interpreter's ELF files in the image (pyenv builds keep them:
 * 81 MB against 48 MB for 3.12). Without `strip` (binutils) the image is only bigger.
 * @example stripPythonBinaries('/tmp/rootfs', '3.12');
 */
export function stripPythonBinaries(root: string, version: string): void {
  const lang = join(root, 'var', 'lang');
  const found = spawnSync('find', [join(lang, 'bin'), join(lang, 'lib'), '-type', 'f', '(', '-name', `python${version}`, '-o', '-name', '*.so', '-o', '-name', '*.so.*', ')'], { encoding: 'utf8' });
  const files = found.stdout.split('\n').filter((line) => line !== '');
  if (files.length > 0) spawnSync('strip', ['--strip-unneeded', ...files], { stdio: 'ignore' });
}

/** The shell script AWS's python images have as /var/runtime/bootstrap, running Lamina's client. */
function bootstrapScript(version: string): string {
  // -u: `print` reaches the log at once, before the invocation's answer (as in the process sandbox).
  // AWS_LAMBDA_EXEC_WRAPPER as AWS's python bootstrap honours it (src/platform/exec-wrapper.ts).
  return `#!/bin/sh\n# Lamina's Python ${version} runtime interface client (runtime-interface/python/).\n${execWrapperLines(`/var/lang/bin/python${version} -u /var/runtime/bootstrap.py "$@"`)}`;
}

/**
 * Copy the interpreter, its pruned stdlib and Lamina's client into `root`; returns the host
 * programs whose shared libraries the image needs (the binary and each kept extension module),
 * and the library directory under the prefix whose libraries go to /var/lang/lib.
 *
 * @example
 * const { linked } = assemblePythonRootfs('/tmp/rootfs', '/usr/bin/python3.11');
 */
export function assemblePythonRootfs(root: string, python: string): { layout: PythonLayout; linked: string[] } {
  const layout = pythonLayout(python);
  const lang = join(root, 'var', 'lang');
  const binary = join(lang, 'bin', `python${layout.version}`);
  mkdirSync(join(lang, 'bin'), { recursive: true });
  cpSync(realpathSync(python), binary);
  chmodSync(binary, 0o755);
  for (const alias of ['python3', 'python']) symlinkSync(`python${layout.version}`, join(lang, 'bin', alias));
  const stdlib = join(lang, 'lib', `python${layout.version}`);
  // Timestamps kept: a .pyc is used only when the source's mtime and size match its header.
  cpSync(layout.stdlib, stdlib, { recursive: true, preserveTimestamps: true, filter: (source) => keepStdlibPath(relative(layout.stdlib, source)) });
  if (!layout.dynload.startsWith(`${layout.stdlib}${sep}`)) {
    cpSync(layout.dynload, join(stdlib, 'lib-dynload'), { recursive: true, preserveTimestamps: true, filter: (source) => keepStdlibPath(join('lib-dynload', relative(layout.dynload, source))) });
  }
  const runtime = join(root, 'var', 'runtime');
  // Not the host's boto3 link (lamina-sdk, src/runtimes/boto3-store.ts): it would dangle in the image.
  cpSync(PYTHON_RIC_DIR, runtime, { recursive: true, filter: (source) => basename(source) !== '__pycache__' && basename(source) !== 'lamina-sdk' });
  writeFileSync(join(runtime, 'bootstrap'), bootstrapScript(layout.version), { mode: 0o755 });
  // The client byte-compiled by the image's own interpreter, with /var/runtime as its file names.
  const compiled = spawnSync(python, ['-I', '-m', 'compileall', '-q', '-d', '/var/runtime', runtime], { encoding: 'utf8', timeout: 60_000 });
  if (compiled.status !== 0) throw new Error(`compiling Lamina's Python client with ${python} failed: ${compiled.stderr.trim() || compiled.stdout.trim()}`);
  const dynload = join(stdlib, 'lib-dynload');
  const modules = spawnSync('find', [dynload, '-name', '*.so'], { encoding: 'utf8' }).stdout.split('\n').filter((line) => line !== '');
  // ldd on the copies: what they link is the same; the originals may be fewer (pruned ones gone).
  return { layout, linked: [realpathSync(python), ...modules] };
}
