/**
 * From object changes to function invokes (docs/event-sources-s3.md): every notification of the
 * bucket whose event type and key filter match gets one record, invoked asynchronously through
 * the durable event queue (retries, dead-letter queue and destinations apply, as for S3 in AWS).
 * The server awaits the queueing before it answers the client, so an acknowledged upload's
 * events survive a crash. A failure to queue is logged: the object stays (S3 does not fail a
 * write for its notifications).
 */
import type { ObjectChange } from '../../services/s3/s3-types.js';
import { acceptAsEvent, type EventIntake } from '../schedule/scheduled-event.js';
import { s3EventPayload } from './s3-event.js';
import { notificationMatches, type S3NotificationDefinition } from './s3-notification-types.js';

export interface NotifierOptions {
  readonly region: string;
  readonly accountId: string;
  readonly log: (line: string) => void;
}

/**
 * The server's `onChange`.
 *
 * @example
 * const s3 = await startS3Server({ dir, onChange: s3Notifier(loaded.s3Notifications, platform, { region, accountId, log }) });
 */
export function s3Notifier(definitions: readonly S3NotificationDefinition[], intake: EventIntake, options: NotifierOptions): (change: ObjectChange) => Promise<void> {
  const fire = acceptAsEvent(intake);
  return async (change) => {
    const matching = definitions.filter((d) => d.bucketName === change.bucket && notificationMatches(d, change.eventName, change.key));
    for (const def of matching) {
      const payload = s3EventPayload({ ...change, configurationId: def.id, region: options.region, accountId: options.accountId });
      try {
        await fire(def.functionName, def.qualifier, payload);
      } catch (error) {
        options.log(`[${def.functionName}] Lamina: S3 notification ${def.id}: ${change.eventName} of ${change.bucket}/${change.key} was not queued: ${(error as Error).message}`);
      }
    }
  };
}
