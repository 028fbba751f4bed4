/**
 * `lamina event generate s3 put|copy|complete-multipart-upload|delete`: a bucket notification as
 * the embedded S3 sends it to a function, built by `sampleS3Event` over the same record builder
 * (docs/event-sources-s3.md).
 */
import { ConfigError } from '../../errors.js';
import { sampleS3Event } from '../../event-sources/s3/s3-event.js';
import type { EventKind, EventSourceGenerator, GenerateContext, OptionValues } from './generator-types.js';
import { text } from './option-values.js';

/** S3's bucket naming rules (3-63 lower-case letters, digits, dots and hyphens). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** S3's key limit: 1,024 bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;

function s3Kind(name: string, eventName: string, description: string): EventKind {
  const created = eventName.startsWith('ObjectCreated:');
  return {
    name,
    description,
    options: [
      { name: 'bucket', description: "The bucket's name", default: 'example-bucket' },
      { name: 'key', description: 'The object key (written URL-encoded into the record, as S3 does)', default: 'test/key' },
      ...(created ? [{ name: 'size', description: "The object's size in bytes", default: '1024' }] : []),
    ],
    build: (values: OptionValues, context: GenerateContext): unknown => {
      const bucket = text(values, 'bucket');
      if (!BUCKET_NAME.test(bucket)) throw new ConfigError(`--bucket must be 3-63 lower-case letters, digits, '.' or '-', got ${JSON.stringify(bucket)}`);
      const key = text(values, 'key');
      if (key === '' || Buffer.byteLength(key) > MAX_KEY_BYTES) throw new ConfigError(`--key must be 1-${MAX_KEY_BYTES} bytes of UTF-8`);
      const size = created ? Number(text(values, 'size')) : undefined;
      if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) throw new ConfigError(`--size must be a whole number of bytes, got ${JSON.stringify(text(values, 'size'))}`);
      const payload = sampleS3Event({ eventName, bucket, key, size, time: context.now, region: context.region, accountId: context.accountId });
      return JSON.parse(payload.toString('utf8'));
    },
  };
}

export const s3Generator: EventSourceGenerator = {
  name: 's3',
  description: 'S3 bucket notifications (Events: S3, NotificationConfiguration.LambdaConfigurations)',
  kinds: [
    s3Kind('put', 'ObjectCreated:Put', 'An object written with PutObject (s3:ObjectCreated:Put)'),
    s3Kind('copy', 'ObjectCreated:Copy', 'An object written with CopyObject (s3:ObjectCreated:Copy)'),
    s3Kind('complete-multipart-upload', 'ObjectCreated:CompleteMultipartUpload', 'An object written by a multipart upload (s3:ObjectCreated:CompleteMultipartUpload)'),
    s3Kind('delete', 'ObjectRemoved:Delete', 'An object deleted (s3:ObjectRemoved:Delete)'),
  ],
};
