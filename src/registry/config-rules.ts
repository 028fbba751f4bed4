/**
 * The checks the registry makes on a new function or a configuration change: the function name
 * and the ranges Lambda's model gives memory and timeout (docs/limits.md). Field formats that need
 * a package or a runtime (handler, layers) are the management API's to check.
 */
import { FUNCTION_LIMITS } from '../config/function-config.js';
import { validationMessage } from './function-ref.js';
import type { ConfigPatch } from './function-entry.js';
import type { RegistryError } from './registry-types.js';

/** A function's own name (not a reference): at most 64 letters, digits, `-` and `_`. */
export const FUNCTION_NAME_PATTERN = /^[a-zA-Z0-9-_]{1,64}$/;

/** @example functionNameError('my-fn') // undefined */
export function functionNameError(name: string): RegistryError | undefined {
  if (FUNCTION_NAME_PATTERN.test(name)) return undefined;
  const constraint = name.length > 64 ? 'Member must have length less than or equal to 64' : 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+';
  return { code: 'LAMINA_ERR_VALIDATION', message: validationMessage(name, 'functionName', constraint) };
}

function outOfRange(value: number | undefined, field: string, min: number, max: number): RegistryError | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value)) return { code: 'LAMINA_ERR_VALIDATION', message: validationMessage(String(value), field, 'Member must be an integer') };
  if (value < min) return { code: 'LAMINA_ERR_VALIDATION', message: validationMessage(String(value), field, `Member must have value greater than or equal to ${min}`) };
  if (value > max) return { code: 'LAMINA_ERR_VALIDATION', message: validationMessage(String(value), field, `Member must have value less than or equal to ${max}`) };
  return undefined;
}

/** @example configPatchError({ memorySize: 64 }) // ValidationException: at least 128 */
export function configPatchError(patch: ConfigPatch): RegistryError | undefined {
  return (
    outOfRange(patch.memorySize, 'memorySize', FUNCTION_LIMITS.minMemoryMb, FUNCTION_LIMITS.maxMemoryMb) ??
    outOfRange(patch.timeout, 'timeout', FUNCTION_LIMITS.minTimeoutS, FUNCTION_LIMITS.maxTimeoutS)
  );
}
