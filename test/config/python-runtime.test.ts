/**
 * `python3.*` runtimes: which interpreter runs them (src/config/python-runtime.ts) and how a
 * template's Python function loads.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPython, PYTHON_RUNTIMES, pythonSearchDirs } from '../../src/config/python-runtime.js';
import { loadTemplate } from '../../src/config/sam-template.js';
import { ConfigError } from '../../src/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-py-'));
  dirs.push(dir);
  return dir;
}

/** A fake interpreter: a script that prints `version` when asked for it. */
function fakePython(dir: string, name: string, version: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho ${version}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A stand-in interpreter that is a binary (not a script): a copy of /bin/true. */
function binary(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  copyFileSync('/bin/true', path);
  chmodSync(path, 0o755);
  return path;
}

describe('findPython', () => {
  it('prefers python3.X of the first directory that has it', () => {
    const [a, b] = [tempDir(), tempDir()];
    binary(b, 'python3.12');
    const fallback = fakePython(a, 'python3', '3.9');
    expect(findPython('python3.12', [a, b], fallback)).toEqual({ path: join(b, 'python3.12'), version: '3.12' });
  });

  it('passes over scripts (pyenv\'s shims) and files that are not executable', () => {
    const [shims, plain, real] = [tempDir(), tempDir(), tempDir()];
    fakePython(shims, 'python3.12', '3.12');
    writeFileSync(join(plain, 'python3.12'), 'not executable');
    binary(real, 'python3.12');
    expect(findPython('python3.12', [shims, plain, real], '/nonexistent')?.path).toBe(join(real, 'python3.12'));
  });

  it('searches the system, then PATH without shims, then pyenv\'s versions newest first', () => {
    const root = tempDir();
    for (const version of ['3.9.18', '3.12.1', '3.12.10', '3.13.0']) mkdirSync(join(root, 'versions', version, 'bin'), { recursive: true });
    const dirs = pythonSearchDirs({ PATH: `/opt/py/bin:${root}/shims:relative:/usr/bin`, PYENV_ROOT: root });
    expect(dirs).toEqual(['/usr/bin', '/usr/local/bin', '/opt/py/bin', ...['3.13.0', '3.12.10', '3.12.1', '3.9.18'].map((v) => join(root, 'versions', v, 'bin'))]);
    expect(pythonSearchDirs({ PATH: '', HOME: root })).toEqual(['/usr/bin', '/usr/local/bin']); // no ~/.pyenv there
  });

  it('finds a python3.X built by pyenv when the system lacks it', () => {
    const root = tempDir();
    const path = binary(join(root, 'versions', '3.14.2', 'bin'), 'python3.14');
    binary(join(root, 'shims'), 'python3.14'); // even a binary in a shims directory is passed over
    expect(findPython('python3.14', pythonSearchDirs({ PATH: `${root}/shims`, PYENV_ROOT: root }).slice(2), '/nonexistent')?.path).toBe(path);
  });

  it.skipIf(!existsSync('/root/.pyenv/versions/3.12.1/bin/python3.12') || existsSync('/usr/bin/python3.12') || existsSync('/usr/local/bin/python3.12'))(
    'finds this machine\'s pyenv python3.12 by default, without a warning',
    () => {
      expect(findPython('python3.12')).toEqual({ path: '/root/.pyenv/versions/3.12.1/bin/python3.12', version: '3.12' });
    },
  );

  it('falls back to python3 with a warning naming both versions, read from its real name', () => {
    const dir = tempDir();
    const real = fakePython(dir, 'python3.11', 'not asked');
    symlinkSync(real, join(dir, 'python3'));
    const choice = findPython('python3.13', [join(dir, 'none')], join(dir, 'python3'));
    expect(choice).toMatchObject({ path: join(dir, 'python3'), version: '3.11' });
    expect(choice?.warning).toContain(`python3.13 runs on ${join(dir, 'python3')} (Python 3.11) instead of Python 3.13`);
  });

  it('asks the fallback for its version when its name does not say it, and warns not when it matches', () => {
    const dir = tempDir();
    const fallback = fakePython(dir, 'python-custom', '3.14');
    expect(findPython('python3.14', [join(dir, 'none')], fallback)).toEqual({ path: fallback, version: '3.14' });
  });

  it('finds nothing without any Python 3', () => {
    const dir = tempDir();
    expect(findPython('python3.10', [dir], join(dir, 'python3'))).toBeUndefined();
  });
});

describe('python3.* functions in a template', () => {
  function load(runtime: string, handler = 'app.lambda_handler') {
    const dir = tempDir();
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'app.py'), 'def lambda_handler(event, context):\n    return 1\n');
    const path = join(dir, 'template.yaml');
    writeFileSync(path, `Resources:\n  Py:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: ${runtime}\n      Handler: ${JSON.stringify(handler)}\n      CodeUri: src/\n`);
    // Before Lambda's deprecation of python3.10/3.11 (2026-06-30): test/config/runtime-catalog.test.ts has the warnings.
    return loadTemplate(path, { region: 'us-east-1', accountId: '000000000000', today: new Date('2026-01-01') });
  }

  it.each(PYTHON_RUNTIMES)('loads %s with the Python client on a python3 of this machine', (runtime) => {
    const { functions, warnings } = load(runtime);
    const launch = functions[0]?.launch;
    expect(launch).toMatchObject({ kind: 'python-ric', runtime });
    const python = launch?.kind === 'python-ric' ? launch.python : '';
    if (python.endsWith(`/${runtime}`)) expect(warnings).toEqual([]);
    else expect(warnings.join('\n')).toContain(`${runtime} runs on ${python}`);
  });

  it('refuses a Python function without a handler, and python3.9 without a python3.9 interpreter', () => {
    expect(() => load('python3.12', '')).toThrow(ConfigError);
    expect(() => load('python3.12', '')).toThrow('property Handler: is required for python3.12 (e.g. app.lambda_handler)');
    if (findPython('python3.9')?.version === '3.9') expect(load('python3.9').warnings.join('\n')).toContain('python3.9 is deprecated on Lambda since 2025-12-15');
    else expect(() => load('python3.9')).toThrow('python3.9 is deprecated on Lambda and runs only on its own interpreter');
  });
});
