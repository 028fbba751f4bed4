/**
 * Which Python functions need the boto3 store (boto3-imports.ts): those whose code imports boto3
 * or botocore and brings neither, in its folder or a layer.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { importsBoto3 } from '../../src/runtimes/boto3-imports.js';
import { customRuntimeFunction } from '../helpers/function-config.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lamina-boto3-imports-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

const pythonFunction = (overrides: Partial<FunctionConfig> = {}): FunctionConfig =>
  customRuntimeFunction('fn', join(root, 'code'), { runtime: 'python3.12', handler: 'app.handler', launch: { kind: 'python-ric', runtime: 'python3.12', python: '/usr/bin/python3' }, ...overrides });

describe('importsBoto3', () => {
  it.each([
    ['import boto3', true],
    ['import os, botocore.session', true],
    ['from boto3.dynamodb.conditions import Key', true],
    ['def f():\n    import boto3\n    return boto3', true],
    ['from botocore.exceptions import ClientError', true],
    ['# import boto3 (not yet)\nimport json', false],
    ['import boto3_helpers', false],
    ['x = "import boto3"', false],
    ['import json', false],
  ])('%j -> %s', (text, expected) => {
    write('code/app.py', text);
    expect(importsBoto3(pythonFunction())).toBe(expected);
  });

  it('reads sub-folders but not __pycache__, hidden folders or other files', () => {
    write('code/app.py', 'import json');
    write('code/__pycache__/x.py', 'import boto3');
    write('code/.venv/x.py', 'import boto3');
    write('code/notes.txt', 'import boto3');
    expect(importsBoto3(pythonFunction())).toBe(false);
    write('code/lib/db.py', 'import boto3');
    expect(importsBoto3(pythonFunction())).toBe(true);
  });

  it('is false when the code or a layer brings boto3 (its copy is found first), and for other runtimes', () => {
    write('code/app.py', 'import boto3');
    write('code/boto3/__init__.py', '');
    expect(importsBoto3(pythonFunction())).toBe(false);
    rmSync(join(root, 'code', 'boto3'), { recursive: true });
    write('layer/python/lib/python3.12/site-packages/boto3/__init__.py', '');
    expect(importsBoto3(pythonFunction({ layers: [join(root, 'layer')] }))).toBe(false);
    expect(importsBoto3(pythonFunction({ layers: [join(root, 'other-layer')] }))).toBe(true);
    expect(importsBoto3(customRuntimeFunction('fn', join(root, 'code')))).toBe(false);
  });
});
