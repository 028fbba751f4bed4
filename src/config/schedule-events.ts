/**
 * The schedules of a SAM function (docs/event-sources-schedules.md): its `Events` of type
 * `Schedule` (an EventBridge rule) and `ScheduleV2` (an EventBridge Scheduler schedule), and
 * hand-written `AWS::Scheduler::Schedule` resources with a function target, read and
 * checked into ScheduleDefinitions for src/event-sources/schedule/scheduler.ts. Every problem
 * names the resource and the property (`Events.<Name>.<Property>`); properties that only matter
 * in AWS (roles, encryption keys, groups) are accepted with a warning.
 */
import { ConfigError } from '../errors.js';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { integerProperty, resolveProperty, show, type TemplateReport } from './function-properties.js';
import { parseScheduleExpression } from '../event-sources/schedule/schedule-expression.js';
import { daysInMonth, isTimeZone } from '../event-sources/schedule/zoned-time.js';
import { lambdaTarget } from './eventbridge-targets.js';
import { conditionFalse } from './queue-resources.js';
import { DEFAULT_SCHEDULE_RETRY, type ScheduleDefinition, type ScheduleExpression, type ScheduleRetryPolicy } from '../event-sources/schedule/schedule-types.js';

/** `Resource`: a hand-written AWS::Scheduler::Schedule, read as a ScheduleV2 whose Input and RetryPolicy sit in its Target. */
type Kind = 'Schedule' | 'ScheduleV2' | 'Resource';

const PROPERTIES: Readonly<Record<Kind, ReadonlySet<string>>> = {
  Schedule: new Set(['Schedule', 'Input', 'Enabled', 'State', 'Name', 'Description', 'RetryPolicy']),
  ScheduleV2: new Set(['ScheduleExpression', 'ScheduleExpressionTimezone', 'Input', 'State', 'StartDate', 'EndDate', 'FlexibleTimeWindow', 'RetryPolicy', 'Name', 'Description']),
  Resource: new Set(['ScheduleExpression', 'ScheduleExpressionTimezone', 'State', 'StartDate', 'EndDate', 'FlexibleTimeWindow', 'Name', 'Description', 'Target']),
};
/** Valid in SAM, meaningful only in AWS: accepted, ignored, said so. */
const IGNORED: Readonly<Record<Kind, ReadonlySet<string>>> = {
  Schedule: new Set(['RoleArn', 'DeadLetterConfig']),
  ScheduleV2: new Set(['RoleArn', 'DeadLetterConfig', 'GroupName', 'KmsKeyArn', 'OmitName', 'PermissionsBoundary']),
  Resource: new Set(['GroupName', 'KmsKeyArn']),
};
/** Rule and schedule names: 1-64 of letters, digits, `.`, `-`, `_`. */
const NAME_PATTERN = /^[.\-_A-Za-z0-9]{1,64}$/;
/** EventBridge's limit on a target's constant Input. */
const MAX_INPUT_CHARS = 8192;

interface EventReader {
  readonly report: TemplateReport;
  readonly resolver: IntrinsicResolver;
  readonly functionId: string;
  /** The prefix of property paths: `Events.<Name>.` for SAM events, `` for a resource. */
  readonly where: string;
  readonly kind: Kind;
}

/** Resolve `Events.<Name>.<prop>`: the value, or undefined when absent or broken (a problem recorded). */
function read(r: EventReader, props: Readonly<Record<string, unknown>>, prop: string): unknown {
  const v = resolveProperty(r.report, r.resolver, r.functionId, `${r.where}${prop}`, props[prop]);
  return v?.present === true ? v.value : undefined;
}

function problem(r: EventReader, prop: string, message: string): undefined {
  r.report.problem(r.functionId, `${r.where}${prop}`, message);
  return undefined;
}

function text(r: EventReader, props: Readonly<Record<string, unknown>>, prop: string): string | undefined {
  const v = read(r, props, prop);
  if (v === undefined || typeof v === 'string') return v;
  return problem(r, prop, `${show(v)} is not a string`);
}

