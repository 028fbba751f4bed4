/**
 * Schedules as the template gives them (issue 15, docs/event-sources-schedules.md): what
 * src/config/schedule-events.ts produces from `Events: Schedule` / `ScheduleV2` and what
 * ./scheduler.ts runs.
 */

/** A parsed schedule expression (./schedule-expression.ts). */
export type ScheduleExpression =
  | { readonly kind: 'rate'; readonly text: string; readonly periodMs: number }
  | { readonly kind: 'cron'; readonly text: string; readonly cron: CronSchedule }
  | { readonly kind: 'at'; readonly text: string; readonly wall: WallTime };

/** A wall-clock time (no zone): month 1-12, day 1-31, hour 0-23, minute 0-59, second 0-59. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Day-of-month rules beyond a set of days: `L` (last day), `LW` (last weekday), `15W` (weekday nearest the 15th). */
export type DayOfMonthRule = { readonly kind: 'days'; readonly days: ReadonlySet<number> } | { readonly kind: 'last' } | { readonly kind: 'lastWeekday' } | { readonly kind: 'nearestWeekday'; readonly day: number };

/** Day-of-week rules (1 = Sunday ... 7 = Saturday): a set, `6L` (last Friday of the month), `3#2` (second Tuesday). */
export type DayOfWeekRule = { readonly kind: 'days'; readonly days: ReadonlySet<number> } | { readonly kind: 'lastOfMonth'; readonly weekday: number } | { readonly kind: 'nth'; readonly weekday: number; readonly nth: number };

/** A six-field EventBridge cron expression, parsed. Exactly one of the day rules is set (the other field was `?`). */
export interface CronSchedule {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly dayOfMonth: DayOfMonthRule | undefined;
  readonly months: ReadonlySet<number>;
  readonly dayOfWeek: DayOfWeekRule | undefined;
  readonly years: ReadonlySet<number>;
}

/** How many times, and for how long, a failed hand-over to the function is tried again. */
export interface ScheduleRetryPolicy {
  /** 0-185; both services default to 185. */
  readonly maximumRetryAttempts: number;
  /** 60-86,400 s; both services default to 86,400 (24 hours). */
  readonly maximumEventAgeSeconds: number;
}

export interface ScheduleDefinition {
  /** Logical id SAM gives the rule or schedule: `<FunctionId><EventName>`. */
  readonly id: string;
  /** `rule`: `Events: Schedule` (an EventBridge rule); `scheduler`: `Events: ScheduleV2` (EventBridge Scheduler). */
  readonly kind: 'rule' | 'scheduler';
  readonly functionName: string;
  /** The alias that AutoPublishAlias creates (SAM points the target at it), else undefined. */
  readonly qualifier: string | undefined;
  readonly expression: ScheduleExpression;
  /** IANA zone of cron and at expressions: `ScheduleExpressionTimezone`, default UTC. */
  readonly timezone: string;
  /** `Input`: JSON text sent as it is; undefined: the service's default event. */
  readonly input: string | undefined;
  readonly enabled: boolean;
  /** The rule or schedule name (in its ARN): `Name`, else the logical id. */
  readonly name: string;
  readonly description?: string | undefined;
  /** `StartDate` / `EndDate` (ScheduleV2), epoch ms: no firing outside them. */
  readonly startDate?: number | undefined;
  readonly endDate?: number | undefined;
  /** `FlexibleTimeWindow.MaximumWindowInMinutes` when FLEXIBLE (Lamina fires at the window's start). */
  readonly flexibleWindowMinutes?: number | undefined;
  readonly retry: ScheduleRetryPolicy;
}

/** Lambda's and EventBridge's default retry policy of a schedule's target. */
export const DEFAULT_SCHEDULE_RETRY: ScheduleRetryPolicy = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 };
