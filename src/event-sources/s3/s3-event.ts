/**
 * The record S3 sends a function for an object event (docs/event-sources-s3.md): one record per
 * event in `Records`, event version 2.1, the key URL-encoded as S3 encodes it (spaces as `+`,
 * other bytes outside `A-Za-z0-9.-_*` and `/` as `%XX` of their UTF-8), size and ETag for created
 * objects only. Pure: `lamina event generate` builds samples with the same function.
 */
import { createHash } from 'node:crypto';
import type { ObjectChange } from '../../services/s3/s3-types.js';

/** An object change as the server reports it, and what the notification adds. */
export interface S3RecordInput extends Omit<ObjectChange, 'eventName'> {
  /** Without `s3:`, e.g. `ObjectCreated:Put`. */
  readonly eventName: string;
  readonly configurationId: string;
  readonly region: string;
  readonly accountId: string;
  /** The caller's principal; Lamina's S3 does not authenticate, so an account-shaped one by default. */
  readonly principalId?: string | undefined;
}

/**
 * A key as S3 writes it into event records.
 *
 * @example encodeEventKey('photos/my cat (1).jpg') // 'photos/my+cat+%281%29.jpg'
 */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

/** A stable principal id for an account, shaped like S3's (`A` and 13 upper-case characters). */
function principalOf(accountId: string): string {
  return `A${createHash('sha256').update(accountId).digest('hex').slice(0, 13).toUpperCase()}`;
}

/**
 * One S3 event record.
 *
 * @example
 * s3EventRecord({ eventName: 'ObjectCreated:Put', bucket: 'photos', key: 'a b.jpg', size: 3, eTag: 'abc', ... }).s3.object.key // 'a+b.jpg'
 */
export function s3EventRecord(input: S3RecordInput): Record<string, unknown> {
  const created = input.eventName.startsWith('ObjectCreated:');
  const object: Record<string, unknown> = { key: encodeEventKey(input.key) };
  if (created) {
    object.size = input.size ?? 0;
    object.eTag = input.eTag ?? '';
  }
  object.sequencer = input.sequencer;
  const owner = principalOf(input.accountId);
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: input.region,
    eventTime: input.time.toISOString(),
    eventName: input.eventName,
    userIdentity: { principalId: input.principalId ?? `AWS:${owner}` },
    requestParameters: { sourceIPAddress: input.sourceIp },
    responseElements: { 'x-amz-request-id': input.requestId, 'x-amz-id-2': input.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: input.configurationId,
      bucket: { name: input.bucket, ownerIdentity: { principalId: owner }, arn: `arn:aws:s3:::${input.bucket}` },
      object,
    },
  };
}

/**
 * The event a function receives: `{ Records: [record] }` (S3 sends one record per event).
 *
 * @example JSON.parse(s3EventPayload(input).toString()).Records.length // 1
 */
export function s3EventPayload(input: S3RecordInput): Buffer {
  return Buffer.from(JSON.stringify({ Records: [s3EventRecord(input)] }));
}

/** The fixed values of sample events, as `sam local generate-event s3` prints them. */
const SAMPLE = {
  bucket: 'example-bucket',
  key: 'test/key',
  size: 1024,
  eTag: '0123456789abcdef0123456789abcdef',
  sequencer: '0A1B2C3D4E5F678901',
  configurationId: 'testConfigRule',
  region: 'us-east-1',
  accountId: '123456789012',
  sourceIp: '127.0.0.1',
  requestId: 'EXAMPLE123456789',
  hostId: 'EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH',
  principalId: 'EXAMPLE',
} as const;

/**
 * A sample event for `lamina event generate s3 <put|delete|...>`: the same builder as real
 * notifications, with example values (any of which can be given).
 *
 * @example JSON.parse(sampleS3Event({ eventName: 'ObjectRemoved:Delete', key: 'a b' }).toString()).Records[0].s3.object.key // 'a+b'
 */
export function sampleS3Event(given: Partial<S3RecordInput> & { readonly eventName: string }): Buffer {
  return s3EventPayload({ ...SAMPLE, time: new Date(0), ...given });
}
