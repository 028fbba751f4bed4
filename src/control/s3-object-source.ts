/**
 * The embedded S3 server's objects as a package source for the management API (a layer's or a
 * function's `S3Bucket`/`S3Key`, docs/deployment-packages.md). The store is looked up at each
 * read: `lamina serve` starts S3 after the control plane, and only when the template has buckets.
 */
import type { ObjectSource } from './api/package-source.js';
import type { S3Store } from '../services/s3/s3-store.js';

/**
 * @example
 * const objects = s3ObjectSource(() => s3.server?.store);
 * await objects.read('artifacts', 'layer.zip', 262_144_000); // Buffer | 'NoSuchBucket' | 'NoSuchKey' | 'TooLarge'
 */
export function s3ObjectSource(store: () => S3Store | undefined): ObjectSource {
  return {
    read: async (bucket, key, maxBytes) => {
      const s3 = store();
      if (s3 === undefined || !s3.hasBucket(bucket)) return 'NoSuchBucket';
      const meta = s3.head(bucket, key);
      if (meta === undefined) return 'NoSuchKey';
      if (meta.size > maxBytes) return 'TooLarge';
      const opened = await s3.openObject(bucket, key).catch(() => undefined);
      if (opened === undefined) return 'NoSuchKey';
      if (opened.body === undefined) return Buffer.alloc(0);
      const chunks: Buffer[] = [];
      for await (const chunk of opened.body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}
