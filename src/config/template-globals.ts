/**
 * SAM's `Globals` section: `Globals.Function` properties apply to every
 * `AWS::Serverless::Function` of the template, merged the way the SAM translator merges them:
 * - a property only one side has is taken from that side;
 * - maps (that are not intrinsic functions) merge key by key, recursively, the resource winning,
 *   so `Environment.Variables` from both sides combine;
 * - lists are concatenated, globals first (e.g. `Layers`);
 * - anything else (scalars, intrinsic functions, mismatched types): the resource's value wins.
 */
import { isIntrinsic, isPlainObject } from './cfn-intrinsics.js';

/**
 * Merge one resource's properties over the template's `Globals.Function` properties.
 *
 * @example
 * mergeGlobals({ Timeout: 10, Environment: { Variables: { A: '1' } } },
 *              { Environment: { Variables: { B: '2' } } });
 * // { Timeout: 10, Environment: { Variables: { A: '1', B: '2' } } }
 */
export function mergeGlobals(
  globals: Readonly<Record<string, unknown>>,
  resource: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return mergeMaps(globals, resource);
}

function mergeMaps(global: Readonly<Record<string, unknown>>, local: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...global };
  for (const [key, value] of Object.entries(local)) {
    out[key] = Object.hasOwn(global, key) ? mergeValues(global[key], value) : value;
  }
  return out;
}

function mergeValues(global: unknown, local: unknown): unknown {
  if (isMergeableMap(global) && isMergeableMap(local)) return mergeMaps(global, local);
  if (Array.isArray(global) && Array.isArray(local)) return [...(global as unknown[]), ...(local as unknown[])];
  return local;
}

function isMergeableMap(v: unknown): v is Record<string, unknown> {
  return isPlainObject(v) && !isIntrinsic(v);
}

/** Properties SAM refuses in `Globals.Function` (they only make sense per function); Lamina drops them with a warning. */
export const NON_GLOBAL_FUNCTION_PROPERTIES: ReadonlySet<string> = new Set(['FunctionName', 'Events']);
