/**
 * EventBridge schedule expressions (src/event-sources/schedule/schedule-expression.ts): what is
 * accepted and refused, and the next fire times across month ends, leap years, L/W/#, and DST.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { nextFireTime, parseScheduleExpression } from '../../../src/event-sources/schedule/schedule-expression.js';

const next = (expr: string, after: string, timezone?: string, anchor?: string): string | undefined =>
  nextFireTime(expr, new Date(after), { ...(timezone === undefined ? {} : { timezone }), ...(anchor === undefined ? {} : { anchor: new Date(anchor) }) })?.toISOString();

/** The first `n` fire times after `after`. */
function series(expr: string, after: string, n: number, timezone?: string): string[] {
  const out: string[] = [];
  let t = new Date(after);
  for (let i = 0; i < n; i++) {
    const d = nextFireTime(expr, t, timezone === undefined ? {} : { timezone });
    if (d === undefined) break;
    out.push(d.toISOString());
    t = d;
  }
  return out;
}

describe('valid expressions', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(12 hours)', 43_200_000],
    ['rate(1 day)', 86_400_000],
    ['rate(2 days)', 172_800_000],
  ])('%s has a period of %i ms', (text, ms) => {
    expect(parseScheduleExpression(text)).toEqual({ kind: 'rate', text, periodMs: ms });
  });

  it.each([
    'cron(0 10 * * ? *)',
    'cron(15 12 * * ? *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(0/10 * ? * MON-FRI *)',
    'cron(0/5 8-17 ? * MON-FRI *)',
    'cron(0 9 ? * 2#1 *)',
    'cron(0 12 L * ? *)',
    'cron(0 12 15W * ? *)',
    'cron(0 12 LW * ? *)',
    'cron(0 12 ? * 6L *)',
    'cron(0 12 ? * L *)',
    'cron(0 0 ? JAN,MAR,DEC sun,sat 2026-2030)',
    'cron(30 23 31 12 ? 2199)',
    'cron(*/15 */2 1-15/2 */3 ? 1970/10)',
  ])('%s parses', (text) => {
    expect(parseScheduleExpression(text).kind).toBe('cron');
  });

  it('rules refuse at(...) even as a malformed expression', () => {
    expect(() => parseScheduleExpression('nope')).toThrow('"nope" is not a schedule expression: expected rate(...) or cron(...)');
  });

  it('at(...) parses only where Scheduler is allowed', () => {
    expect(parseScheduleExpression('at(2026-02-28T23:59:59)', { allowAt: true })).toEqual({
      kind: 'at',
      text: 'at(2026-02-28T23:59:59)',
      wall: { year: 2026, month: 2, day: 28, hour: 23, minute: 59, second: 59 },
    });
    expect(() => parseScheduleExpression('at(2026-02-28T23:59:59)')).toThrow('one-time at(...) schedules exist only in EventBridge Scheduler (ScheduleV2)');
  });
});

