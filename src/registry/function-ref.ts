/**
 * Function references as Lambda accepts them: a name, `name:qualifier`, a partial ARN
 * (`ACCOUNT:function:name`) or a full ARN, each with an optional version or alias. The invoke
 * front door and the registry read them the same way (src/invoke/parse-request.ts).
 */
import { type RegistryResult, ok, refuse } from './registry-types.js';

/** Lambda's `NamespacedFunctionName` pattern (length 1..170). */
export const FUNCTION_REF_PATTERN =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?(?<region>[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:)?(?<account>\d{12}:)?(function:)?(?<name>[a-zA-Z0-9-_.]+)(:(?<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?$/;
/** The same pattern as Lambda quotes it in its validation errors. */
export const FUNCTION_REF_PATTERN_TEXT =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
export const FUNCTION_REF_MAX_LENGTH = 170;

/** A reference split into its parts; region and account only when the reference named them. */
export interface FunctionRef {
  readonly name: string;
  readonly qualifier: string | undefined;
  readonly region: string | undefined;
  readonly accountId: string | undefined;
}

/**
 * Lambda's wording for a request member that breaks its model's constraint.
 *
 * @example validationMessage('x', 'name', 'Member must have length less than or equal to 128')
 */
export function validationMessage(value: string, field: string, constraint: string): string {
  return `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`;
}

/**
 * Split a function reference, validating it as Lambda does (`ValidationException` on a bad one).
 *
 * @example
 * parseFunctionRef('arn:aws:lambda:us-east-1:123456789012:function:f:prod');
 * // { ok: true, value: { name: 'f', qualifier: 'prod', region: 'us-east-1', accountId: '123456789012' } }
 */
export function parseFunctionRef(raw: string, field = 'functionName'): RegistryResult<FunctionRef> {
  if (raw.length < 1 || raw.length > FUNCTION_REF_MAX_LENGTH) {
    const bound = raw.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${FUNCTION_REF_MAX_LENGTH}`;
    return refuse('LAMINA_ERR_VALIDATION', validationMessage(raw, field, `Member must have length ${bound}`));
  }
  const groups = FUNCTION_REF_PATTERN.exec(raw)?.groups;
  const name = groups?.['name'];
  if (groups === undefined || name === undefined) {
    return refuse('LAMINA_ERR_VALIDATION', validationMessage(raw, field, `Member must satisfy regular expression pattern: ${FUNCTION_REF_PATTERN_TEXT}`));
  }
  return ok({
    name,
    qualifier: groups['qualifier'],
    region: groups['region']?.slice(0, -1),
    accountId: groups['account']?.slice(0, -1),
  });
}
