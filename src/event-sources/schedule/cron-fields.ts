/**
 * The six fields of an EventBridge cron expression (docs/event-sources-schedules.md):
 * `Minutes Hours Day-of-month Month Day-of-week Year`, with `,` lists, `-` ranges, `*`, `/`
 * increments, `?` (required in exactly one of the two day fields), `L` and `W` in
 * day-of-month, `L` and `#` in day-of-week, JAN-DEC and SUN-SAT names (1 = Sunday).
 * Every problem is thrown as a ConfigError that names the field and the bad part.
 */
import { ConfigError } from '../../errors.js';
import type { CronSchedule, DayOfMonthRule, DayOfWeekRule } from './schedule-types.js';

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const MINUTES: FieldSpec = { name: 'Minutes', min: 0, max: 59 };
const HOURS: FieldSpec = { name: 'Hours', min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: 'Day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'Month', min: 1, max: 12, names: MONTH_NAMES };
const DAY_OF_WEEK: FieldSpec = { name: 'Day-of-week', min: 1, max: 7, names: DAY_NAMES };
const YEAR: FieldSpec = { name: 'Year', min: 1970, max: 2199 };

function fail(field: FieldSpec, message: string): never {
  throw new ConfigError(`cron field ${field.name}: ${message}`);
}

/** One value: digits in range, or (Month, Day-of-week) a three-letter name. */
function value(field: FieldSpec, text: string): number {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + field.min;
  if (!/^\d{1,4}$/.test(text)) {
    const names = field.names === undefined ? '' : ` or ${field.names[0]}-${field.names[field.names.length - 1]}`;
    return fail(field, `${JSON.stringify(text)} is not a number${names}`);
  }
  const n = Number(text);
  if (n < field.min || n > field.max) fail(field, `${n} is outside ${field.min}-${field.max}`);
  return n;
}

/** A list of `*`, `n`, `a-b`, `a/s`, `*\/s`, `a-b/s` parts, as the set of values it covers. */
function valueSet(field: FieldSpec, text: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') fail(field, `empty list item in ${JSON.stringify(text)}`);
    const [range = '', step, extra] = part.split('/');
    if (extra !== undefined) fail(field, `${JSON.stringify(part)} has more than one /`);
    let from: number;
    let to: number;
    if (range === '*') {
      [from, to] = [field.min, field.max];
    } else if (range.includes('-')) {
      const [a = '', b = '', more] = range.split('-');
      if (more !== undefined || a === '' || b === '') fail(field, `${JSON.stringify(range)} is not a range a-b`);
      [from, to] = [value(field, a), value(field, b)];
      // EventBridge accepts no wrap-around ranges (FRI-MON): say so rather than guess.
      if (from > to) fail(field, `range ${JSON.stringify(range)} goes backwards`);
    } else {
      from = value(field, range);
      to = step === undefined ? from : field.max;
    }
    let increment = 1;
    if (step !== undefined) {
      if (!/^\d{1,4}$/.test(step) || Number(step) === 0) fail(field, `increment ${JSON.stringify(step)} in ${JSON.stringify(part)} is not a positive number`);
      increment = Number(step);
    }
    for (let n = from; n <= to; n += increment) out.add(n);
  }
  return out;
}

function dayOfMonth(text: string): DayOfMonthRule {
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  const w = /^(\d{1,2})W$/.exec(upper);
  if (w !== null) return { kind: 'nearestWeekday', day: value(DAY_OF_MONTH, w[1] as string) };
  if (/[LW]/.test(upper)) fail(DAY_OF_MONTH, `${JSON.stringify(text)}: L and W stand alone (L, LW, or a day such as 15W), not in lists or ranges`);
  return { kind: 'days', days: valueSet(DAY_OF_MONTH, text) };
}

function dayOfWeek(text: string): DayOfWeekRule {
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'days', days: new Set([7]) }; // the last day of the week: Saturday
  const last = /^([A-Z]{3}|\d)L$/.exec(upper);
  if (last !== null) return { kind: 'lastOfMonth', weekday: value(DAY_OF_WEEK, last[1] as string) };
  if (upper.includes('#')) {
    const nth = /^([A-Z]{3}|\d)#(\d)$/.exec(upper);
    if (nth === null) fail(DAY_OF_WEEK, `${JSON.stringify(text)}: # takes one day and an instance (3#2, the second Tuesday), alone in the field`);
    const n = Number(nth[2]);
    if (n < 1 || n > 5) fail(DAY_OF_WEEK, `${JSON.stringify(text)}: the instance after # must be 1-5`);
    return { kind: 'nth', weekday: value(DAY_OF_WEEK, nth[1] as string), nth: n };
  }
  if (upper.includes('/')) fail(DAY_OF_WEEK, `${JSON.stringify(text)}: increments (/) are not allowed in Day-of-week`);
  if (upper.includes('L')) fail(DAY_OF_WEEK, `${JSON.stringify(text)}: L stands alone or after one day (6L, the last Friday)`);
  return { kind: 'days', days: valueSet(DAY_OF_WEEK, text) };
}

/**
 * Parse the inside of `cron(...)`.
 *
 * @throws ConfigError naming the field and the fault.
 * @example parseCronFields('0 10 ? * MON-FRI *').hours; // Set {10}
 */
export function parseCronFields(text: string): CronSchedule {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ConfigError(`cron expressions have 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got ${fields.length}`);
  }
  const [min = '', hour = '', dom = '', month = '', dow = '', year = ''] = fields;
  for (const [spec, f] of [[MINUTES, min], [HOURS, hour], [MONTH, month], [YEAR, year]] as const) {
    if (f === '?') fail(spec, '? is allowed only in Day-of-month and Day-of-week');
  }
  if ((dom === '?') === (dow === '?')) {
    throw new ConfigError(`exactly one of Day-of-month (${dom}) and Day-of-week (${dow}) must be ?`);
  }
  return {
    minutes: valueSet(MINUTES, min),
    hours: valueSet(HOURS, hour),
    dayOfMonth: dom === '?' ? undefined : dayOfMonth(dom),
    months: valueSet(MONTH, month),
    dayOfWeek: dow === '?' ? undefined : dayOfWeek(dow),
    years: valueSet(YEAR, year),
  };
}
