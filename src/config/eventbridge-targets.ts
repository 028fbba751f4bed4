/**
 * The parts of an EventBridge rule that SAM's `Events: EventBridgeRule` and a hand-written
 * `AWS::Events::Rule` share (docs/event-sources-eventbridge.md): the event pattern, the target's
 * input (Input, InputPath or InputTransformer: at most one), its RetryPolicy, the rule's state and
 * a Lambda target's ARN. Every problem names the resource and the property.
 */
import { compilePatternObject } from '../event-sources/filter-pattern.js';
import { compileJsonPath, compileTransformer } from '../event-sources/eventbridge/input-transform.js';
import { DEFAULT_TARGET_RETRY, type TargetInput, type TargetRetryPolicy } from '../event-sources/eventbridge/rule-types.js';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { parseTargetArn } from './async-targets.js';
import { integerProperty, resolveProperty, show, type TemplateReport } from './function-properties.js';

/** Where problems go: the resource, and the prefix of its property paths (`Events.X.Properties.` or `Targets[0].`). */
export interface RuleReader {
  readonly report: TemplateReport;
  readonly resolver: IntrinsicResolver;
  readonly resource: string;
}

/** Rule and target names: 1-64 of letters, digits, `.`, `-`, `_`. */
export const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
/** Bus names: 1-256 of letters, digits, `.`, `-`, `_`, `/`. */
export const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const MAX_INPUT = 8192;

/**
 * A property resolved: its value, or undefined when absent or broken (a problem recorded).
 *
 * @example read(r, props, 'Events.E.Properties.', 'Pattern')
 */
export function read(r: RuleReader, props: Readonly<Record<string, unknown>>, prefix: string, prop: string): unknown {
  const v = resolveProperty(r.report, r.resolver, r.resource, `${prefix}${prop}`, props[prop]);
  return v?.present === true ? v.value : undefined;
}

/**
 * A string property, or undefined (a problem recorded when it is not a string).
 *
 * @example text(r, props, '', 'Name')
 */
export function text(r: RuleReader, props: Readonly<Record<string, unknown>>, prefix: string, prop: string): string | undefined {
  const v = read(r, props, prefix, prop);
  if (v === undefined || typeof v === 'string') return v;
  r.report.problem(r.resource, `${prefix}${prop}`, `${show(v)} is not a string`);
  return undefined;
}

/**
 * An event pattern, as an object or its JSON text, checked by the matcher's compiler.
 *
 * @example eventPattern(r, props, '', 'EventPattern') // { source: ['shop'] }
 */
export function eventPattern(r: RuleReader, props: Readonly<Record<string, unknown>>, prefix: string, prop: string): Record<string, unknown> | undefined {
  const before = r.report.problems.length;
  let v = read(r, props, prefix, prop);
  if (v === undefined) {
    if (r.report.problems.length === before) r.report.problem(r.resource, `${prefix}${prop}`, 'is required');
    return undefined;
  }
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch (err) {
      r.report.problem(r.resource, `${prefix}${prop}`, `is not JSON (${(err as Error).message})`);
      return undefined;
    }
  }
  const compiled = compilePatternObject(v);
  if (!compiled.ok) {
    r.report.problem(r.resource, `${prefix}${prop}`, compiled.problem);
    return undefined;
  }
  return compiled.matcher.pattern as Record<string, unknown>;
}

/**
 * The target's input: Input, InputPath or InputTransformer (EventBridge takes one at most).
 *
 * @example targetInput(r, { InputPath: '$.detail' }, 'Events.E.Properties.') // { kind: 'path', ... }
 */
export function targetInput(r: RuleReader, props: Readonly<Record<string, unknown>>, prefix: string): TargetInput | undefined {
  const given = ['Input', 'InputPath', 'InputTransformer'].filter((k) => props[k] !== undefined && props[k] !== null);
  if (given.length > 1) {
    r.report.problem(r.resource, `${prefix}${given[1]}`, `${given.join(' and ')} cannot both be set (a target takes one of Input, InputPath, InputTransformer)`);
    return undefined;
  }
  const input = text(r, props, prefix, 'Input');
  if (input !== undefined) {
    if (input.length > MAX_INPUT) return void r.report.problem(r.resource, `${prefix}Input`, `${input.length} characters: at most ${MAX_INPUT}`);
    try {
      JSON.parse(input);
    } catch (err) {
      return void r.report.problem(r.resource, `${prefix}Input`, `is not JSON (a Lambda target is invoked with JSON): ${(err as Error).message}`);
    }
    return { kind: 'constant', text: input };
  }
  const path = text(r, props, prefix, 'InputPath');
  if (path !== undefined) {
    const compiled = compileJsonPath(path);
    if (typeof compiled === 'string') return void r.report.problem(r.resource, `${prefix}InputPath`, `${show(path)} ${compiled}`);
    return { kind: 'path', path: compiled };
  }
  const transformer = read(r, props, prefix, 'InputTransformer');
  if (transformer === undefined) return { kind: 'event' };
  const where = `${prefix}InputTransformer`;
  if (!isPlainObject(transformer)) return void r.report.problem(r.resource, where, `${show(transformer)} is not a map with InputTemplate and InputPathsMap`);
  for (const key of Object.keys(transformer)) {
    if (key !== 'InputTemplate' && key !== 'InputPathsMap') r.report.problem(r.resource, `${where}.${key}`, 'unknown property (InputTemplate, InputPathsMap)');
  }
  const template = text(r, transformer, `${where}.`, 'InputTemplate');
  if (template === undefined) return void r.report.problem(r.resource, `${where}.InputTemplate`, 'is required');
  const paths = read(r, transformer, `${where}.`, 'InputPathsMap') ?? {};
  if (!isPlainObject(paths)) return void r.report.problem(r.resource, `${where}.InputPathsMap`, `${show(paths)} is not a map of names to JSON paths`);
  const compiled = compileTransformer(paths, template);
  if ('problem' in compiled) return void r.report.problem(r.resource, `${where}.${compiled.property}`, compiled.problem);
  return compiled;
}

