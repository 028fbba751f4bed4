/**
 * Whether a Python function imports boto3 or botocore without bringing them: then Lamina supplies
 * them as Lambda's Python runtimes do (boto3-store.ts). The function's `.py` files are read (the
 * same bounds as sdk-imports.ts) for `import boto3`, `import os, botocore.session`,
 * `from boto3.dynamodb.conditions import Key`, at any indentation. A copy in the code
 * (`/var/task/boto3`) or a layer (`python/boto3`, `python/lib/python3.X/site-packages/boto3`) is
 * the one Python finds first, so nothing is needed then.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { codeTexts } from './sdk-imports.js';

const PYTHON = new Set(['.py']);
const IMPORT = /^[ \t]*(?:import[ \t][^\n#]*\b(?:boto3|botocore)\b|from[ \t]+(?:boto3|botocore)\b)/m;

/** The `python3.X` of a runtime name, for a layer's site-packages folder. */
function minorOf(runtime: string): string | undefined {
  return /^python(3\.\d+)$/.exec(runtime)?.[1];
}

function brings(fn: FunctionConfig): boolean {
  const minor = minorOf(fn.runtime);
  const folders = [fn.codeDir, ...(fn.layers ?? []).flatMap((layer) => [join(layer, 'python'), ...(minor === undefined ? [] : [join(layer, 'python', 'lib', `python${minor}`, 'site-packages')])])];
  return folders.some((folder) => existsSync(join(folder, 'boto3', '__init__.py')));
}

/**
 * @example importsBoto3(fn) // true for a python3.12 function whose app.py says `import boto3`
 */
export function importsBoto3(fn: FunctionConfig): boolean {
  if (fn.launch.kind !== 'python-ric' || fn.image !== undefined || brings(fn)) return false;
  return mentionsBoto3(fn.codeDir);
}

/** Whether the `.py` files under `codeDir` import boto3 or botocore (wherever it comes from). */
export function mentionsBoto3(codeDir: string): boolean {
  for (const text of codeTexts(codeDir, PYTHON)) if (IMPORT.test(text)) return true;
  return false;
}
