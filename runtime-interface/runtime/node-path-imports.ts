/**
 * ES module imports that search NODE_PATH, as Lambda's Node.js 18 and later runtimes do
 * (docs/node-handler.md, "Modules outside the function's code"). Node's own ESM resolver never
 * reads NODE_PATH, so without this an `.mjs` handler could not import the AWS SDK the runtime
 * provides at /var/runtime/node_modules, nor a package from a layer's `nodejs/node_modules`.
 *
 * A bare specifier (`@aws-sdk/client-s3`, `lodash/fp`) that Node cannot find from the importing
 * file is looked up again from each `.../node_modules` folder of NODE_PATH in order; the first
 * hit wins, and when none has it the original error (Node's message, naming the importer) stands.
 *
 * - Node 22.15+, 23.5+: `module.registerHooks`, in the thread, about 0.6 ms.
 * - older (Node 20): `module.register`, whose hooks run in a worker that costs 70-90 ms to start
 *   (over a second at 128 MB's CPU share), so it is registered only for a layer's node_modules
 *   (under /opt) or when the handler's own file names `@aws-sdk/` or `@smithy/`.
 *
 * Only ESM handlers turn it on (handler-loader.ts): `require` already searches NODE_PATH.
 */

const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
const { join } = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');

type Resolved = { url: string; format?: string | null | undefined; shortCircuit?: boolean | undefined };
type ResolveContext = { parentURL?: string | undefined; conditions?: readonly string[]; importAttributes?: Record<string, string> };
type NextResolve = (specifier: string, context?: ResolveContext) => Resolved;
type ModuleWithHooks = {
  registerHooks?: (hooks: { resolve: (specifier: string, context: ResolveContext, next: NextResolve) => Resolved }) => unknown;
  register?: (specifier: string, options?: { data?: unknown }) => void;
};

/**
 * The parent URLs to resolve from: one per NODE_PATH folder named `node_modules` that exists.
 * Resolving `pkg` as if imported from `<dir>/x` walks `<dir>/node_modules/pkg` and then
 * `<dir>/../node_modules/pkg`, which is `<dir>/pkg`: the folder's own package, with its `exports`.
 *
 * @example nodePathParents('/opt/nodejs/node_modules:/var/runtime') // ['file:///opt/nodejs/node_modules/lamina-node-path.js'] when it exists
 */
export function nodePathParents(nodePath: string | undefined = process.env.NODE_PATH): string[] {
  const dirs = (nodePath ?? '').split(':').filter((dir) => dir.startsWith('/') && /\/node_modules\/?$/.test(dir));
  return [...new Set(dirs)].filter((dir) => existsSync(dir)).map((dir) => pathToFileURL(join(dir, 'lamina-node-path.js')).href);
}

/** A package name, not a path, URL or `#` import: what NODE_PATH can supply. */
export function isBareSpecifier(specifier: string): boolean {
  return /^(@[\w.-]+\/)?[\w.-]/.test(specifier) && !specifier.startsWith('.') && !/^[a-zA-Z][\w+.-]*:/.test(specifier);
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** The synchronous hook (registerHooks): Node's answer, else the first NODE_PATH folder's. */
function syncResolve(parents: readonly string[]) {
  return (specifier: string, context: ResolveContext, next: NextResolve): Resolved => {
    try {
      return next(specifier, context);
    } catch (error) {
      if (codeOf(error) !== 'ERR_MODULE_NOT_FOUND' || !isBareSpecifier(specifier)) throw error;
      for (const parentURL of parents) {
        try {
          return next(specifier, { ...context, parentURL });
        } catch (again) {
          if (codeOf(again) !== 'ERR_MODULE_NOT_FOUND') throw again;
        }
      }
      throw error;
    }
  };
}

/** The same hook for `module.register` (a module of its own, given as a data: URL). */
const ASYNC_HOOKS = `
let parents = [];
export function initialize(data) { parents = data.parents; }
const bare = (s) => /^(@[\\w.-]+\\/)?[\\w.-]/.test(s) && !s.startsWith('.') && !/^[a-zA-Z][\\w+.-]*:/.test(s);
export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !bare(specifier)) throw error;
    for (const parentURL of parents) {
      try { return await next(specifier, { ...context, parentURL }); } catch (again) { if (again?.code !== 'ERR_MODULE_NOT_FOUND') throw again; }
    }
    throw error;
  }
}`;

let enabled: 'sync' | 'async' | 'none' | undefined;

/** Whether a file's text names an AWS SDK package (unreadable: no). */
function namesSdk(file: string): boolean {
  try {
    const text = readFileSync(file, 'utf8');
    return text.includes('@aws-sdk/') || text.includes('@smithy/');
  } catch {
    return false;
  }
}

/**
 * Turns NODE_PATH lookups on for ESM imports, once per process; says how.
 *
 * @example
 * enableNodePathImports(); // 'sync' on Node 22.15+, 'async' on Node 20 with a layer's node_modules
 */
export function enableNodePathImports(nodePath: string | undefined = process.env.NODE_PATH, entry?: string): 'sync' | 'async' | 'none' {
  if (enabled !== undefined) return enabled;
  const parents = nodePathParents(nodePath);
  if (parents.length === 0) return (enabled = 'none');
  const module = process.getBuiltinModule('node:module') as unknown as ModuleWithHooks;
  if (typeof module.registerHooks === 'function') {
    module.registerHooks({ resolve: syncResolve(parents) });
    return (enabled = 'sync');
  }
  if (typeof module.register !== 'function') return (enabled = 'none');
  // Node 20: the worker costs 70-90 ms (a second at 128 MB's CPU share). Layers (/opt) are the
  // function's own choice; the runtime's SDK folder alone is worth it only when the handler's
  // file names the SDK (an SDK import only in a module it imports is not seen here).
  if (!parents.some((parent) => parent.startsWith('file:///opt/')) && (entry === undefined || !namesSdk(entry))) return (enabled = 'none');
  module.register(`data:text/javascript,${encodeURIComponent(ASYNC_HOOKS)}`, { data: { parents } });
  return (enabled = 'async');
}