/**
 * `RetryPolicy: { MaximumRetryAttempts (0-185), MaximumEventAgeInSeconds (60-86,400) }`.
 *
 * @example retryPolicy(r, props, 'Events.E.Properties.') // { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 }
 */
export function retryPolicy(r: RuleReader, props: Readonly<Record<string, unknown>>, prefix: string): TargetRetryPolicy {
  const raw = read(r, props, prefix, 'RetryPolicy');
  if (raw === undefined) return DEFAULT_TARGET_RETRY;
  const where = `${prefix}RetryPolicy`;
  if (!isPlainObject(raw)) return r.report.problem(r.resource, where, `${show(raw)} is not a map`), DEFAULT_TARGET_RETRY;
  for (const key of Object.keys(raw)) {
    if (key !== 'MaximumRetryAttempts' && key !== 'MaximumEventAgeInSeconds') r.report.problem(r.resource, `${where}.${key}`, 'unknown property (MaximumRetryAttempts, MaximumEventAgeInSeconds)');
  }
  const int = (key: string, min: number, max: number, unit: string, fallback: number): number => {
    const v = read(r, raw, `${where}.`, key);
    return v === undefined ? fallback : integerProperty(r.report, r.resource, `${where}.${key}`, v, { min, max, unit }) ?? fallback;
  };
  return {
    maximumRetryAttempts: int('MaximumRetryAttempts', 0, 185, '', DEFAULT_TARGET_RETRY.maximumRetryAttempts),
    maximumEventAgeSeconds: int('MaximumEventAgeInSeconds', 60, 86_400, 'seconds', DEFAULT_TARGET_RETRY.maximumEventAgeSeconds),
  };
}

/**
 * `State` (ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS) and SAM's `Enabled`: whether the rule runs.
 *
 * @example ruleEnabled(r, { State: 'DISABLED' }, '', false) // false
 */
export function ruleEnabled(r: RuleReader, props: Readonly<Record<string, unknown>>, prefix: string, allowEnabled: boolean): boolean {
  const state = text(r, props, prefix, 'State');
  if (state !== undefined && !['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'].includes(state)) {
    r.report.problem(r.resource, `${prefix}State`, `${show(state)} is not ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`);
  }
  const flag = allowEnabled ? read(r, props, prefix, 'Enabled') : undefined;
  if (flag !== undefined && typeof flag !== 'boolean' && flag !== 'true' && flag !== 'false') r.report.problem(r.resource, `${prefix}Enabled`, `${show(flag)} is not true or false`);
  if (flag !== undefined && state !== undefined) r.report.problem(r.resource, `${prefix}State`, 'Enabled and State cannot both be set (SAM refuses it)');
  return !(state === 'DISABLED' || flag === false || flag === 'false');
}

/**
 * A target's function: the ARN of one of the template's functions, possibly qualified by its
 * AutoPublishAlias, a version or $LATEST. `'other'` for the ARN of another kind of target
 * (queues, topics, buses), which Lamina does not run.
 *
 * @example lambdaTarget(r, 'Targets[0].Arn', 'arn:aws:lambda:us-east-1:000000000000:function:Hello:live', scope)
 */
export function lambdaTarget(
  r: RuleReader,
  property: string,
  value: unknown,
  scope: { readonly region: string; readonly accountId: string; readonly functions: ReadonlyMap<string, string | undefined> },
): { functionName: string; qualifier: string | undefined; arn: string } | 'other' | undefined {
  const parsed = typeof value === 'string' ? parseTargetArn(value) : undefined;
  if (parsed === undefined || parsed === 's3') {
    if (typeof value === 'string' && /^arn:aws[a-z-]*:[a-z0-9-]+:/.test(value)) return 'other';
    return void r.report.problem(r.resource, property, `${show(value)} is not an ARN (use !GetAtt Function.Arn)`);
  }
  if (parsed.kind !== 'function') return 'other';
  const [, , , region, account] = parsed.arn.split(':');
  if (region !== scope.region || account !== scope.accountId || !scope.functions.has(parsed.functionName)) {
    return void r.report.problem(r.resource, property, `names unknown function ${parsed.functionName} (a rule's Lambda target must be a function of this template)`);
  }
  const q = parsed.qualifier;
  const alias = scope.functions.get(parsed.functionName);
  if (q !== undefined && q !== '$LATEST' && !/^\d+$/.test(q) && q !== alias) return void r.report.problem(r.resource, property, `names unknown alias ${q} of function ${parsed.functionName}`);
  return { functionName: parsed.functionName, qualifier: q === '$LATEST' ? undefined : q, arn: parsed.arn };
}
