/**
 * The scheduler (src/event-sources/schedule/scheduler.ts) on a hand-driven clock: when it fires,
 * what it sends, the time scale, disabled schedules, start and end dates, retries of a refused
 * hand-over, and stop.
 */
import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerClock } from '../../../src/event-sources/schedule/scheduler.js';
import { parseScheduleExpression } from '../../../src/event-sources/schedule/schedule-expression.js';
import { DEFAULT_SCHEDULE_RETRY, type ScheduleDefinition } from '../../../src/event-sources/schedule/schedule-types.js';

const ACCOUNT = { region: 'eu-west-1', accountId: '123456789012' };

/** A clock whose time moves only when the test says; due timers run in time order. */
class FakeClock implements SchedulerClock {
  #now: number;
  #seq = 0;
  readonly timers = new Map<number, { at: number; callback: () => void }>();
  constructor(start: string) {
    this.#now = Date.parse(start);
  }
  now(): number {
    return this.#now;
  }
  setTimer(callback: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.timers.set(id, { at: this.#now + ms, callback });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Move time forward by `ms`, running every timer that falls due (those they set included). */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].callback();
      for (let i = 0; i < 5; i++) await Promise.resolve(); // let fire's promise settle
    }
    this.#now = end;
  }
}

function schedule(expression: string, overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
  return {
    id: 'FnTick',
    kind: 'rule',
    functionName: 'fn',
    qualifier: undefined,
    expression: parseScheduleExpression(expression, { allowAt: true }),
    timezone: 'UTC',
    input: undefined,
    enabled: true,
    name: 'FnTick',
    retry: DEFAULT_SCHEDULE_RETRY,
    ...overrides,
  };
}

interface Fired {
  fn: string;
  qualifier: string | undefined;
  event: Record<string, unknown>;
  text: string;
}

function setup(schedules: ScheduleDefinition[], opts: { timeScale?: number; fail?: (n: number) => boolean } = {}) {
  const clock = new FakeClock('2026-01-01T00:00:30Z');
  const fired: Fired[] = [];
  const log: string[] = [];
  let calls = 0;
  const scheduler = new Scheduler({
    schedules,
    account: ACCOUNT,
    clock,
    ...(opts.timeScale === undefined ? {} : { timeScale: opts.timeScale }),
    log: (line) => log.push(line),
    fire: (fn, qualifier, payload) => {
      calls++;
      if (opts.fail?.(calls) === true) return Promise.reject(new Error(`refused ${calls}`));
      const text = payload.toString();
      fired.push({ fn, qualifier, text, event: JSON.parse(text) as Record<string, unknown> });
      return Promise.resolve();
    },
  });
  return { clock, fired, log, scheduler, calls: () => calls };
}

describe('firing', () => {
  it('a rate fires once per period, counted from the start, with the EventBridge rule event', async () => {
    const { clock, fired, scheduler } = setup([schedule('rate(1 minute)')]);
    scheduler.start();
    await clock.advance(59_999);
    expect(fired).toHaveLength(0);
    await clock.advance(1);
    expect(fired).toHaveLength(1);
    await clock.advance(120_000);
    expect(fired.map((f) => f.event.time)).toEqual(['2026-01-01T00:01:30Z', '2026-01-01T00:02:30Z', '2026-01-01T00:03:30Z']);
    const event = (fired[0] as Fired).event;
    expect(Object.keys(event)).toEqual(['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:123456789012:rule/FnTick'],
      detail: {},
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(fired.map((f) => f.event.id)).size).toBe(3);
    expect(fired.every((f) => f.fn === 'fn' && f.qualifier === undefined)).toBe(true);
  });

  it('a cron fires on the minute; Scheduler sends its own default event; the qualifier is passed', async () => {
    const { clock, fired, scheduler } = setup([schedule('cron(0/5 * * * ? *)', { kind: 'scheduler', name: 'every5', qualifier: 'live' })]);
    scheduler.start();
    await clock.advance(4 * 60_000 + 29_999);
    expect(fired).toHaveLength(0);
    await clock.advance(1);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ fn: 'fn', qualifier: 'live' });
    expect((fired[0] as Fired).event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      time: '2026-01-01T00:05:00Z',
      resources: ['arn:aws:scheduler:eu-west-1:123456789012:schedule/default/every5'],
      detail: '{}',
    });
  });

  it('a ScheduleV2 rate without StartDate fires at once, then once per period', async () => {
    const { clock, fired, scheduler } = setup([schedule('rate(1 minute)', { kind: 'scheduler' })]);
    scheduler.start();
    await clock.advance(0);
    expect(fired.map((f) => f.event.time)).toEqual(['2026-01-01T00:00:30Z']);
    await clock.advance(60_000);
    expect(fired.map((f) => f.event.time)).toEqual(['2026-01-01T00:00:30Z', '2026-01-01T00:01:30Z']);
  });

  it('Input is sent as its text, byte for byte', async () => {
    const input = '{ "job" : "nightly",\n "n": 1.50 }';
    const { clock, fired, scheduler } = setup([schedule('rate(1 minute)', { input })]);
    scheduler.start();
    await clock.advance(60_000);
    expect(fired.map((f) => f.text)).toEqual([input]);
  });

  it('timeScale shrinks the waits but keeps the scheduled times', async () => {
    const { clock, fired, scheduler } = setup([schedule('rate(1 hour)')], { timeScale: 0.001 });
    scheduler.start();
    await clock.advance(3_599);
    expect(fired).toHaveLength(0);
    await clock.advance(1);
    await clock.advance(3_600 * 2);
    expect(fired.map((f) => f.event.time)).toEqual(['2026-01-01T01:00:30Z', '2026-01-01T02:00:30Z', '2026-01-01T03:00:30Z']);
  });

  it('refuses a time scale that is not a positive number', () => {
    for (const timeScale of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new Scheduler({ schedules: [], account: ACCOUNT, fire: () => undefined, timeScale })).toThrow(RangeError);
    }
  });
});

