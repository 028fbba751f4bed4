/**
 * From a reference (name, `name:qualifier`, partial or full ARN, and Invoke's `Qualifier`) to the
 * exact version an invoke runs, picking a weighted alias's version with the random source given.
 */
import { pickVersion } from './alias-rules.js';
import { type FunctionEntry, versionOf } from './function-entry.js';
import { parseFunctionRef } from './function-ref.js';
import { LATEST, type RegistryResult, type ResolvedTarget, ok, refuse } from './registry-types.js';

export interface ResolveContext {
  readonly entry: (name: string) => FunctionEntry | undefined;
  /** Builds the unqualified ARN of a function that does not exist, for Lambda's not-found message. */
  readonly arnOf: (name: string) => string;
  readonly random: () => number;
  /** When true, an ARN naming another region or account is not found; otherwise those parts are ignored, as today. */
  readonly strictArns: boolean;
}

/**
 * @example
 * resolveTarget(context, 'arn:aws:lambda:us-east-1:000000000000:function:f:live', undefined)
 * // { ok: true, value: { functionName: 'f', version: '2', alias: 'live', record } }
 */
export function resolveTarget(context: ResolveContext, reference: string, qualifier: string | undefined): RegistryResult<ResolvedTarget> {
  const parsed = parseFunctionRef(reference);
  if (!parsed.ok) return parsed;
  const ref = parsed.value;
  if (ref.qualifier !== undefined && qualifier !== undefined && ref.qualifier !== qualifier) {
    return refuse('LAMINA_ERR_INVALID_PARAMETER', 'The derived qualifier from the function name does not match the specified qualifier.');
  }
  const wanted = ref.qualifier ?? qualifier;
  const entry = context.entry(ref.name);
  const config = entry?.latest.config;
  const foreign = config !== undefined && context.strictArns && ((ref.region !== undefined && ref.region !== config.region) || (ref.accountId !== undefined && ref.accountId !== config.accountId));
  if (entry === undefined || foreign) {
    return refuse('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${context.arnOf(ref.name)}${wanted === undefined ? '' : `:${wanted}`}`);
  }
  const notFound = (): RegistryResult<ResolvedTarget> => refuse('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${entry.latest.config.arn}:${wanted ?? ''}`);
  if (wanted === undefined || wanted === LATEST) return ok({ functionName: ref.name, version: LATEST, record: entry.latest, alias: undefined });
  const published = /^[0-9]+$/.test(wanted) ? entry.versions.get(wanted) : undefined;
  if (published !== undefined) return ok({ functionName: ref.name, version: wanted, record: published, alias: undefined });
  const alias = entry.aliases.get(wanted);
  if (alias === undefined) return notFound();
  const version = pickVersion(alias.functionVersion, alias.routing, context.random);
  const record = versionOf(entry, version);
  // An alias's versions cannot be deleted while it names them; a missing one is a bug, not input.
  if (record === undefined) throw new Error(`Alias ${alias.arn} names version ${version}, which does not exist`);
  return ok({ functionName: ref.name, version, record, alias: alias.name });
}