function expression(r: EventReader, props: Readonly<Record<string, unknown>>, prop: string): ScheduleExpression | undefined {
  const before = r.report.problems.length;
  const raw = text(r, props, prop);
  if (raw === undefined) return r.report.problems.length > before ? undefined : problem(r, prop, 'is required');
  try {
    return parseScheduleExpression(raw, { allowAt: r.kind !== 'Schedule' });
  } catch (e) {
    if (e instanceof ConfigError) return problem(r, prop, e.message);
    throw e;
  }
}

function input(r: EventReader, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.length > MAX_INPUT_CHARS) return problem(r, 'Input', `${raw.length} characters: at most ${MAX_INPUT_CHARS}`);
  try {
    JSON.parse(raw);
  } catch (e) {
    return problem(r, 'Input', `is not valid JSON (a Lambda target needs JSON text): ${(e as Error).message}`);
  }
  return raw;
}

function enabled(r: EventReader, props: Readonly<Record<string, unknown>>): boolean {
  const flag = r.kind === 'Schedule' ? read(r, props, 'Enabled') : undefined;
  const state = text(r, props, 'State');
  if (flag !== undefined && typeof flag !== 'boolean' && flag !== 'true' && flag !== 'false') problem(r, 'Enabled', `${show(flag)} is not true or false`);
  if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED') problem(r, 'State', `${show(state)} is not ENABLED or DISABLED`);
  if (flag !== undefined && state !== undefined) problem(r, 'State', 'Enabled and State cannot both be set (SAM refuses it)');
  return !(flag === false || flag === 'false' || state === 'DISABLED');
}

