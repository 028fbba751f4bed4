/**
 * `startS3` as lamina serve calls it (src/async/serve-s3.ts): nothing without buckets, the banner
 * with buckets and their notifications, a clear error on a taken port, and notifications handed
 * to the event intake as `Event` invokes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { startS3 } from '../../src/async/serve-s3.js';
import { ConfigError } from '../../src/errors.js';
import type { S3NotificationDefinition } from '../../src/event-sources/s3/s3-notification-types.js';
import type { InvokeRequest } from '../../src/platform/invoke-types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const options = (port = 0) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'lamina-serve-s3-'));
  dirs.push(stateDir);
  return { stateDir, host: '127.0.0.1', port, region: 'eu-west-1', accountId: '123456789012', log: () => undefined };
};

const notification = (over: Partial<S3NotificationDefinition>): S3NotificationDefinition => ({
  id: 'FnUp', bucketName: 'uploads', functionName: 'Fn', qualifier: undefined, events: ['s3:ObjectCreated:*'], prefix: '', suffix: '', where: 'Resource Fn: property Events.Up.Properties', ...over,
});

describe('startS3', () => {
  it('starts nothing when the template has no bucket', async () => {
    const started = await startS3([], [], { accept: () => undefined }, options());
    expect(started.server).toBeUndefined();
    expect(started.banner).toEqual([]);
    await started.close();
  });

  it('says which option to change when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startS3([{ logicalId: 'U', name: 'uploads' }], [], { accept: () => undefined }, options(port))).rejects.toThrow(ConfigError);
      await expect(startS3([{ logicalId: 'U', name: 'uploads' }], [], { accept: () => undefined }, options(port))).rejects.toThrow(/choose another --s3-port/);
    } finally {
      blocker.close();
    }
  });

  it('prints buckets and notifications, and queues an Event invoke for the configuration an object change matches', async () => {
    const accepted: InvokeRequest[] = [];
    const defs = [
      notification({ prefix: 'in/' }),
      notification({ id: 'OtherJpg', functionName: 'Other', qualifier: 'live', prefix: 'pics/', suffix: '.jpg', events: ['s3:ObjectCreated:Put'] }),
      notification({ id: 'Gone', events: ['s3:ObjectRemoved:*'] }),
    ];
    const started = await startS3([{ logicalId: 'U', name: 'uploads' }], defs, { accept: (r) => void accepted.push(r) }, options());
    try {
      expect(started.banner[0]).toMatch(/^S3 \(embedded, path-style, aws s3 --endpoint-url http:\/\/127\.0\.0\.1:\d+\):$/);
      expect(started.banner.slice(2)).toEqual(['    s3:ObjectCreated:* (prefix in/) -> Fn', '    s3:ObjectCreated:Put (prefix pics/, suffix .jpg) -> Other:live', '    s3:ObjectRemoved:* -> Fn']);
      const client = new S3Client({ endpoint: started.server?.endpoint, region: 'eu-west-1', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'in/a.txt', Body: 'x' }));
      await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'pics/b.png', Body: 'x' }));
      await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'pics/c.jpg', Body: 'x' }));
      client.destroy();
      // Queued before the answer: nothing to wait for.
      expect(accepted.map((r) => [r.functionName, r.qualifier, r.invocationType])).toEqual([['Fn', undefined, 'Event'], ['Other', 'live', 'Event']]);
      const record = (JSON.parse(accepted[1]?.payload.toString() ?? '{}') as { Records: { awsRegion: string; s3: { configurationId: string } }[] }).Records[0];
      expect(record).toMatchObject({ awsRegion: 'eu-west-1', s3: { configurationId: 'OtherJpg' } });
    } finally {
      await started.close();
    }
  });
});
