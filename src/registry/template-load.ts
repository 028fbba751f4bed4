/**
 * A registry seeded at start from the template's functions, and from the state saved by the last
 * run when there is a store (docs/control-plane.md, "Persistence"), with the same refusals
 * `Platform` and `Admission` make (two functions of one name, reservations over the account's
 * limit): `AutoPublishAlias` becomes version 1 and an alias pointing at it.
 */
import { createHash } from 'node:crypto';
import type { FunctionConfig } from '../config/function-config.js';
import { ConfigError } from '../errors.js';
import { FunctionRegistry, type RegistryOptions } from './function-registry.js';
import type { CodeIdentity, VersionRecord } from './registry-types.js';
import { type RegistryStore, type StartState, mergeTemplate } from './saved-state.js';

/**
 * A template function's code identity without a snapshot port (a registry made for a test): the
 * zip's when the template gave a package; for a directory, a digest of its path. `lamina serve`
 * passes `RegistryOptions.snapshots`, whose identity is the directory's content.
 */
function pathIdentity(fn: FunctionConfig): CodeIdentity {
  if (fn.codePackage !== undefined) return fn.codePackage;
  return { sha256: createHash('sha256').update(fn.codeDir).digest('base64'), size: 0 };
}

function refuseTwins(functions: readonly FunctionConfig[]): void {
  const seen = new Set<string>();
  for (const fn of functions) {
    if (seen.has(fn.name)) throw new ConfigError(`Two functions are named ${fn.name}`);
    seen.add(fn.name);
  }
}

/**
 * The registry with its saved state and the template on top; every later change is written to the
 * store before it takes effect, and the store is brought in line with what was loaded.
 *
 * @example
 * const { registry, start } = registryFromState(template.functions, { accountConcurrency: 1000 }, ControlStore.open(stateDir));
 * for (const line of start.report) console.warn(line);
 */
export function registryFromState(functions: readonly FunctionConfig[], options: RegistryOptions, store: RegistryStore | undefined): { registry: FunctionRegistry; start: StartState } {
  refuseTwins(functions);
  const now = (options.now ?? (() => new Date()))();
  const snapshots = options.snapshots;
  const code = snapshots === undefined ? { codeOf: pathIdentity } : { codeOf: (fn: FunctionConfig) => snapshots.identity(fn), freeze: (latest: VersionRecord) => snapshots.freezeSync(latest) };
  const start = mergeTemplate(store?.functions() ?? [], store?.reservations() ?? new Map(), functions, { ...code, now });
  const hooked: RegistryOptions = store === undefined ? options : { ...options, beforeCommit: (change, entry, reservation) => Promise.resolve(store.commit(change, entry, reservation)) };
  const registry = new FunctionRegistry(hooked, start.reservations);
  for (const saved of start.functions) registry.load(saved.name, saved.entry);
  store?.replace(start);
  return { registry, start };
}

/**
 * @example
 * const registry = registryFromFunctions(loadTemplate('template.yaml', opts).functions, { accountConcurrency: 1000 });
 */
export function registryFromFunctions(functions: readonly FunctionConfig[], options: RegistryOptions = {}): FunctionRegistry {
  return registryFromState(functions, options, undefined).registry;
}
