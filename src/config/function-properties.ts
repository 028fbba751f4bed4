/**
 * Validation of the function properties Lamina uses, against the documented Lambda limits
 * (docs/limits.md). Every rule broken is recorded in a TemplateReport (nothing throws here),
 * so a template with several problems is reported in one go.
 */
import { RESERVED_ENVIRONMENT_NAMES } from '../platform/environment-variables.js';
import { FUNCTION_LIMITS } from './function-config.js';
import { describeIntrinsic, isIntrinsic, isPlainObject, NO_VALUE, type IntrinsicResolver } from './cfn-intrinsics.js';

/** Problems (which stop the server) and warnings (which do not) found in a template. */
export class TemplateReport {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];

  /** Record a problem: `Resource <id>: property <property>: <message>`. */
  problem(resource: string, property: string, message: string): void {
    this.problems.push(`Resource ${resource}: property ${property}: ${message}`);
  }

  /** Record a problem that concerns a whole resource: `Resource <id>: <message>`. */
  resourceProblem(resource: string, message: string): void {
    this.problems.push(`Resource ${resource}: ${message}`);
  }

  warn(resource: string, property: string | undefined, message: string): void {
    this.warnings.push(property === undefined ? `Resource ${resource}: ${message}` : `Resource ${resource}: property ${property}: ${message}`);
  }
}

/** A property value as the loader sees it after resolving intrinsics. */
export type PropertyValue = { readonly present: false } | { readonly present: true; readonly value: unknown };

const ABSENT: PropertyValue = { present: false };

/** How a value is shown in messages: numbers as they are, everything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return isIntrinsic(value) ? describeIntrinsic(value) : JSON.stringify(value) ?? String(value);
}

/**
 * Resolve a property (intrinsics included). An unresolvable one is a problem and comes back
 * undefined; `AWS::NoValue` or an absent property comes back as not present.
 */
export function resolveProperty(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  resource: string,
  property: string,
  raw: unknown,
  deep = true,
): PropertyValue | undefined {
  if (raw === undefined || raw === null) return ABSENT;
  const r = deep ? resolver.resolve(raw) : resolver.resolveTop(raw);
  if (!r.ok) {
    report.problem(resource, property, `cannot resolve ${show(raw)}: ${r.reason}`);
    return undefined;
  }
  return r.value === NO_VALUE || r.value === undefined || r.value === null ? ABSENT : { present: true, value: r.value };
}

/** An integer from a number or a string of digits (CloudFormation accepts both), else undefined. */
export function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

export interface IntegerRule {
  readonly min: number;
  readonly max: number;
  /** Unit for messages, e.g. `MB`. */
  readonly unit: string;
}

/** Check an integer property against its range; returns undefined (and records a problem) when broken. */
export function integerProperty(report: TemplateReport, resource: string, property: string, value: unknown, rule: IntegerRule): number | undefined {
  const n = toInteger(value);
  if (n === undefined) {
    report.problem(resource, property, `${show(value)} is not an integer`);
    return undefined;
  }
  if (n < rule.min || n > rule.max) {
    const range = rule.max === Number.MAX_SAFE_INTEGER ? `below ${rule.min}` : `outside ${rule.min}-${rule.max}`;
    report.problem(resource, property, `${n} is ${range}${rule.unit === '' ? '' : ` ${rule.unit}`}`);
    return undefined;
  }
  return n;
}

export const MEMORY_RULE: IntegerRule = { min: FUNCTION_LIMITS.minMemoryMb, max: FUNCTION_LIMITS.maxMemoryMb, unit: 'MB' };
export const TIMEOUT_RULE: IntegerRule = { min: FUNCTION_LIMITS.minTimeoutS, max: FUNCTION_LIMITS.maxTimeoutS, unit: 'seconds' };
/** `EphemeralStorage.Size`: /tmp of 512 to 10,240 MB (docs/limits.md). */
export const EPHEMERAL_STORAGE_RULE: IntegerRule = { min: 512, max: 10_240, unit: 'MB' };
export const PROVISIONED_RULE: IntegerRule = { min: 1, max: Number.MAX_SAFE_INTEGER, unit: '' };
export const CONCURRENCY_RULE: IntegerRule = { min: 0, max: Number.MAX_SAFE_INTEGER, unit: '' };