describe('which schedules run, and when they end', () => {
  it('a disabled schedule is not scheduled', async () => {
    const { clock, fired, log, scheduler } = setup([schedule('rate(1 minute)', { enabled: false })]);
    scheduler.start();
    expect(clock.timers.size).toBe(0);
    await clock.advance(3_600_000);
    expect(fired).toHaveLength(0);
    expect(log).toEqual(['schedule FnTick (rate(1 minute)) is disabled; not scheduled']);
  });

  it('at(...) fires once and is done', async () => {
    const { clock, fired, log, scheduler } = setup([schedule('at(2026-01-01T00:10:00)', { kind: 'scheduler' })]);
    scheduler.start();
    await clock.advance(86_400_000);
    expect(fired.map((f) => f.event.time)).toEqual(['2026-01-01T00:10:00Z']);
    expect(log).toEqual(['schedule FnTick (at(2026-01-01T00:10:00)) will not fire again']);
    expect(clock.timers.size).toBe(0);
  });

  it('StartDate starts a rate there; EndDate stops the schedule', async () => {
    const startDate = Date.parse('2026-01-01T00:30:00Z');
    const endDate = Date.parse('2026-01-01T00:45:00Z');
    const { clock, fired, scheduler } = setup([schedule('rate(10 minutes)', { kind: 'scheduler', startDate, endDate })]);
    scheduler.start();
    await clock.advance(86_400_000);
    expect(fired.map((f) => f.event.time)).toEqual(['2026-01-01T00:30:00Z', '2026-01-01T00:40:00Z']);
  });

  it('a cron does not fire before its StartDate', async () => {
    const startDate = Date.parse('2026-01-01T02:00:00Z');
    const { clock, fired, scheduler } = setup([schedule('cron(0 * * * ? *)', { kind: 'scheduler', startDate })]);
    scheduler.start();
    await clock.advance(3 * 3_600_000);
    expect(fired.map((f) => f.event.time)).toEqual(['2026-01-01T02:00:00Z', '2026-01-01T03:00:00Z']);
  });

  it('a wait beyond setTimeout\'s limit is taken in steps, and still lands on time', async () => {
    const { clock, fired, scheduler } = setup([schedule('cron(0 0 1 JUN ? *)')]);
    scheduler.start();
    expect([...clock.timers.values()].every((t) => t.at - clock.now() <= 2 ** 31 - 1)).toBe(true);
    await clock.advance(Date.parse('2026-06-01T00:00:00Z') - clock.now());
    expect(fired.map((f) => f.event.time)).toEqual(['2026-06-01T00:00:00Z']);
  });
});

