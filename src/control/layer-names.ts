/**
 * Layer names and ARNs as Lambda spells and checks them (docs/layers.md): a layer is
 * `arn:aws:lambda:<region>:<account>:layer:<name>`, one of its versions the same with `:<n>`.
 * API calls take the name or the layer's ARN in `LayerName`; functions name versions by ARN.
 */
import { ServiceError } from '../errors.js';
import { validationMessage } from '../registry/function-ref.js';

/** Lambda's pattern for `LayerName` (a name or a layer ARN), from the API reference. */
export const LAYER_NAME_PATTERN = '(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+';
/** Lambda's pattern for a layer version ARN (GetLayerVersionByArn's `Arn`, a function's `Layers`). */
export const LAYER_VERSION_ARN_PATTERN = 'arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+';

const NAME = new RegExp(`^(?:${LAYER_NAME_PATTERN})$`);
const VERSION_ARN = /^arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$/;
const LAYER_ARN = /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)$/;

/** Where layers live: the control plane's region and account. */
export interface LayerScope {
  readonly region: string;
  readonly accountId: string;
}

/**
 * Lambda's ValidationException text for one member that breaks a constraint.
 *
 * @example
 * validationError('a b', 'layerName', `Member must satisfy regular expression pattern: ${LAYER_NAME_PATTERN}`);
 */
export function validationError(value: unknown, member: string, constraint: string): ServiceError {
  const shown = Array.isArray(value) ? `[${value.map(String).join(', ')}]` : String(value);
  return new ServiceError('LAMINA_ERR_VALIDATION', validationMessage(shown, member, constraint));
}

/**
 * The layer ARN of a name in this scope.
 *
 * @example
 * layerArn({ region: 'us-east-1', accountId: '123456789012' }, 'deps'); // 'arn:aws:lambda:us-east-1:123456789012:layer:deps'
 */
export function layerArn(scope: LayerScope, name: string): string {
  return `arn:aws:lambda:${scope.region}:${scope.accountId}:layer:${name}`;
}

/**
 * `LayerName` as given (a name or a layer ARN) to the bare name, checked against Lambda's pattern
 * and length (1-140). A layer ARN of another account or region names nothing here: `undefined`.
 *
 * @throws ServiceError ValidationException for a malformed name.
 * @example
 * layerNameOf(scope, 'arn:aws:lambda:us-east-1:123456789012:layer:deps'); // 'deps'
 */
export function layerNameOf(scope: LayerScope, raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length < 1 || raw.length > 140) throw validationError(raw, 'layerName', 'Member must have length less than or equal to 140, Member must have length greater than or equal to 1');
  if (!NAME.test(raw)) throw validationError(raw, 'layerName', `Member must satisfy regular expression pattern: ${LAYER_NAME_PATTERN}`);
  const arn = LAYER_ARN.exec(raw);
  if (arn === null) return raw;
  return arn[1] === scope.region && arn[2] === scope.accountId ? arn[3] : undefined;
}

/** A parsed layer version ARN. */
export interface LayerVersionRef {
  readonly region: string;
  readonly accountId: string;
  readonly name: string;
  readonly version: number;
}

/**
 * Parse a layer version ARN; `undefined` when it does not match Lambda's pattern.
 *
 * @example
 * parseLayerVersionArn('arn:aws:lambda:us-east-1:123456789012:layer:deps:3'); // { region: 'us-east-1', accountId: '123456789012', name: 'deps', version: 3 }
 */
export function parseLayerVersionArn(arn: string): LayerVersionRef | undefined {
  const found = VERSION_ARN.exec(arn);
  if (found === null || arn.length > 140) return undefined;
  const version = Number(found[5]);
  if (!Number.isSafeInteger(version)) return undefined;
  return { region: found[2] ?? '', accountId: found[3] ?? '', name: found[4] ?? '', version };
}

/**
 * A version number from a path label (`VersionNumber`), as Lambda reads a long.
 *
 * @throws ServiceError ValidationException when it is not a whole number.
 * @example
 * versionNumberOf('3'); // 3
 */
export function versionNumberOf(raw: unknown): number {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?[0-9]{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw validationError(raw, 'versionNumber', 'Member must be a number');
  return value;
}
