/**
 * EventBridge schedule expressions (docs/event-sources-schedules.md):
 * - `rate(value unit)`: a positive integer and `minute`/`hour`/`day` — singular when the value is
 *   1, plural otherwise (`rate(1 minute)`, `rate(5 minutes)`), as EventBridge insists;
 * - `cron(Minutes Hours Day-of-month Month Day-of-week Year)`: ./cron-fields.ts;
 * - `at(yyyy-mm-ddThh:mm:ss)`: a one-time schedule, EventBridge Scheduler (`ScheduleV2`) only.
 */
import { ConfigError } from '../../errors.js';
import { parseCronFields } from './cron-fields.js';
import { nextCronTime } from './cron-next.js';
import type { ScheduleExpression } from './schedule-types.js';
import { daysInMonth, instantOf } from './zoned-time.js';

const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface ParseOptions {
  /** Accept `at(...)` (EventBridge Scheduler); EventBridge rules do not. */
  readonly allowAt?: boolean;
}

function rate(text: string, inner: string): ScheduleExpression {
  const m = /^(\S+) +(\S+)$/.exec(inner.trim());
  if (m === null) throw new ConfigError(`${text}: a rate is rate(value unit), e.g. rate(5 minutes)`);
  const [, rawValue = '', unit = ''] = m;
  if (!/^\d+$/.test(rawValue) || Number(rawValue) === 0) throw new ConfigError(`${text}: the value ${JSON.stringify(rawValue)} is not a positive integer`);
  const n = Number(rawValue);
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  const ms = UNIT_MS[singular];
  if (ms === undefined) throw new ConfigError(`${text}: the unit ${JSON.stringify(unit)} is not minute(s), hour(s) or day(s)`);
  if (n === 1 && unit !== singular) throw new ConfigError(`${text}: with a value of 1 the unit is singular (${singular}), not ${unit}`);
  if (n > 1 && unit === singular) throw new ConfigError(`${text}: with a value above 1 the unit is plural (${singular}s), not ${unit}`);
  if (!Number.isSafeInteger(n * ms)) throw new ConfigError(`${text}: the value ${n} is too large`);
  return { kind: 'rate', text, periodMs: n * ms };
}

function at(text: string, inner: string): ScheduleExpression {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(inner);
  if (m === null) throw new ConfigError(`${text}: a one-time schedule is at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-12-31T23:59:00)`);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw new ConfigError(`${text}: ${inner} is not a valid date and time`);
  }
  return { kind: 'at', text, wall: { year, month, day, hour, minute, second } };
}

/**
 * Parse a schedule expression.
 *
 * @throws ConfigError saying what is wrong (`rate(1 minutes): with a value of 1 the unit is singular (minute), not minutes`).
 * @example parseScheduleExpression('rate(5 minutes)'); // { kind: 'rate', periodMs: 300000, ... }
 */
export function parseScheduleExpression(text: string, options: ParseOptions = {}): ScheduleExpression {
  const m = /^(rate|cron|at)\((.*)\)$/s.exec(text);
  if (m === null) {
    const kinds = options.allowAt === true ? 'rate(...), cron(...) or at(...)' : 'rate(...) or cron(...)';
    throw new ConfigError(`${JSON.stringify(text)} is not a schedule expression: expected ${kinds}`);
  }
  const [, kind, inner = ''] = m;
  if (kind === 'rate') return rate(text, inner);
  if (kind === 'at') {
    if (options.allowAt !== true) throw new ConfigError(`${text}: one-time at(...) schedules exist only in EventBridge Scheduler (ScheduleV2)`);
    return at(text, inner);
  }
  try {
    return { kind: 'cron', text, cron: parseCronFields(inner) };
  } catch (e) {
    throw new ConfigError(`${text}: ${(e as Error).message}`);
  }
}

export interface NextFireOptions {
  /** IANA zone of cron and at expressions; default UTC. Rates ignore it. */
  readonly timezone?: string;
  /** When a rate's periods start counting (the schedule's creation or StartDate); default `after`. */
  readonly anchor?: Date;
}

/**
 * The first time after `after` at which the expression fires, or undefined when it never will
 * again (an `at` in the past, a cron whose years are over).
 *
 * @example nextFireTime(parseScheduleExpression('cron(0 9 ? * MON *)'), new Date('2026-11-30T12:00:00Z')); // 2026-12-07T09:00Z
 */
export function nextFireTime(expression: ScheduleExpression | string, after: Date, options: NextFireOptions = {}): Date | undefined {
  const expr = typeof expression === 'string' ? parseScheduleExpression(expression, { allowAt: true }) : expression;
  const zone = options.timezone ?? 'UTC';
  const t = after.getTime();
  switch (expr.kind) {
    case 'rate': {
      const anchor = options.anchor?.getTime() ?? t;
      if (anchor > t) return new Date(anchor); // a StartDate still ahead: the first period starts there
      return new Date(anchor + (Math.floor((t - anchor) / expr.periodMs) + 1) * expr.periodMs);
    }
    case 'at': {
      // A wall time skipped by DST fires at the same wall time read with the earlier offset (the
      // instant keeps going); see docs/event-sources-schedules.md.
      const instant = instantOf(expr.wall, zone) ?? instantOf({ ...expr.wall, hour: expr.wall.hour + 1 }, zone);
      return instant !== undefined && instant > t ? new Date(instant) : undefined;
    }
    case 'cron': {
      const next = nextCronTime(expr.cron, t, zone);
      return next === undefined ? undefined : new Date(next);
    }
  }
}