describe('invalid expressions', () => {
  it.each([
    ['rate(1 minutes)', 'rate(1 minutes): with a value of 1 the unit is singular (minute), not minutes'],
    ['rate(5 minute)', 'rate(5 minute): with a value above 1 the unit is plural (minutes), not minute'],
    ['rate(2 day)', 'with a value above 1 the unit is plural (days), not day'],
    ['rate(1 hours)', 'the unit is singular (hour), not hours'],
    ['rate(0 minutes)', 'rate(0 minutes): the value "0" is not a positive integer'],
    ['rate(-1 minutes)', 'the value "-1" is not a positive integer'],
    ['rate(1.5 hours)', 'the value "1.5" is not a positive integer'],
    ['rate(5 seconds)', 'the unit "seconds" is not minute(s), hour(s) or day(s)'],
    ['rate(1 week)', 'the unit "week" is not minute(s), hour(s) or day(s)'],
    ['rate(5)', 'rate(5): a rate is rate(value unit), e.g. rate(5 minutes)'],
    ['rate(99999999999999999 days)', 'is too large'],
    ['every 5 minutes', '"every 5 minutes" is not a schedule expression: expected rate(...), cron(...) or at(...)'],
    ['RATE(5 minutes)', 'is not a schedule expression'],
    ['cron(0 10 * * *)', 'cron(0 10 * * *): cron expressions have 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got 5'],
    ['cron(0 10 * * ? * *)', 'got 7'],
    ['cron(0 10 * * * *)', 'cron(0 10 * * * *): exactly one of Day-of-month (*) and Day-of-week (*) must be ?'],
    ['cron(0 10 ? * ? *)', 'exactly one of Day-of-month (?) and Day-of-week (?) must be ?'],
    ['cron(0 10 1 * MON *)', 'exactly one of Day-of-month (1) and Day-of-week (MON) must be ?'],
    ['cron(60 10 * * ? *)', 'cron field Minutes: 60 is outside 0-59'],
    ['cron(0 24 * * ? *)', 'cron field Hours: 24 is outside 0-23'],
    ['cron(0 0 0 * ? *)', 'cron field Day-of-month: 0 is outside 1-31'],
    ['cron(0 0 32 * ? *)', 'cron field Day-of-month: 32 is outside 1-31'],
    ['cron(0 0 1 13 ? *)', 'cron field Month: 13 is outside 1-12'],
    ['cron(0 0 1 FOO ? *)', 'cron field Month: "FOO" is not a number or JAN-DEC'],
    ['cron(0 0 ? * 8 *)', 'cron field Day-of-week: 8 is outside 1-7'],
    ['cron(0 0 ? * 0 *)', 'cron field Day-of-week: 0 is outside 1-7'],
    ['cron(0 0 ? * FUNDAY *)', 'cron field Day-of-week: "FUNDAY" is not a number or SUN-SAT'],
    ['cron(0 0 * * ? 1969)', 'cron field Year: 1969 is outside 1970-2199'],
    ['cron(0 0 * * ? 2200)', 'cron field Year: 2200 is outside 1970-2199'],
    ['cron(? 0 * * ? *)', 'cron field Minutes: ? is allowed only in Day-of-month and Day-of-week'],
    ['cron(0 0 * ? ? *)', 'cron field Month: ? is allowed only'],
    ['cron(0 0 15-10 * ? *)', 'cron field Day-of-month: range "15-10" goes backwards'],
    ['cron(0 0 ? * FRI-MON *)', 'range "FRI-MON" goes backwards'],
    ['cron(0/0 0 * * ? *)', 'cron field Minutes: increment "0" in "0/0" is not a positive number'],
    ['cron(0/5/2 0 * * ? *)', 'has more than one /'],
    ['cron(1,,2 0 * * ? *)', 'cron field Minutes: empty list item in "1,,2"'],
    ['cron(1- 0 * * ? *)', 'cron field Minutes: "1-" is not a range a-b'],
    ['cron(0 0 ? * 3#1,6#3 *)', '# takes one day and an instance'],
    ['cron(0 0 ? * 3#6 *)', 'the instance after # must be 1-5'],
    ['cron(0 0 ? * 3#0 *)', 'the instance after # must be 1-5'],
    ['cron(0 0 ? * */2 *)', 'increments (/) are not allowed in Day-of-week'],
    ['cron(0 0 ? * 1-3L *)', 'L stands alone or after one day'],
    ['cron(0 0 L,15 * ? *)', 'L and W stand alone'],
    ['cron(0 0 32W * ? *)', 'cron field Day-of-month: 32 is outside 1-31'],
    ['cron(0 0 ? * 2W *)', 'cron field Day-of-week: "2W" is not a number or SUN-SAT'],
    ['cron(a b c d ? f)', 'cron field Minutes: "a" is not a number'],
  ])('%s: %s', (text, message) => {
    expect(() => parseScheduleExpression(text, { allowAt: true })).toThrow(ConfigError);
    expect(() => parseScheduleExpression(text, { allowAt: true })).toThrow(message);
  });

  it.each([
    ['at(2026-02-29T10:00:00)', 'at(2026-02-29T10:00:00): 2026-02-29T10:00:00 is not a valid date and time'],
    ['at(2026-13-01T10:00:00)', 'is not a valid date and time'],
    ['at(2026-01-01T24:00:00)', 'is not a valid date and time'],
    ['at(2026-01-01T10:00)', 'a one-time schedule is at(yyyy-mm-ddThh:mm:ss)'],
    ['at(2026-01-01 10:00:00)', 'a one-time schedule is at(yyyy-mm-ddThh:mm:ss)'],
    ['at(2026-01-01T10:00:00Z)', 'a one-time schedule is at(yyyy-mm-ddThh:mm:ss)'],
  ])('%s: %s', (text, message) => {
    expect(() => parseScheduleExpression(text, { allowAt: true })).toThrow(message);
  });
});

