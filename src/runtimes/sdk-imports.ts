/**
 * Which packages of the AWS SDK a Node.js function imports without bringing them: the ones
 * Lambda's runtime would supply from /var/runtime/node_modules (aws-sdk-store.ts). The function's
 * JavaScript files are read for `import ... from '<pkg>'`, `import('<pkg>')`, `require('<pkg>')`
 * and `export ... from '<pkg>'` of `@aws-sdk/*` and `@smithy/*`; a package the code (its
 * `node_modules`) or a layer (`nodejs/node_modules`, `nodejs/nodeNN/node_modules`) has is left
 * out, since Node finds that one first.
 *
 * Bounded: at most {@link MAX_FILES} files of at most {@link MAX_FILE_BYTES} each are read, and
 * `node_modules` and hidden folders are skipped. A name built at run time (`require(name)`) is
 * not seen: `lamina runtimes install @aws-sdk/<pkg>` installs such a package by hand.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { SDK_PACKAGE } from './aws-sdk-store.js';
import { nodeMajorOf } from './node-majors.js';

export const MAX_FILES = 5_000;
/**
 * At most this many packages per function (the SDK has about 400 clients; a handler uses a few):
 * function code chooses the names, and each is a download into a store every function shares.
 */
export const MAX_PACKAGES = 64;
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
const SCRIPT = new Set(['.js', '.mjs', '.cjs']);

/** `from '@aws-sdk/x'`, `import '@aws-sdk/x'`, `import('@aws-sdk/x')`, `require('@aws-sdk/x/sub')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](@(?:aws-sdk|smithy)\/[a-z0-9][a-z0-9._-]*)(?:\/[^"'\s]*)?["']/g;

/**
 * The SDK package names a source text imports, sorted.
 *
 * @example sdkSpecifiersIn("import { S3Client } from '@aws-sdk/client-s3';") // ['@aws-sdk/client-s3']
 */
export function sdkSpecifiersIn(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(SPECIFIER)) if (match[1] !== undefined && SDK_PACKAGE.test(match[1])) names.add(match[1]);
  return [...names].sort();
}

/**
 * The files under `dir` whose extension is one of `extensions`, breadth first, at most
 * {@link MAX_FILES}, without node_modules, __pycache__ and hidden folders.
 *
 * @example codeFiles('/code', new Set(['.py'])) // ['/code/app.py', '/code/lib/db.py']
 */
export function codeFiles(dir: string, extensions: ReadonlySet<string> = SCRIPT): string[] {
  const found: string[] = [];
  const queue = [dir];
  for (let next = queue.shift(); next !== undefined && found.length < MAX_FILES; next = queue.shift()) {
    let entries;
    try {
      entries = readdirSync(next, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === '__pycache__') continue;
      const path = join(next, entry.name);
      if (entry.isDirectory()) queue.push(path);
      else if (entry.isFile() && extensions.has(extname(entry.name)) && found.length < MAX_FILES) found.push(path);
    }
  }
  return found;
}

/**
 * The text of each of {@link codeFiles} of at most {@link MAX_FILE_BYTES}; unreadable files are
 * skipped (the function's problem when it runs, not the scan's).
 */
export function* codeTexts(dir: string, extensions: ReadonlySet<string>): Generator<string> {
  for (const file of codeFiles(dir, extensions)) {
    let text: string;
    try {
      if (statSync(file).size > MAX_FILE_BYTES) continue;
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    yield text;
  }
}

/**
 * True when the function brings `name` itself: in its code's `node_modules` (/var/task/node_modules)
 * or a layer. A folder above the code does not count: an environment sees only /var/task.
 */
function provided(name: string, fn: FunctionConfig, major: number | undefined): boolean {
  if (existsSync(join(fn.codeDir, 'node_modules', name, 'package.json'))) return true;
  for (const layer of fn.layers ?? []) {
    const folders = [join(layer, 'nodejs', 'node_modules'), ...(major === undefined ? [] : [join(layer, 'nodejs', `node${major}`, 'node_modules')])];
    if (folders.some((folder) => existsSync(join(folder, name, 'package.json')))) return true;
  }
  return false;
}

/**
 * The SDK packages a Node.js function imports and does not bring (none for other runtimes).
 *
 * @example sdkImportsOf(fn) // ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']
 */
export function sdkImportsOf(fn: FunctionConfig): string[] {
  if (fn.launch.kind !== 'node-ric' || fn.image !== undefined) return [];
  const names = new Set<string>();
  for (const text of codeTexts(fn.codeDir, SCRIPT)) for (const name of sdkSpecifiersIn(text)) names.add(name);
  const major = nodeMajorOf(fn.runtime);
  return [...names].filter((name) => !provided(name, fn, major)).sort();
}

/**
 * Whether a Node.js function may use the AWS SDK at all (its own copy or the runtime's): its
 * scripts import an `@aws-sdk/*` or `@smithy/*` package, or its code or a layer has `@aws-sdk`.
 *
 * @example mentionsJsSdk(fn) // true for a handler that imports '@aws-sdk/client-sqs'
 */
export function mentionsJsSdk(fn: FunctionConfig): boolean {
  const folders = [join(fn.codeDir, 'node_modules'), ...(fn.layers ?? []).map((layer) => join(layer, 'nodejs', 'node_modules'))];
  if (folders.some((folder) => existsSync(join(folder, '@aws-sdk')))) return true;
  for (const text of codeTexts(fn.codeDir, SCRIPT)) if (sdkSpecifiersIn(text).length > 0) return true;
  return false;
}

/**
 * {@link sdkImportsOf}, cut to {@link MAX_PACKAGES} with a warning for the rest.
 *
 * @example boundedSdkImports(fn) // { names: ['@aws-sdk/client-s3'], warning: undefined }
 */
export function boundedSdkImports(fn: FunctionConfig): { names: string[]; warning: string | undefined } {
  const names = sdkImportsOf(fn);
  if (names.length <= MAX_PACKAGES) return { names, warning: undefined };
  return {
    names: names.slice(0, MAX_PACKAGES),
    warning: `${fn.name}: imports ${names.length} AWS SDK packages; only the first ${MAX_PACKAGES} (by name) are installed, the others will fail to import (lamina runtimes install @aws-sdk/<name> adds one)`,
  };
}
