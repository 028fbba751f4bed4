/**
 * Reading the parsed options of `lamina event generate` in the types a kind wants, with errors that
 * name the option (ConfigError: exit status 2).
 */
import { ConfigError } from '../../errors.js';
import type { OptionValues } from './generator-types.js';

/**
 * A string option (its default is already applied by the parser).
 *
 * @example text({ body: 'hi' }, 'body') // 'hi'
 */
export function text(values: OptionValues, name: string): string {
  const value = values[name];
  return typeof value === 'string' ? value : '';
}

/** A string option that may be absent. */
export function optionalText(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A `flag` option. */
export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** A repeated option's values, in order. */
export function list(values: OptionValues, name: string): readonly string[] {
  const value = values[name];
  if (Array.isArray(value)) return value as readonly string[];
  return typeof value === 'string' ? [value] : [];
}

/**
 * Repeated `NAME=VALUE` options as pairs, in order (a value may hold `=`).
 *
 * @example pairs({ header: ['Accept=*\/*'] }, 'header') // [['Accept', '*\/*']]
 */
export function pairs(values: OptionValues, name: string): Array<readonly [string, string]> {
  return list(values, name).map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--${name} wants NAME=VALUE, got ${JSON.stringify(item)}`);
    return [item.slice(0, eq), item.slice(eq + 1)] as const;
  });
}

/**
 * JSON text given as an option, checked: the event carries it as it is.
 *
 * @example jsonText({ input: '{"a":1}' }, 'input') // '{"a":1}'
 */
export function jsonText(values: OptionValues, name: string): string | undefined {
  const value = optionalText(values, name);
  if (value === undefined) return undefined;
  try {
    JSON.parse(value);
  } catch (error) {
    throw new ConfigError(`--${name} must be JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return value;
}

/**
 * A name that goes into an ARN or a path: letters, digits, `-`, `_`, `.` (1-80 characters, as SQS
 * queue names; other services allow fewer characters, never more).
 */
export function resourceName(values: OptionValues, name: string): string {
  const value = text(values, name);
  if (!/^[A-Za-z0-9_.-]{1,80}$/.test(value)) throw new ConfigError(`--${name} must be 1-80 letters, digits, '-', '_' or '.', got ${JSON.stringify(value)}`);
  return value;
}