/** Lambda's rule for environment variable names. */
export const ENVIRONMENT_NAME_PATTERN = /^[a-zA-Z]([a-zA-Z0-9_])+$/;

/**
 * The `Environment` property: `{ Variables: { NAME: value } }`. Values may be strings, numbers or
 * booleans (coerced to strings); a value that is an unresolvable intrinsic becomes `''` with a
 * warning, as `sam local` does. Names, reserved names and the 4 KB total are checked.
 */
export function environmentProperty(report: TemplateReport, resolver: IntrinsicResolver, resource: string, raw: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  const top = resolveProperty(report, resolver, resource, 'Environment', raw, false);
  if (top === undefined || !top.present) return env;
  if (!isPlainObject(top.value)) {
    report.problem(resource, 'Environment', `${show(top.value)} is not a map with Variables`);
    return env;
  }
  const vars = resolveProperty(report, resolver, resource, 'Environment.Variables', top.value.Variables, false);
  if (vars === undefined || !vars.present) return env;
  if (!isPlainObject(vars.value)) {
    report.problem(resource, 'Environment.Variables', `${show(vars.value)} is not a map of names to values`);
    return env;
  }
  let bytes = 0;
  for (const [name, rawValue] of Object.entries(vars.value)) {
    const property = `Environment.Variables.${name}`;
    if (!ENVIRONMENT_NAME_PATTERN.test(name)) {
      report.problem(resource, property, `name ${JSON.stringify(name)} must match [a-zA-Z]([a-zA-Z0-9_])+`);
      continue;
    }
    if (RESERVED_ENVIRONMENT_NAMES.has(name)) {
      report.problem(resource, property, `${name} is reserved by Lambda and cannot be set`);
      continue;
    }
    const r = resolver.resolve(rawValue);
    let value: unknown = r.ok ? r.value : '';
    if (!r.ok) report.warn(resource, property, `cannot resolve ${show(rawValue)} (${r.reason}); using an empty string`);
    if (value === NO_VALUE) continue;
    if (value === null) value = '';
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      report.problem(resource, property, `${show(value)} is not a string, number or boolean`);
      continue;
    }
    env[name] = String(value);
    bytes += Buffer.byteLength(name) + Buffer.byteLength(env[name]);
  }
  if (bytes > FUNCTION_LIMITS.maxEnvironmentBytes) {
    report.problem(resource, 'Environment.Variables', `total size ${bytes} bytes exceeds the ${FUNCTION_LIMITS.maxEnvironmentBytes} byte (4 KB) limit`);
  }
  return env;
}

const LOG_LEVELS: ReadonlySet<string> = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);

/** `LoggingConfig.LogFormat` (Text or JSON, default Text) and `ApplicationLogLevel` (JSON only). */
export function loggingProperty(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  resource: string,
  raw: unknown,
): { logFormat: 'Text' | 'JSON'; logLevel: string | undefined } {
  const result: { logFormat: 'Text' | 'JSON'; logLevel: string | undefined } = { logFormat: 'Text', logLevel: undefined };
  const config = resolveProperty(report, resolver, resource, 'LoggingConfig', raw);
  if (config === undefined || !config.present) return result;
  if (!isPlainObject(config.value)) {
    report.problem(resource, 'LoggingConfig', `${show(config.value)} is not a map`);
    return result;
  }
  const { LogFormat: format, ApplicationLogLevel: level } = config.value;
  if (format !== undefined && format !== 'Text' && format !== 'JSON') {
    report.problem(resource, 'LoggingConfig.LogFormat', `${show(format)} is not Text or JSON`);
  } else if (format === 'JSON') {
    result.logFormat = 'JSON';
  }
  if (level === undefined) return result;
  if (typeof level !== 'string' || !LOG_LEVELS.has(level)) {
    report.problem(resource, 'LoggingConfig.ApplicationLogLevel', `${show(level)} is not one of ${[...LOG_LEVELS].join(', ')}`);
  } else if (result.logFormat === 'JSON') {
    result.logLevel = level;
  } else {
    report.warn(resource, 'LoggingConfig.ApplicationLogLevel', 'ignored: application log levels apply only when LogFormat is JSON');
  }
  return result;
}
