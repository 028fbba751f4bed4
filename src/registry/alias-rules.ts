/**
 * Lambda's rules for aliases and their routing (docs/control-plane.md): the name's pattern, what
 * an alias may point at, and the one additional version with its weight. Checks only: they read
 * the versions a function has and answer a refusal or nothing.
 */
import { validationMessage } from './function-ref.js';
import { type AliasRouting, LATEST, type RegistryError } from './registry-types.js';

/** Lambda's alias name pattern: letters, digits, `-`, `_`, and not all digits (that is a version). */
export const ALIAS_NAME_PATTERN = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;
export const ALIAS_NAME_PATTERN_TEXT = '(?!^[0-9]+$)([a-zA-Z0-9-_]+)';
export const ALIAS_NAME_MAX_LENGTH = 128;
/** What `FunctionVersion` may be: `$LATEST` or a version number, so never an alias. */
export const VERSION_PATTERN = /^(\$LATEST|[0-9]+)$/;
const VERSION_PATTERN_TEXT = '(\\$LATEST|[0-9]+)';

function invalid(code: RegistryError['code'], message: string): RegistryError {
  return { code, message };
}

/** @example aliasNameError('prod') // undefined; aliasNameError('42') // ValidationException */
export function aliasNameError(name: string): RegistryError | undefined {
  if (name.length < 1 || name.length > ALIAS_NAME_MAX_LENGTH) {
    const bound = name.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${ALIAS_NAME_MAX_LENGTH}`;
    return invalid('LAMINA_ERR_VALIDATION', validationMessage(name, 'name', `Member must have length ${bound}`));
  }
  if (!ALIAS_NAME_PATTERN.test(name)) {
    return invalid('LAMINA_ERR_VALIDATION', validationMessage(name, 'name', `Member must satisfy regular expression pattern: ${ALIAS_NAME_PATTERN_TEXT}`));
  }
  return undefined;
}

/**
 * Check an alias's target and routing against the versions the function has.
 *
 * @example aliasTargetError('2', { version: '1', weight: 0.1 }, (v) => v === '1' || v === '2', arn) // undefined
 */
export function aliasTargetError(
  functionVersion: string,
  routing: AliasRouting | undefined,
  exists: (version: string) => boolean,
  functionArn: string,
): RegistryError | undefined {
  if (!VERSION_PATTERN.test(functionVersion) || functionVersion.length > 1024) {
    return invalid('LAMINA_ERR_VALIDATION', validationMessage(functionVersion, 'functionVersion', `Member must satisfy regular expression pattern: ${VERSION_PATTERN_TEXT}`));
  }
  if (!exists(functionVersion)) return invalid('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${functionArn}:${functionVersion}`);
  if (routing === undefined) return undefined;
  if (!/^[0-9]+$/.test(routing.version)) {
    return invalid('LAMINA_ERR_VALIDATION', validationMessage(routing.version, 'routingConfig.additionalVersionWeights', 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]+]'));
  }
  if (!Number.isFinite(routing.weight) || routing.weight < 0 || routing.weight > 1) {
    return invalid('LAMINA_ERR_VALIDATION', validationMessage(String(routing.weight), 'routingConfig.additionalVersionWeights', 'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]'));
  }
  if (functionVersion === LATEST) {
    return invalid('LAMINA_ERR_INVALID_PARAMETER', '$LATEST is not supported for an alias pointing to more than 1 version');
  }
  if (routing.version === functionVersion) {
    return invalid('LAMINA_ERR_INVALID_PARAMETER', `Invalid function version ${routing.version}. Function version ${routing.version} is already included in routing configuration.`);
  }
  if (!exists(routing.version)) return invalid('LAMINA_ERR_INVALID_PARAMETER', `Function version ${routing.version} does not exist.`);
  return undefined;
}

/**
 * The version one invoke of a weighted alias runs: the additional version when the draw falls
 * under its weight. `random` gives numbers in [0, 1) (tests pass a seeded one).
 *
 * @example pickVersion('1', { version: '2', weight: 0.1 }, Math.random)
 */
export function pickVersion(functionVersion: string, routing: AliasRouting | undefined, random: () => number): string {
  if (routing === undefined || routing.weight <= 0) return functionVersion;
  return random() < routing.weight ? routing.version : functionVersion;
}
