/**
 * The embedded S3 server as `lamina serve` runs it (docs/s3-server.md): started when the template
 * defines an `AWS::S3::Bucket`, on `--s3-port`, with the template's buckets, objects under
 * `<state dir>/s3`, and the template's notifications invoking functions through the durable
 * event queue (docs/event-sources-s3.md).
 */
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { s3Notifier } from '../event-sources/s3/s3-notifier.js';
import type { S3BucketDefinition, S3NotificationDefinition } from '../event-sources/s3/s3-notification-types.js';
import type { EventIntake } from '../event-sources/schedule/scheduled-event.js';
import { startS3Server, type S3Server } from '../services/s3/s3-server.js';
import type { S3Store } from '../services/s3/s3-store.js';
import type { CodeObjects } from '../control/api/control-context.js';

export interface S3ServeOptions {
  readonly stateDir: string;
  readonly host: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly log: (line: string) => void;
}

export interface StartedS3 {
  readonly server: S3Server | undefined;
  readonly banner: string[];
  close(): Promise<void>;
}

/** The default of `--s3-port` (LocalStack's legacy S3 port, free of Lamina's other defaults). */
export const DEFAULT_S3_PORT = 4569;

/**
 * Start S3 when the template has buckets (nothing otherwise).
 *
 * @throws ConfigError when the port is taken.
 * @example
 * const s3 = await startS3(loaded.s3Buckets, loaded.s3Notifications, platform, { stateDir, host: '127.0.0.1', port: 4569, ... });
 * // ... at shutdown, before platform.stop():
 * await s3.close();
 */
export async function startS3(buckets: readonly S3BucketDefinition[], notifications: readonly S3NotificationDefinition[], intake: EventIntake, options: S3ServeOptions): Promise<StartedS3> {
  if (buckets.length === 0) return { server: undefined, banner: [], close: async () => undefined };
  let server: S3Server;
  try {
    server = await startS3Server({
      host: options.host,
      port: options.port,
      dir: join(options.stateDir, 's3'),
      region: options.region,
      buckets: buckets.map((b) => b.name),
      onChange: s3Notifier(notifications, intake, options),
    });
  } catch (error) {
    throw new ConfigError(`The embedded S3 server cannot start on ${options.host}:${options.port}: ${(error as Error).message} (choose another --s3-port)`);
  }
  const banner = [`S3 (embedded, path-style, aws s3 --endpoint-url ${server.endpoint}):`];
  for (const bucket of buckets) {
    banner.push(`  ${bucket.name}: ${server.endpoint}/${bucket.name}`);
    for (const n of notifications.filter((d) => d.bucketName === bucket.name)) {
      const filter = [n.prefix === '' ? '' : `prefix ${n.prefix}`, n.suffix === '' ? '' : `suffix ${n.suffix}`].filter((s) => s !== '').join(', ');
      banner.push(`    ${n.events.join(', ')}${filter === '' ? '' : ` (${filter})`} -> ${n.functionName}${n.qualifier === undefined ? '' : `:${n.qualifier}`}`);
    }
  }
  return { server, banner, close: () => server.close() };
}

/**
 * The store's objects as CreateFunction's `Code.S3Bucket`/`S3Key` reads them (the whole object,
 * which a direct-upload limit bounds later).
 *
 * @example const zip = await s3CodeObjects(server.store).read('deploy', 'fn.zip');
 */
export function s3CodeObjects(store: S3Store): CodeObjects {
  return {
    read: async (bucket, key) => {
      if (!store.hasBucket(bucket)) return { ok: false, missing: 'bucket' };
      if (store.head(bucket, key) === undefined) return { ok: false, missing: 'key' };
      const opened = await store.openObject(bucket, key).catch(() => undefined);
      if (opened === undefined) return { ok: false, missing: 'key' };
      const chunks: Buffer[] = [];
      if (opened.body !== undefined) for await (const chunk of opened.body) chunks.push(chunk as Buffer);
      return { ok: true, bytes: Buffer.concat(chunks) };
    },
  };
}
