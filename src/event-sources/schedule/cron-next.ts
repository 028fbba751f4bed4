/**
 * The next time a cron schedule fires after an instant, in a time zone: the search walks the
 * wall-clock calendar (year, month, day, hour, minute) of the zone, so `cron(0 9 * * ? *)` in
 * Europe/Paris fires at 09:00 Paris time whatever the UTC offset. DST: a wall time the clocks
 * skip does not fire; one they show twice fires at its first occurrence only.
 */
import type { CronSchedule, WallTime } from './schedule-types.js';
import { daysInMonth, instantOf, wallAsUtc, wallTime, weekday } from './zoned-time.js';

const LAST_YEAR = 2199;

function sorted(set: ReadonlySet<number>): number[] {
  return [...set].sort((a, b) => a - b);
}

/** The weekday (Mon-Fri) nearest `day` in the month, never crossing into another month. */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const d = Math.min(day, last);
  const wd = weekday(year, month, d);
  if (wd >= 2 && wd <= 6) return d;
  if (wd === 7) return d === 1 ? 3 : d - 1; // Saturday: Friday before, or Monday after the 1st
  return d === last ? d - 2 : d + 1; // Sunday: Monday after, or Friday before the month's end
}

/** Whether a date matches the day rules (only one is set; the other field was `?`). */
function dayMatches(cron: CronSchedule, year: number, month: number, day: number): boolean {
  const dom = cron.dayOfMonth;
  if (dom !== undefined) {
    const last = daysInMonth(year, month);
    switch (dom.kind) {
      case 'days':
        return dom.days.has(day);
      case 'last':
        return day === last;
      case 'lastWeekday':
        return day === nearestWeekday(year, month, last);
      case 'nearestWeekday':
        // A day beyond the month's end (31W in April) does not fire, as a plain 31 does not.
        return dom.day <= last && day === nearestWeekday(year, month, dom.day);
    }
  }
  const dow = cron.dayOfWeek;
  if (dow === undefined) return false;
  const wd = weekday(year, month, day);
  switch (dow.kind) {
    case 'days':
      return dow.days.has(wd);
    case 'lastOfMonth':
      return wd === dow.weekday && day + 7 > daysInMonth(year, month);
    case 'nth':
      return wd === dow.weekday && Math.ceil(day / 7) === dow.nth;
  }
}

/**
 * The first instant strictly after `after` at which `cron` fires in `zone`, or undefined when it
 * never fires again (the Year field ends, or no date matches up to 2199).
 *
 * @example nextCronTime(parseCronFields('0 12 L * ? *'), Date.parse('2024-02-01T00:00:00Z'), 'UTC'); // 2024-02-29T12:00Z
 */
export function nextCronTime(cron: CronSchedule, after: number, zone: string): number | undefined {
  const start = wallTime(after, zone);
  const from = wallAsUtc({ ...start, second: 0 });
  const hours = sorted(cron.hours);
  const minutes = sorted(cron.minutes);
  for (const year of sorted(cron.years)) {
    if (year < start.year || year > LAST_YEAR) continue;
    for (const month of sorted(cron.months)) {
      if (year === start.year && month < start.month) continue;
      const days = daysInMonth(year, month);
      for (let day = year === start.year && month === start.month ? start.day : 1; day <= days; day++) {
        if (!dayMatches(cron, year, month, day)) continue;
        for (const hour of hours) {
          for (const minute of minutes) {
            const wall: WallTime = { year, month, day, hour, minute, second: 0 };
            if (wallAsUtc(wall) < from) continue;
            const instant = instantOf(wall, zone);
            // Skipped by DST (undefined), or already passed: its first occurrence was at or before `after`.
            if (instant !== undefined && instant > after) return instant;
          }
        }
      }
    }
  }
  return undefined;
}
