/**
 * Reading a management call's input as Lambda does (docs/management-api.md): the function named in
 * the path (name, partial or full ARN, with an optional qualifier), typed body members with
 * Lambda's `ValidationException` wording, `Marker`/`MaxItems` pagination, and a registry refusal
 * turned into the thrown `ServiceError` the HTTP layer renders.
 */
import { ServiceError } from '../../errors.js';
import type { ManagementCall } from '../../management/management-port.js';
import type { FunctionEntry } from '../../registry/function-entry.js';
import { parseFunctionRef, validationMessage } from '../../registry/function-ref.js';
import type { RegistryResult } from '../../registry/registry-types.js';
import type { ControlContext } from './control-context.js';

/** The value of a registry answer, or its refusal thrown. @example const record = valueOf(await publishVersion(registry, 'f')); */
export function valueOf<T>(result: RegistryResult<T>): T {
  if (!result.ok) throw new ServiceError(result.error.code, result.error.message);
  return result.value;
}

export function validation(value: string, field: string, constraint: string): ServiceError {
  return new ServiceError('LAMINA_ERR_VALIDATION', validationMessage(value, field, constraint));
}

/** A function named in the path, with the qualifier its ARN carried (if any). */
export interface NamedFunction {
  readonly name: string;
  readonly qualifier: string | undefined;
  readonly entry: FunctionEntry;
}

/**
 * The function of the `FunctionName` path label; ResourceNotFoundException when there is none.
 *
 * @example const { name, entry } = namedFunction(context, call);
 */
export function namedFunction(context: ControlContext, call: ManagementCall, label = 'FunctionName'): NamedFunction {
  const parsed = valueOf(parseFunctionRef(call.labels[label] ?? '', 'functionName'));
  const entry = context.registry.entry(parsed.name);
  if (entry === undefined) valueOf(context.registry.notFound(parsed.name));
  return { name: parsed.name, qualifier: parsed.qualifier, entry: entry as FunctionEntry };
}

/** An optional string member; a present one of the wrong type or too long is a ValidationException. */
export function optionalString(body: Readonly<Record<string, unknown>>, key: string, max = Number.POSITIVE_INFINITY): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(String(value), lowerFirst(key), 'Member must be a string');
  if (value.length > max) throw validation(value, lowerFirst(key), `Member must have length less than or equal to ${max}`);
  return value;
}

export function requiredString(body: Readonly<Record<string, unknown>>, key: string, max = Number.POSITIVE_INFINITY): string {
  const value = optionalString(body, key, max);
  if (value === undefined) throw validation('null', lowerFirst(key), 'Member must not be null');
  return value;
}

/** An optional integer member within [min, max]. */
export function optionalInteger(body: Readonly<Record<string, unknown>>, key: string, min: number, max: number): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw validation(String(value), lowerFirst(key), 'Member must be an integer');
  if (value < min) throw validation(String(value), lowerFirst(key), `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validation(String(value), lowerFirst(key), `Member must have value less than or equal to ${max}`);
  return value;
}

/** Lambda names members in its validation messages with a lower-case first letter. */
function lowerFirst(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

/** One page of a list and the `NextMarker` of the next, if any. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextMarker: string | undefined;
}

/**
 * `Marker` and `MaxItems` (1 to `maxItems`, default `maxItems`): the marker is the position of the
 * next item, opaque to clients; a marker that is not one Lamina gave is InvalidParameterValue.
 *
 * @example paginate(versions, call.query, 10_000) // { items, nextMarker: '50' }
 */
export function paginate<T>(items: readonly T[], query: Readonly<Record<string, string>>, maxItems: number): Page<T> {
  const rawMax = query['MaxItems'];
  let size = maxItems;
  if (rawMax !== undefined) {
    size = Number(rawMax);
    if (!/^[0-9]+$/.test(rawMax) || size < 1 || size > maxItems) {
      throw validation(rawMax, 'maxItems', size < 1 ? 'Member must have value greater than or equal to 1' : `Member must have value less than or equal to ${maxItems}`);
    }
  }
  const marker = query['Marker'];
  const start = marker === undefined ? 0 : Number(marker);
  if (marker !== undefined && (!/^[0-9]+$/.test(marker) || start > items.length)) {
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Invalid marker');
  }
  const end = start + size;
  return { items: items.slice(start, end), nextMarker: end < items.length ? String(end) : undefined };
}

/** `Qualifier` from the query, or the qualifier the function's ARN carried; both must agree. */
export function qualifierOf(call: ManagementCall, named: NamedFunction): string | undefined {
  const fromQuery = call.query['Qualifier'];
  if (fromQuery !== undefined && named.qualifier !== undefined && fromQuery !== named.qualifier) {
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'The derived qualifier from the function name does not match the specified qualifier.');
  }
  return fromQuery ?? named.qualifier;
}
