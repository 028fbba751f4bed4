/**
 * Loads the user's handler named by `_HANDLER` from `LAMBDA_TASK_ROOT`,
 * following the official Node.js client's rules:
 *
 * - `_HANDLER` is `path/to/module.export.path`: the directory part is taken
 *   off, then the FIRST dot of the file part splits the module name from the
 *   export path, which may be dotted (`file.a.b` is export `a.b` of `file`).
 * - `..` anywhere is refused (`Runtime.MalformedHandlerName`).
 * - lookup order: extensionless (require), `.js` (require, or import() when the
 *   nearest package.json says `"type": "module"`), `.mjs` (import()), `.cjs`
 *   (require), then Node's own resolution from the task root (require).
 */
import type { Callback, Context } from 'aws-lambda';
import { HandlerNotFoundError, ImportModuleError, MalformedHandlerNameError, UserCodeSyntaxError } from './errors.js';
import { enableNodePathImports } from './node-path-imports.js';

// Cheaper than ESM imports of built-ins on the cold path, see errors.ts.
const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
const { basename, dirname, join, resolve } = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');

/** The signature the client calls: `(event, context, callback)`. */
export type UserHandler = (event: unknown, context: Context, callback: Callback) => unknown;

/** A loaded handler and what the loop needs to know about it. */
export interface LoadedHandler {
  handler: UserHandler;
  /** True for `async function` handlers: they fail (Runtime.NodeJsExit) when the event loop empties before they settle. */
  isAsync: boolean;
}

/** The parts of a `_HANDLER` string. */
export interface HandlerName {
  moduleRoot: string;
  moduleName: string;
  exportPath: string;
}

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

/**
 * Split a `_HANDLER` string.
 * @example
 * ```ts
 * parseHandlerName('src/app.handlers.main');
 * // { moduleRoot: 'src', moduleName: 'app', exportPath: 'handlers.main' }
 * ```
 */
export function parseHandlerName(fullHandler: string): HandlerName {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerNameError(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerPart = basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerPart)).replace(/\/$/, '');
  const match = FUNCTION_EXPR.exec(handlerPart);
  if (match === null || match[1] === undefined || match[2] === undefined) throw new MalformedHandlerNameError('Bad handler');
  return { moduleRoot, moduleName: match[1], exportPath: match[2] };
}

/** True when the nearest package.json above `folder` (not crossing node_modules) says `"type": "module"`. */
function isModuleScope(folder: string): boolean {
  for (let dir = folder; ; dir = dirname(dir)) {
    if (dir.endsWith('/node_modules')) return false;
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown } | null)?.type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
}

// In the CommonJS bundle, the bundle's own `require` is what createRequire(bundle path) would make,
// and using it saves loading `node:module` (~0.5 ms of cold start: it pulls in the ESM loader). The
// unbundled ESM build has no `require` and creates one.
const requireUserCode: NodeJS.Require =
  typeof require === 'function' ? require : process.getBuiltinModule('node:module').createRequire(import.meta.url);

const fromRequire = (file: string): unknown => (existsSync(file) ? requireUserCode(file) : undefined);
/**
 * `import()` as the loader of the bundle hands it over (runtime-interface/package/code-cache.ts): on
 * Node 20 a vm.Script compiled from a V8 code cache loses its dynamic-import callback
 * (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the loader, a plain CommonJS file, imports for us.
 */
const IMPORT_HOOK = Symbol.for('lamina.ric.import');
const hooks = globalThis as { [IMPORT_HOOK]?: (specifier: string) => Promise<unknown> };
const importUserCode = hooks[IMPORT_HOOK] ?? (async (specifier: string): Promise<unknown> => import(specifier));
delete hooks[IMPORT_HOOK];
/** An ES module handler: its imports search NODE_PATH first turned on, as on Lambda (node-path-imports.ts). */
const fromImport = async (file: string): Promise<unknown> => {
  if (!existsSync(file)) return undefined;
  enableNodePathImports(process.env.NODE_PATH, file);
  return await importUserCode(pathToFileURL(file).href);
};

async function loadModule(taskRoot: string, name: HandlerName): Promise<unknown> {
  const base = resolve(taskRoot, name.moduleRoot, name.moduleName);
  const esmScope = isModuleScope(dirname(base));
  const loaded =
    fromRequire(base) ??
    (esmScope ? await fromImport(`${base}.js`) : fromRequire(`${base}.js`)) ??
    (await fromImport(`${base}.mjs`)) ??
    fromRequire(`${base}.cjs`);
  if (loaded !== undefined) return loaded;
  // Like the official client: fall back to Node's resolution (node_modules, directories, package main).
  return requireUserCode(requireUserCode.resolve(name.moduleName, { paths: [taskRoot, name.moduleRoot] }));
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function findIn(exportPath: string, root: unknown): unknown {
  let current = root;
  for (const key of exportPath.split('.')) {
    if ((typeof current !== 'object' && typeof current !== 'function') || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Load and resolve the handler. Throws the Runtime.* errors of `errors.ts`
 * (ImportModuleError, UserCodeSyntaxError, HandlerNotFound,
 * MalformedHandlerName); an error thrown by the module's own top-level code
 * is passed through unchanged, as in the official client.
 *
 * @example
 * ```ts
 * const { handler } = await loadHandler('/var/task', 'index.handler');
 * ```
 */
export async function loadHandler(taskRoot: string, fullHandler: string): Promise<LoadedHandler> {
  const name = parseHandlerName(fullHandler);
  let userModule: unknown;
  try {
    userModule = await loadModule(taskRoot, name);
  } catch (error) {
    if (error instanceof SyntaxError) throw new UserCodeSyntaxError(error);
    // Only require()'s MODULE_NOT_FOUND is wrapped: like AWS's runtime, an ES module's missing
    // import (ERR_MODULE_NOT_FOUND) is reported as the plain Error it is.
    if (errorCode(error) === 'MODULE_NOT_FOUND') throw new ImportModuleError(error);
    throw error;
  }
  let handler = findIn(name.exportPath, userModule);
  if (!handler && typeof userModule === 'object' && userModule !== null && 'default' in userModule) {
    handler = findIn(name.exportPath, userModule.default);
  }
  if (!handler) throw new HandlerNotFoundError(`${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFoundError(`${fullHandler} is not a function`);
  return { handler: handler as UserHandler, isAsync: handler.constructor?.name === 'AsyncFunction' };
}
