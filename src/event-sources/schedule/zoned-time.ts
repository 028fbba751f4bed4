/**
 * Wall-clock times in an IANA time zone, through Intl (no time zone database of our own).
 * EventBridge Scheduler evaluates cron and at expressions in the schedule's zone; across DST
 * changes a wall time that does not exist is skipped and one that occurs twice fires once (at
 * its first occurrence): docs/event-sources-schedules.md.
 */
import type { WallTime } from './schedule-types.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Whether `zone` is an IANA zone name Intl knows (`Europe/Paris`, `UTC`).
 *
 * @example isTimeZone('America/New_York'); // true
 */
export function isTimeZone(zone: string): boolean {
  if (zone === '' || zone.trim() !== zone) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The wall-clock time of an instant in a zone.
 *
 * @example wallTime(Date.UTC(2026, 0, 1), 'Asia/Tokyo').hour; // 9
 */
export function wallTime(instant: number, zone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

/** A wall time read as if it were UTC, in ms (the arithmetic base of the conversions). */
export function wallAsUtc(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(instant: number, zone: string): number {
  const seconds = Math.floor(instant / 1000) * 1000;
  return wallAsUtc(wallTime(seconds, zone)) - seconds;
}

/**
 * The first instant at which the zone's clocks show `wall`, or undefined when they never do
 * (the hour skipped when DST starts).
 *
 * @example instantOf({ year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0 }, 'America/New_York'); // undefined
 */
export function instantOf(wall: WallTime, zone: string): number | undefined {
  const local = wallAsUtc(wall);
  // Offsets a day either side cover any single transition near the wall time.
  const offsets = new Set([offsetAt(local - 86_400_000, zone), offsetAt(local, zone), offsetAt(local + 86_400_000, zone)]);
  let first: number | undefined;
  for (const offset of offsets) {
    const candidate = local - offset;
    if (offsetAt(candidate, zone) === offset && (first === undefined || candidate < first)) first = candidate;
  }
  return first;
}

/** Days in a month (month 1-12), leap years included. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day of the week of a date, EventBridge's numbering: 1 = Sunday ... 7 = Saturday. */
export function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}
