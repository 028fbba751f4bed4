/** `npm run build` byte-compiles the Python client for the interpreters python3.* runtimes use. */
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePythonClient } from '../../src/config/compile-python-client.js';
import { findPython } from '../../src/config/python-runtime.js';
import { PYTHON_RIC_DIR } from '../../src/platform/paths.js';

describe.skipIf(findPython('python3.11') === undefined)('compilePythonClient', () => {
  it('writes a __pycache__ for each interpreter, once per real interpreter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-pyc-'));
    try {
      cpSync(PYTHON_RIC_DIR, dir, { recursive: true, filter: (source) => !source.includes('__pycache__') });
      const compiled = compilePythonClient(dir);
      expect(compiled.length).toBeGreaterThan(0);
      expect(new Set(compiled).size).toBe(compiled.length);
      const cached = readdirSync(join(dir, 'lamina_ric', '__pycache__'));
      expect(cached.some((file) => /^runtime_api\.cpython-3\d+\.pyc$/.test(file))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
