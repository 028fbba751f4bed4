/**
 * The Python base image's root filesystem (src/containers/python-base.ts), laid out without a
 * container engine and run with chroot (as root): the machine's python3.X moved to /var/lang,
 * pruned, its stdlib bytecode still valid, Lamina's client at /var/runtime. Skips (saying why)
 * without an exact python3.X on the machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPython, PYTHON_RUNTIMES } from '../../src/config/python-runtime.js';
import { assembleBaseRootfs, baseImageChanges } from '../../src/containers/base-image.js';
import { keepStdlibPath } from '../../src/containers/python-base.js';

describe('keepStdlibPath', () => {
  it('keeps the library and its plain bytecode, drops tests, IDLE, tkinter, pip and optimised bytecode', () => {
    for (const kept of ['', 'json/__init__.py', 'json/__pycache__/__init__.cpython-312.pyc', 'lib-dynload/_ssl.cpython-312-x86_64-linux-gnu.so', 'site-packages', 'site-packages/README.txt', 'unittest/case.py', 'contest.py']) {
      expect(keepStdlibPath(kept), kept).toBe(true);
    }
    for (const dropped of [
      'test/test_os.py',
      'idlelib/idle.py',
      'tkinter/__init__.py',
      'turtledemo/clock.py',
      'ensurepip/_bundled/pip-23.2.1-py3-none-any.whl',
      'site-packages/pip/__init__.py',
      'config-3.12-x86_64-linux-gnu/libpython3.12.a',
      'json/__pycache__/__init__.cpython-312.opt-1.pyc',
      'lib-dynload/_tkinter.cpython-312-x86_64-linux-gnu.so',
      'lib-dynload/_testcapi.cpython-312-x86_64-linux-gnu.so',
      'ctypes/test/test_bytes.py',
      'distutils/tests/test_core.py',
    ]) {
      expect(keepStdlibPath(dropped), dropped).toBe(false);
    }
  });
});

const runtime = PYTHON_RUNTIMES.find((name) => findPython(name)?.warning === undefined && findPython(name) !== undefined);
if (runtime === undefined) console.warn('[python base] skipped: no python3.10-3.14 of its exact version on this machine');

describe.skipIf(runtime === undefined)(`the ${runtime ?? 'python3.X'} base root filesystem`, () => {
  const version = (runtime ?? '').replace('python', '');
  const root = mkdtempSync(join(tmpdir(), 'lamina-python-rootfs-'));
  const stdlib = join(root, 'var', 'lang', 'lib', `python${version}`);

  beforeAll(() => {
    assembleBaseRootfs(root, { python: findPython(runtime ?? '')?.path ?? '', runtime });
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('has the interpreter at /var/lang, the stdlib without tests, pip or optimised bytecode, and the client at /var/runtime', () => {
    expect(statSync(join(root, 'var', 'lang', 'bin', `python${version}`)).mode & 0o111).not.toBe(0);
    expect(existsSync(join(stdlib, 'os.py'))).toBe(true);
    expect(existsSync(join(stdlib, 'lib-dynload'))).toBe(true);
    for (const gone of ['test', 'idlelib', 'tkinter', 'ensurepip', 'site-packages/pip']) expect(existsSync(join(stdlib, gone)), gone).toBe(false);
    expect(readdirSync(join(stdlib, 'json', '__pycache__')).every((name) => !name.includes('.opt-'))).toBe(true);
    expect(readdirSync(stdlib).some((name) => name.startsWith('config-3'))).toBe(false);
    expect(readFileSync(join(root, 'var', 'runtime', 'bootstrap'), 'utf8')).toContain(`exec /var/lang/bin/python${version} -u /var/runtime/bootstrap.py`);
    const tag = version.replace('.', '');
    expect(existsSync(join(root, 'var', 'runtime', 'lamina_ric', '__pycache__', `loop.cpython-${tag}.pyc`))).toBe(true);
    expect(existsSync(join(root, 'var', 'lang', 'bin', 'node'))).toBe(false);
    expect(baseImageChanges(runtime)).toContain(`ENV AWS_EXECUTION_ENV=AWS_Lambda_${runtime ?? ''}`);
  });

  it('runs alone in that root (as root, chroot): prefix /var/lang, extension modules load, stdlib read from its bytecode', (context) => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: chroot needs root');
      return context.skip();
    }
    // The image's environment (BASE_IMAGE_ENV), nothing of the host's (sbin: where chroot is).
    const env = { PATH: '/var/lang/bin:/usr/bin:/bin:/usr/sbin:/sbin', LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64', PYTHONDONTWRITEBYTECODE: '1' };
    const script = 'import sys, ssl, sqlite3, decimal, ctypes, json; print(sys.prefix, "%d.%d" % sys.version_info[:2])';
    const run = spawnSync('chroot', [root, '/var/lang/bin/python3', '-v', '-c', script], { encoding: 'utf8', env });
    expect(run.stderr).not.toMatch(/Traceback/);
    expect(run.stdout.trim()).toBe(`/var/lang ${version}`);
    // Bytecode used, not recompiled: the copy kept the sources' timestamps.
    expect(run.stderr).toContain(`code object from '/var/lang/lib/python${version}/json/__pycache__/__init__.cpython-${version.replace('.', '')}.pyc'`);
    const client = spawnSync('chroot', [root, '/var/runtime/bootstrap'], { encoding: 'utf8', env: { ...env, _HANDLER: 'app.handler' } });
    // No Runtime API to talk to: the client says so, which proves it started on the image's Python.
    expect(`${client.stdout}${client.stderr}`).toMatch(/AWS_LAMBDA_RUNTIME_API/);
  }, 60_000);
});