describe('next fire times: rates', () => {
  it('counts periods from the anchor, strictly after the given time', () => {
    expect(next('rate(5 minutes)', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:05:00.000Z');
    expect(next('rate(5 minutes)', '2026-01-01T00:07:00Z', undefined, '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:10:00.000Z');
    expect(next('rate(5 minutes)', '2026-01-01T00:10:00Z', undefined, '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:15:00.000Z');
    expect(next('rate(1 hour)', '2026-01-01T00:00:00Z', undefined, '2026-03-01T10:00:00Z')).toBe('2026-03-01T10:00:00.000Z');
  });

  it('ignores time zones (a day is 24 hours, DST or not)', () => {
    expect(next('rate(1 day)', '2026-03-08T00:00:00Z', 'America/New_York', '2026-03-07T12:00:00Z')).toBe('2026-03-08T12:00:00.000Z');
  });
});

describe('next fire times: cron in UTC', () => {
  it('every ten minutes on weekdays rolls over the weekend', () => {
    expect(series('cron(0/10 * ? * MON-FRI *)', '2026-01-02T23:45:00Z', 3)).toEqual(['2026-01-02T23:50:00.000Z', '2026-01-05T00:00:00.000Z', '2026-01-05T00:10:00.000Z']);
  });

  it('1/10 starts at minute 1', () => {
    expect(series('cron(1/10 * * * ? *)', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:11:00.000Z', '2026-01-01T00:21:00.000Z']);
  });

  it('the 31st skips the months without one', () => {
    expect(series('cron(0 0 31 * ? *)', '2026-01-31T00:00:00Z', 3)).toEqual(['2026-03-31T00:00:00.000Z', '2026-05-31T00:00:00.000Z', '2026-07-31T00:00:00.000Z']);
  });

  it('L is the last day of each month, leap years included', () => {
    expect(series('cron(0 12 L * ? *)', '2024-01-31T12:00:00Z', 3)).toEqual(['2024-02-29T12:00:00.000Z', '2024-03-31T12:00:00.000Z', '2024-04-30T12:00:00.000Z']);
    expect(next('cron(0 12 L FEB ? *)', '2025-01-01T00:00:00Z')).toBe('2025-02-28T12:00:00.000Z');
    expect(next('cron(0 12 L FEB ? *)', '2100-01-01T00:00:00Z')).toBe('2100-02-28T12:00:00.000Z'); // 2100 is not a leap year
    expect(next('cron(0 12 L FEB ? *)', '2000-01-01T00:00:00Z')).toBe('2000-02-29T12:00:00.000Z'); // 2000 is
  });

  it('29 February fires only in leap years', () => {
    expect(series('cron(0 0 29 2 ? *)', '2025-01-01T00:00:00Z', 3)).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z', '2036-02-29T00:00:00.000Z']);
  });

  it('W is the weekday nearest the day, within the month', () => {
    // 2026-08-15 is a Saturday: Friday the 14th. 2026-11-15 is a Sunday: Monday the 16th.
    expect(next('cron(0 9 15W * ? *)', '2026-08-01T00:00:00Z')).toBe('2026-08-14T09:00:00.000Z');
    expect(next('cron(0 9 15W * ? *)', '2026-11-01T00:00:00Z')).toBe('2026-11-16T09:00:00.000Z');
    // 2026-08-01 is a Saturday: 1W does not go back into July, it is Monday the 3rd.
    expect(next('cron(0 9 1W * ? *)', '2026-07-31T00:00:00Z')).toBe('2026-08-03T09:00:00.000Z');
    // 2026-05-31 is a Sunday: 31W does not go into June, it is Friday the 29th.
    expect(next('cron(0 9 31W * ? *)', '2026-05-01T00:00:00Z')).toBe('2026-05-29T09:00:00.000Z');
    // LW: the last weekday; January 2027 ends on a Sunday.
    expect(next('cron(0 9 LW * ? *)', '2027-01-01T00:00:00Z')).toBe('2027-01-29T09:00:00.000Z');
  });

  it('# is the nth weekday of the month, and months without a fifth one are skipped', () => {
    expect(series('cron(0 9 ? * 3#2 *)', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-13T09:00:00.000Z', '2026-02-10T09:00:00.000Z']);
    // Fifth Friday: January 2026 has one (the 30th); February, March and April have none; May has the 29th.
    expect(series('cron(0 9 ? * FRI#5 *)', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-30T09:00:00.000Z', '2026-05-29T09:00:00.000Z']);
  });

  it('nL is the last such weekday of the month; L alone is Saturday', () => {
    expect(series('cron(0 9 ? * 6L *)', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-30T09:00:00.000Z', '2026-02-27T09:00:00.000Z']);
    expect(next('cron(0 9 ? * L *)', '2026-01-01T00:00:00Z')).toBe('2026-01-03T09:00:00.000Z');
  });

  it('years end the schedule', () => {
    expect(next('cron(0 0 1 1 ? 2027)', '2026-06-01T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('cron(0 0 1 1 ? 2027)', '2027-01-01T00:00:00Z')).toBeUndefined();
    expect(next('cron(0 0 30 FEB ? *)', '2026-01-01T00:00:00Z')).toBeUndefined();
    expect(next('cron(59 23 31 DEC ? 2199)', '2199-12-31T23:58:59Z')).toBe('2199-12-31T23:59:00.000Z');
  });

  it('is strictly after, from mid-minute', () => {
    expect(next('cron(* * * * ? *)', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:01:00.000Z');
    expect(next('cron(* * * * ? *)', '2026-01-01T00:00:30Z')).toBe('2026-01-01T00:01:00.000Z');
    expect(next('cron(0 0 1 1 ? *)', '2026-12-31T23:59:59.999Z')).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('next fire times in a time zone', () => {
  it('keeps the wall time across offsets', () => {
    // 09:00 in Paris is 08:00 UTC in winter, 07:00 UTC in summer (DST began 2026-03-29).
    expect(series('cron(0 9 * * ? *)', '2026-03-27T12:00:00Z', 3, 'Europe/Paris')).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
  });

  it('skips a wall time that DST skips', () => {
    // New York, 2026-03-08: 02:00 jumps to 03:00; 02:30 does not exist that day.
    expect(series('cron(30 2 * * ? *)', '2026-03-07T00:00:00Z', 2, 'America/New_York')).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
  });

  it('fires a repeated wall time once, at its first occurrence', () => {
    // New York, 2026-11-01: 01:59 EDT is followed by 01:00 EST; 01:30 happens twice.
    expect(series('cron(30 1 * * ? *)', '2026-10-31T12:00:00Z', 2, 'America/New_York')).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // Every 30 minutes through the night: the repeated hour adds no firings.
    expect(series('cron(0/30 0-2 * * ? *)', '2026-11-01T03:00:00Z', 6, 'America/New_York')).toEqual([
      '2026-11-01T04:00:00.000Z', // 00:00 EDT
      '2026-11-01T04:30:00.000Z',
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; 01:00 and 01:30 EST are skipped
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T07:30:00.000Z',
    ]);
  });

  it('searching from inside the repeated hour does not fire it again', () => {
    expect(next('cron(45 1 * * ? *)', '2026-11-01T06:10:00Z', 'America/New_York')).toBe('2026-11-02T06:45:00.000Z');
  });

  it('works east of Greenwich, across the date line and with half-hour offsets', () => {
    expect(next('cron(0 0 1 * ? *)', '2026-01-15T00:00:00Z', 'Asia/Tokyo')).toBe('2026-01-31T15:00:00.000Z');
    expect(next('cron(0 0 1 * ? *)', '2026-01-15T00:00:00Z', 'Asia/Kolkata')).toBe('2026-01-31T18:30:00.000Z');
    expect(next('cron(0 12 L * ? *)', '2026-01-01T00:00:00Z', 'Pacific/Auckland')).toBe('2026-01-30T23:00:00.000Z');
  });

  it('at(...) fires once, in its zone', () => {
    expect(next('at(2026-07-01T09:00:00)', '2026-01-01T00:00:00Z', 'Europe/Paris')).toBe('2026-07-01T07:00:00.000Z');
    expect(next('at(2026-07-01T09:00:00)', '2026-07-01T07:00:00Z', 'Europe/Paris')).toBeUndefined();
    expect(next('at(2026-07-01T09:00:00)', '2026-01-01T00:00:00Z')).toBe('2026-07-01T09:00:00.000Z');
    // A skipped wall time fires at the moment it would have been under the old offset.
    expect(next('at(2026-03-08T02:30:00)', '2026-01-01T00:00:00Z', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
  });
});