describe('a refused hand-over, and stop', () => {
  it('is tried again with doubling backoff, and the schedule keeps its pace', async () => {
    const { clock, fired, scheduler, calls } = setup([schedule('rate(1 hour)')], { fail: (n) => n <= 3 });
    scheduler.start();
    await clock.advance(3_600_000);
    expect(calls()).toBe(1);
    await clock.advance(999);
    expect(calls()).toBe(1);
    await clock.advance(1); // +1 s
    expect(calls()).toBe(2);
    await clock.advance(2_000); // +2 s
    expect(calls()).toBe(3);
    await clock.advance(4_000); // +4 s: delivered
    expect(fired.map((f) => f.event.time)).toEqual(['2026-01-01T01:00:30Z']);
    await clock.advance(3_600_000);
    expect(fired.map((f) => f.event.time)).toEqual(['2026-01-01T01:00:30Z', '2026-01-01T02:00:30Z']);
  });

  it('drops the firing after MaximumRetryAttempts', async () => {
    const { clock, fired, log, scheduler, calls } = setup([schedule('rate(1 hour)', { retry: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 86_400 } })], { fail: () => true });
    scheduler.start();
    await clock.advance(3_600_000 + 60_000);
    expect(calls()).toBe(3);
    expect(fired).toHaveLength(0);
    expect(log).toEqual(['schedule FnTick: firing of 2026-01-01T01:00:30.000Z dropped after 3 attempt(s): refused 3']);
  });

  it('drops the firing once it would be older than MaximumEventAgeInSeconds', async () => {
    // Backoffs 1, 2, 4, 8, 16, 32 s: the 7th try would be 63 s after the firing, past 60 s.
    const { clock, log, scheduler, calls } = setup([schedule('rate(1 hour)', { retry: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 60 } })], { fail: () => true });
    scheduler.start();
    await clock.advance(3_600_000 + 600_000);
    expect(calls()).toBe(6);
    expect(log).toEqual(['schedule FnTick: firing of 2026-01-01T01:00:30.000Z dropped after 6 attempt(s): refused 6']);
  });

  it('a fire that throws counts as refused', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const log: string[] = [];
    const s = new Scheduler({ schedules: [schedule('rate(1 minute)', { retry: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 } })], account: ACCOUNT, clock, log: (l) => log.push(l), fire: () => { throw new Error('boom'); } });
    s.start();
    await clock.advance(60_000);
    expect(log).toEqual(['schedule FnTick: firing of 2026-01-01T00:01:00.000Z dropped after 1 attempt(s): boom']);
  });

  it('stop clears every timer, waits for deliveries under way, and fires no more', async () => {
    const pending: Array<() => void> = [];
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const s = new Scheduler({
      schedules: [schedule('rate(1 minute)'), schedule('cron(* * * * ? *)', { id: 'Other' })],
      account: ACCOUNT,
      clock,
      fire: () => new Promise<void>((resolve) => pending.push(resolve)),
    });
    s.start();
    expect(clock.timers.size).toBe(2);
    await clock.advance(60_000);
    expect(pending).toHaveLength(2);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    expect(clock.timers.size).toBe(0);
    (pending[0] as () => void)();
    await clock.advance(0);
    expect(stopped).toBe(false); // the second delivery still hangs
    (pending[1] as () => void)();
    await stopping;
    expect(stopped).toBe(true);
    await clock.advance(600_000);
    expect(pending).toHaveLength(2);
    s.start(); // a stopped scheduler may be started again
    expect(clock.timers.size).toBe(2);
    await s.stop();
  });
});
