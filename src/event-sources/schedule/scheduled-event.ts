/**
 * What a schedule sends its function (docs/event-sources-schedules.md):
 * - `Events: Schedule` (an EventBridge rule): the "Scheduled Event" of source `aws.events`, whose
 *   `resources` hold the rule's ARN and `detail` is an empty object;
 * - `Events: ScheduleV2` (EventBridge Scheduler): by default a notification of the same outline
 *   but from source `aws.scheduler`, with the schedule's ARN and `detail` the *string* `"{}"`
 *   (Scheduler's own quirk, which handlers written for rules trip over);
 * - either: `Input`, when given, as its JSON text, byte for byte.
 */
import { randomUUID } from 'node:crypto';
import type { InvokeRequest } from '../../platform/invoke-types.js';
import type { ScheduleDefinition } from './schedule-types.js';

export interface ScheduleAccount {
  readonly region: string;
  readonly accountId: string;
}

/**
 * The ARN of the rule or schedule behind a definition (Scheduler schedules live in the `default` group).
 *
 * @example scheduleArn(def, { region: 'us-east-1', accountId: '000000000000' }); // arn:aws:events:us-east-1:000000000000:rule/HelloEvery
 */
export function scheduleArn(schedule: Pick<ScheduleDefinition, 'kind' | 'name'>, account: ScheduleAccount): string {
  return schedule.kind === 'rule'
    ? `arn:aws:events:${account.region}:${account.accountId}:rule/${schedule.name}`
    : `arn:aws:scheduler:${account.region}:${account.accountId}:schedule/default/${schedule.name}`;
}

/** EventBridge times: ISO 8601 to the second, `Z`. */
function eventTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/**
 * The payload of one firing at its scheduled time `at`.
 *
 * @example JSON.parse(scheduledPayload(def, new Date(), account).toString())['detail-type']; // 'Scheduled Event'
 */
export function scheduledPayload(schedule: Pick<ScheduleDefinition, 'kind' | 'name' | 'input'>, at: Date, account: ScheduleAccount, id: string = randomUUID()): Buffer {
  if (schedule.input !== undefined) return Buffer.from(schedule.input);
  const event = {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: schedule.kind === 'rule' ? 'aws.events' : 'aws.scheduler',
    account: account.accountId,
    time: eventTime(at),
    region: account.region,
    resources: [scheduleArn(schedule, account)],
    detail: schedule.kind === 'rule' ? {} : '{}',
  };
  return Buffer.from(JSON.stringify(event));
}

/** What the scheduler needs of the platform: `Platform.accept` (docs/async-invocation.md). */
export interface EventIntake {
  accept(request: InvokeRequest): unknown;
}

/**
 * The `fire` that lamina serve gives the scheduler: each firing becomes an asynchronous (`Event`)
 * invoke queued durably by the platform, as EventBridge invokes Lambda asynchronously.
 *
 * @example new Scheduler({ schedules, account, fire: acceptAsEvent(platform) });
 */
export function acceptAsEvent(intake: EventIntake): (functionName: string, qualifier: string | undefined, payload: Buffer) => Promise<unknown> {
  return async (functionName, qualifier, payload) =>
    intake.accept({ functionName, qualifier, invocationType: 'Event', payload, clientContext: undefined, tailLogs: false, traceId: undefined, tenantId: undefined, streaming: false });
}
