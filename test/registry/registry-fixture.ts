/** A registry with functions made for the registry's tests (no processes run). */
import { bootstrapFunction } from '../helpers/function-config.js';
import { createFunction } from '../../src/registry/latest-changes.js';
import { FunctionRegistry, type RegistryOptions } from '../../src/registry/function-registry.js';
import type { CodeIdentity, RegistryResult } from '../../src/registry/registry-types.js';

export function code(sha256: string): CodeIdentity {
  return { sha256, size: sha256.length };
}

/** The value of a result the test expects to succeed (fails the test with the refusal otherwise). */
export function value<T>(result: RegistryResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** The refusal of a result the test expects to fail. */
export function refusal<T>(result: RegistryResult<T>): { code: string; message: string } {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.error;
}

export async function registryWith(names: readonly string[], options: RegistryOptions = {}): Promise<FunctionRegistry> {
  const registry = new FunctionRegistry(options);
  for (const name of names) value(await createFunction(registry, bootstrapFunction(name), code(`sha-${name}`)));
  return registry;
}
