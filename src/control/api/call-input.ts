/**
 * Reading a management call's input as Lambda does (docs/management-api.md), for every area: the function named in
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

/**
 * Lambda's ValidationException for one member; a value that is not a string is shown as JSON.
 *
 * @example validation('64', 'memorySize', 'Member must have value greater than or equal to 128')
 */
export function validation(value: unknown, field: string, constraint: string): ServiceError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return new ServiceError('LAMINA_ERR_VALIDATION', validationMessage(shown, field, constraint));
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

/**
 * How a member of the wrong JSON type is refused: `parse` as Lambda's request parser does
 * (InvalidRequestContentException, the functions area), `validation` as a model constraint
 * (ValidationException, the versions area's members, whose tests pin that wording).
 */
export type WrongType = 'parse' | 'validation';

/** What a string member must satisfy. */
export interface StringRules {
  readonly max?: number;
  readonly min?: number;
  readonly pattern?: RegExp;
  /** The pattern as Lambda's message writes it (default the RegExp's source). */
  readonly patternText?: string;
  readonly wrongType?: WrongType;
}

function wrongType(how: WrongType, raw: unknown, field: string, type: 'a string' | 'an integer'): ServiceError {
  if (how === 'parse') return new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: ${field} must be ${type}`);
  return validation(String(raw), field, `Member must be ${type}`);
}

/**
 * A string member: absent (undefined or null), or a string within its length and pattern.
 *
 * @example stringMember(body.Handler, 'handler', { max: 128, pattern: /^[^\s]+$/, patternText: '[^\\s]+' })
 */
export function stringMember(raw: unknown, field: string, rules: StringRules = {}): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw wrongType(rules.wrongType ?? 'parse', raw, field, 'a string');
  const { max = Number.POSITIVE_INFINITY, min = 0, pattern } = rules;
  if (raw.length > max) throw validation(raw, field, `Member must have length less than or equal to ${max}`);
  if (raw.length < min) throw validation(raw, field, `Member must have length greater than or equal to ${min}`);
  if (pattern !== undefined && !pattern.test(raw)) throw validation(raw, field, `Member must satisfy regular expression pattern: ${rules.patternText ?? pattern.source}`);
  return raw;
}

/**
 * An integer member: absent, or an integer within [min, max].
 *
 * @example integerMember(body.Timeout, 'timeout', 1, 900) // 30
 */
export function integerMember(raw: unknown, field: string, min: number, max: number, how: WrongType = 'parse'): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw)) throw wrongType(how, raw, field, 'an integer');
  if (raw < min) throw validation(String(raw), field, `Member must have value greater than or equal to ${min}`);
  if (raw > max) throw validation(String(raw), field, `Member must have value less than or equal to ${max}`);
  return raw;
}

/** `body[key]` as an optional string member (ValidationException for a wrong type). @example optionalString(call.body, 'Description', 256) */
export function optionalString(body: Readonly<Record<string, unknown>>, key: string, max = Number.POSITIVE_INFINITY): string | undefined {
  return stringMember(body[key], lowerFirst(key), { max, wrongType: 'validation' });
}

export function requiredString(body: Readonly<Record<string, unknown>>, key: string, max = Number.POSITIVE_INFINITY): string {
  const value = optionalString(body, key, max);
  if (value === undefined) throw validation('null', lowerFirst(key), 'Member must not be null');
  return value;
}

/** `body[key]` as an optional integer member within [min, max] (ValidationException for a wrong type). */
export function optionalInteger(body: Readonly<Record<string, unknown>>, key: string, min: number, max: number): number | undefined {
  return integerMember(body[key], lowerFirst(key), min, max, 'validation');
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