function date(r: EventReader, props: Readonly<Record<string, unknown>>, prop: string): number | undefined {
  const v = text(r, props, prop);
  if (v === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(v);
  // Date.parse rolls 30 February over to March: check the day against the month first.
  const valid = m !== null && Number(m[3]) >= 1 && Number(m[3]) <= daysInMonth(Number(m[1]), Number(m[2]));
  const t = valid ? Date.parse(v) : Number.NaN;
  return Number.isNaN(t) ? problem(r, prop, `${show(v)} is not an ISO 8601 date and time with a zone (2026-01-01T00:00:00Z)`) : t;
}

function retryPolicy(r: EventReader, props: Readonly<Record<string, unknown>>): ScheduleRetryPolicy {
  const raw = read(r, props, 'RetryPolicy');
  if (raw === undefined) return DEFAULT_SCHEDULE_RETRY;
  if (!isPlainObject(raw)) return problem(r, 'RetryPolicy', `${show(raw)} is not a map`) ?? DEFAULT_SCHEDULE_RETRY;
  for (const key of Object.keys(raw)) {
    if (key !== 'MaximumRetryAttempts' && key !== 'MaximumEventAgeInSeconds') problem(r, `RetryPolicy.${key}`, 'unknown property (MaximumRetryAttempts, MaximumEventAgeInSeconds)');
  }
  const prop = (key: string, min: number, max: number, unit: string, fallback: number): number => {
    const v = read(r, raw, key);
    return v === undefined ? fallback : integerProperty(r.report, r.functionId, `${r.where}RetryPolicy.${key}`, v, { min, max, unit }) ?? fallback;
  };
  return {
    maximumRetryAttempts: prop('MaximumRetryAttempts', 0, 185, '', DEFAULT_SCHEDULE_RETRY.maximumRetryAttempts),
    maximumEventAgeSeconds: prop('MaximumEventAgeInSeconds', 60, 86_400, 'seconds', DEFAULT_SCHEDULE_RETRY.maximumEventAgeSeconds),
  };
}

/** `FlexibleTimeWindow`: OFF, or FLEXIBLE with MaximumWindowInMinutes 1-1440 (Lamina fires at the window's start). */
function flexibleWindow(r: EventReader, props: Readonly<Record<string, unknown>>): number | undefined {
  const raw = read(r, props, 'FlexibleTimeWindow');
  if (raw === undefined) return undefined;
  if (!isPlainObject(raw)) return problem(r, 'FlexibleTimeWindow', `${show(raw)} is not a map with Mode`);
  const mode = read(r, raw, 'Mode');
  const minutes = read(r, raw, 'MaximumWindowInMinutes');
  if (mode === 'OFF') return minutes === undefined ? undefined : problem(r, 'FlexibleTimeWindow.MaximumWindowInMinutes', 'is allowed only when Mode is FLEXIBLE');
  if (mode !== 'FLEXIBLE') return problem(r, 'FlexibleTimeWindow.Mode', `${show(mode)} is not OFF or FLEXIBLE`);
  if (minutes === undefined) return problem(r, 'FlexibleTimeWindow.MaximumWindowInMinutes', 'is required when Mode is FLEXIBLE');
  const n = integerProperty(r.report, r.functionId, `${r.where}FlexibleTimeWindow.MaximumWindowInMinutes`, minutes, { min: 1, max: 1440, unit: 'minutes' });
  if (n !== undefined) r.report.warn(r.functionId, `${r.where}FlexibleTimeWindow`, `FLEXIBLE: Lamina fires at the start of each ${n}-minute window, not at a random time within it`);
  return n;
}

function scheduleEvent(r: EventReader, eventName: string, functionName: string, publishedAlias: string | undefined, props: Readonly<Record<string, unknown>>): ScheduleDefinition | undefined {
  const before = r.report.problems.length;
  for (const key of Object.keys(props)) {
    if (IGNORED[r.kind].has(key)) r.report.warn(r.functionId, `${r.where}${key}`, 'ignored: it matters only in AWS');
    else if (!PROPERTIES[r.kind].has(key)) problem(r, key, `unknown property of ${r.kind === 'Resource' ? 'AWS::Scheduler::Schedule' : `a ${r.kind} event`} (${[...PROPERTIES[r.kind], ...IGNORED[r.kind]].join(', ')})`);
  }
  const exprProp = r.kind === 'Schedule' ? 'Schedule' : 'ScheduleExpression';
  const expr = expression(r, props, exprProp);
  const timezone = r.kind !== 'Schedule' ? (text(r, props, 'ScheduleExpressionTimezone') ?? 'UTC') : 'UTC';
  if (!isTimeZone(timezone)) problem(r, 'ScheduleExpressionTimezone', `${show(timezone)} is not an IANA time zone name (such as Europe/Paris)`);
  const id = `${r.functionId}${eventName}`;
  const name = text(r, props, 'Name') ?? id;
  if (!NAME_PATTERN.test(name)) problem(r, 'Name', `${show(name)} must be 1-64 letters, digits, dots, hyphens or underscores`);
  const description = text(r, props, 'Description');
  if (description !== undefined && description.length > 512) problem(r, 'Description', `${description.length} characters: at most 512`);
  // A Scheduler resource keeps its Input and RetryPolicy in its Target.
  const target = r.kind === 'Resource' ? { r: { ...r, where: 'Target.' }, props: isPlainObject(props.Target) ? props.Target : {} } : { r, props };
  const payload = input(target.r, text(target.r, target.props, 'Input'));
  const isEnabled = enabled(r, props);
  const startDate = r.kind !== 'Schedule' ? date(r, props, 'StartDate') : undefined;
  const endDate = r.kind !== 'Schedule' ? date(r, props, 'EndDate') : undefined;
  if (startDate !== undefined && endDate !== undefined && endDate <= startDate) problem(r, 'EndDate', 'must be after StartDate');
  const flexibleWindowMinutes = r.kind !== 'Schedule' ? flexibleWindow(r, props) : undefined;
  const retry = retryPolicy(target.r, target.props);
  if (r.report.problems.length > before || expr === undefined) return undefined;
  return {
    id,
    kind: r.kind === 'Schedule' ? 'rule' : 'scheduler',
    functionName,
    qualifier: publishedAlias === '' ? undefined : publishedAlias,
    expression: expr,
    timezone,
    input: payload,
    enabled: isEnabled,
    name,
    ...(description === undefined ? {} : { description }),
    ...(startDate === undefined ? {} : { startDate }),
    ...(endDate === undefined ? {} : { endDate }),
    ...(flexibleWindowMinutes === undefined ? {} : { flexibleWindowMinutes }),
    retry,
  };
}

/**
 * The schedules among one function's `Events` (merged with Globals); other event types are left
 * to their own readers.
 *
 * @example
 * scheduleEvents(report, resolver, 'HelloFn', 'hello', undefined, { Every: { Type: 'Schedule', Properties: { Schedule: 'rate(5 minutes)' } } });
 * // [{ id: 'HelloFnEvery', kind: 'rule', expression: { kind: 'rate', periodMs: 300000, ... }, ... }]
 */
export function scheduleEvents(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  functionId: string,
  functionName: string,
  publishedAlias: string | undefined,
  events: unknown,
): ScheduleDefinition[] {
  const out: ScheduleDefinition[] = [];
  if (!isPlainObject(events)) return out; // a malformed Events is reported by ./api-events.ts
  for (const [eventName, event] of Object.entries(events)) {
    if (!isPlainObject(event) || (event.Type !== 'Schedule' && event.Type !== 'ScheduleV2')) continue;
    const r: EventReader = { report, resolver, functionId, where: `Events.${eventName}.`, kind: event.Type };
    const props = event.Properties ?? {};
    if (!isPlainObject(props)) {
      problem(r, 'Properties', `${show(props)} is not a map`);
      continue;
    }
    const schedule = scheduleEvent(r, eventName, functionName, publishedAlias, props);
    if (schedule !== undefined) out.push(schedule);
  }
  return out;
}

/**
 * Hand-written `AWS::Scheduler::Schedule` resources whose `Target.Arn` is a function of the template
 * (by `!GetAtt Fn.Arn`, or qualified by its alias or a version): read as ScheduleV2 events are, with
 * `Input` and `RetryPolicy` taken from the Target. Schedules of other targets are skipped with a warning.
 *
 * @example
 * schedulerResources(report, resolver, resources, { region: 'us-east-1', accountId: '000000000000', functions: new Map([['Hello', undefined]]) });
 */
export function schedulerResources(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  resources: Readonly<Record<string, unknown>>,
  scope: { readonly region: string; readonly accountId: string; readonly functions: ReadonlyMap<string, string | undefined> },
): ScheduleDefinition[] {
  const out: ScheduleDefinition[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (!isPlainObject(resource) || resource.Type !== 'AWS::Scheduler::Schedule' || conditionFalse(resolver, resource)) continue;
    const props = resource.Properties;
    if (!isPlainObject(props)) {
      report.resourceProblem(id, 'Properties must be a map with ScheduleExpression, FlexibleTimeWindow and Target');
      continue;
    }
    const r: EventReader = { report, resolver, functionId: id, where: '', kind: 'Resource' };
    const target = read(r, props, 'Target');
    if (!isPlainObject(target)) {
      problem(r, 'Target', target === undefined ? 'is required' : `${show(target)} is not a map with Arn`);
      continue;
    }
    if (props.FlexibleTimeWindow === undefined) problem(r, 'FlexibleTimeWindow', 'is required (Mode: OFF, or FLEXIBLE with MaximumWindowInMinutes)');
    for (const key of Object.keys(target).filter((k) => !['Arn', 'Input', 'RetryPolicy'].includes(k))) {
      report.warn(id, `Target.${key}`, key === 'RoleArn' || key === 'DeadLetterConfig' ? 'ignored: it matters only in AWS' : 'ignored: it applies to targets other than Lambda functions');
    }
    const fn = lambdaTarget({ report, resolver, resource: id }, 'Target.Arn', read(r, target, 'Arn'), scope);
    if (fn === 'other') report.warn(id, 'Target.Arn', 'is not a Lambda function: Lamina runs only schedules of this template\'s functions; this one is skipped');
    if (fn === undefined || fn === 'other') continue;
    out.push(...[scheduleEvent(r, '', fn.functionName, fn.qualifier ?? '', props)].filter((d) => d !== undefined));
  }
  return out;
}
