/**
 * `python3.*` runtimes: which interpreter runs them (src/config/python-runtime.ts) and how a
 * template's Python function loads.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPython, PYTHON_RUNTIMES } from '../../src/config/python-runtime.js';
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

describe('findPython', () => {
  it('prefers python3.X of the first directory that has it', () => {
    const [a, b] = [tempDir(), tempDir()];
    fakePython(b, 'python3.12', '3.12');
    const fallback = fakePython(a, 'python3', '3.9');
    expect(findPython('python3.12', [a, b], fallback)).toEqual({ path: join(b, 'python3.12'), version: '3.12' });
  });

  it('falls back to python3 with a warning naming both versions, read from its real name', () => {
    const dir = tempDir();
    const real = fakePython(dir, 'python3.11', 'not asked');
    symlinkSync(real, join(dir, 'python3'));
    const choice = findPython('python3.13', [join(dir, 'none')], join(dir, 'python3'));
    expect(choice).toMatchObject({ path: join(dir, 'python3'), version: '3.11' });
    expect(choice?.warning).toContain('python3.13 runs on');
    expect(choice?.warning).toContain('Python 3.11');
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
    if (existsSync('/usr/bin/python3.9') || existsSync('/usr/local/bin/python3.9')) expect(load('python3.9').warnings.join('\n')).toContain('python3.9 is deprecated on Lambda since 2025-12-15');
    else expect(() => load('python3.9')).toThrow('python3.9 is deprecated on Lambda and runs only on its own interpreter');
  });
});
