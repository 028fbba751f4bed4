/**
 * Schedules end to end: a `rate(1 minute)` schedule at timeScale 0.001 fires into a real
 * function (the recorder runtime) through `Platform.accept` with Event invokes, the way lamina
 * serve wires it, a few times, each with its own scheduled event; stop ends the firing.
 */
import { afterEach, expect, it } from 'vitest';
import { Platform } from '../../../src/platform/platform.js';
import { Scheduler } from '../../../src/event-sources/schedule/scheduler.js';
import { parseScheduleExpression } from '../../../src/event-sources/schedule/schedule-expression.js';
import { DEFAULT_SCHEDULE_RETRY } from '../../../src/event-sources/schedule/schedule-types.js';
import { acceptAsEvent } from '../../../src/event-sources/schedule/scheduled-event.js';
import { bootstrapFunction } from '../../helpers/function-config.js';

const output: string[] = [];
let platform: Platform | undefined;
let scheduler: Scheduler | undefined;
afterEach(async () => {
  await scheduler?.stop();
  await platform?.stop();
  output.length = 0;
});

function received(fn: string): Array<{ requestId: string; body: string }> {
  const out = [];
  for (const line of output.join('').split('\n')) {
    const m = new RegExp(`^\\[${fn}\\] RECEIVED (\\S+) (\\S+) (.*)$`).exec(line);
    if (m !== null) out.push({ requestId: m[1] as string, body: m[3] as string });
  }
  return out;
}

it('rate(1 minute) at timeScale 0.001 fires the scheduled event into the function, through the event queue', async () => {
  platform = new Platform({ functions: [bootstrapFunction('ticker', {}, 'recorder')], logOutput: (text) => output.push(text), events: { timeScale: 0.001 } });
  const p = platform;
  const accepted: string[] = [];
  const fire = acceptAsEvent(p); // the wiring lamina serve uses
  scheduler = new Scheduler({
    schedules: [{ id: 'TickerEvery', kind: 'rule', functionName: 'ticker', qualifier: undefined, expression: parseScheduleExpression('rate(1 minute)'), timezone: 'UTC', input: undefined, enabled: true, name: 'TickerEvery', retry: DEFAULT_SCHEDULE_RETRY }],
    account: { region: 'us-east-1', accountId: '000000000000' },
    timeScale: 0.001,
    fire: async (functionName, qualifier, payload) => {
      const result = (await fire(functionName, qualifier, payload)) as { requestId: string };
      accepted.push(result.requestId);
    },
  });
  const started = Date.now();
  scheduler.start();
  await expect.poll(() => received('ticker').length, { timeout: 15_000, interval: 20 }).toBeGreaterThanOrEqual(3);
  await scheduler.stop();
  const atStop = accepted.length;
  await expect.poll(() => received('ticker').length, { timeout: 10_000 }).toBe(atStop);

  const events = received('ticker').map((r) => ({ id: r.requestId, event: JSON.parse(r.body) as Record<string, unknown> }));
  expect(events.map((e) => e.id).sort()).toEqual([...accepted].sort());
  for (const { event } of events) {
    expect(event).toMatchObject({ version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', region: 'us-east-1', resources: ['arn:aws:events:us-east-1:000000000000:rule/TickerEvery'], detail: {} });
  }
  // The scheduled times are a minute apart on the virtual clock, starting a minute after start.
  const times = events.map((e) => Date.parse(e.event.time as string)).sort((a, b) => a - b);
  for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBe(60_000);
  expect(Math.abs((times[0] as number) - (started + 60_000))).toBeLessThan(2_000);
  expect(new Set(events.map((e) => e.event.id)).size).toBe(events.length);
  // Stopped: nothing more arrives.
  await new Promise((r) => setTimeout(r, 300));
  expect(received('ticker')).toHaveLength(atStop);
}, 30_000);
