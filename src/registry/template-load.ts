/**
 * A registry seeded from the template's functions at start, with the same refusals `Platform`
 * and `Admission` make today (two functions of one name, reservations over the account's
 * limit): `AutoPublishAlias` becomes version 1 and an alias pointing at it.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FunctionConfig } from '../config/function-config.js';
import { ConfigError } from '../errors.js';
import { newEntry, withAlias, withPublished } from './function-entry.js';
import { FunctionRegistry, type RegistryOptions } from './function-registry.js';
import type { CodeIdentity } from './registry-types.js';

/**
 * A template function's code identity: the zip's (Lambda's CodeSha256) when the template gave a
 * package; for a directory, a digest of its path, stable across restarts.
 */
function directoryIdentity(fn: FunctionConfig): CodeIdentity {
  if (fn.codePackage !== undefined) return fn.codePackage;
  return { sha256: createHash('sha256').update(fn.codeDir).digest('base64'), size: 0 };
}

/**
 * @example
 * const registry = registryFromFunctions(loadTemplate('template.yaml', opts).functions, { accountConcurrency: 1000 });
 */
export function registryFromFunctions(functions: readonly FunctionConfig[], options: RegistryOptions = {}, codeOf = directoryIdentity): FunctionRegistry {
  const reservations = new Map<string, number>();
  for (const fn of functions) if (fn.reservedConcurrency !== undefined) reservations.set(fn.name, fn.reservedConcurrency);
  const registry = new FunctionRegistry(options, reservations);
  const now = registry.now();
  for (const fn of functions) {
    if (registry.entry(fn.name) !== undefined) throw new ConfigError(`Two functions are named ${fn.name}`);
    let entry = newEntry(fn, codeOf(fn), '', now);
    if (fn.publishedAlias !== undefined) {
      const published = withPublished(entry, '');
      const alias = { name: fn.publishedAlias, functionVersion: published.record.version, description: '', routing: undefined, revisionId: randomUUID(), arn: `${fn.arn}:${fn.publishedAlias}` };
      entry = withAlias(published.entry, alias, fn.publishedAlias);
    }
    registry.load(fn.name, entry);
  }
  return registry;
}
