/**
 * The S3 event record builder and the notification matching rules (src/event-sources/s3/).
 */
import { describe, expect, it } from 'vitest';
import { encodeEventKey, s3EventPayload, s3EventRecord, sampleS3Event } from '../../../src/event-sources/s3/s3-event.js';
import { eventTypeCovers, eventTypesOverlap, filtersOverlap, notificationMatches } from '../../../src/event-sources/s3/s3-notification-types.js';

const INPUT = {
  eventName: 'ObjectCreated:Put',
  bucket: 'photos',
  key: 'in/a b.jpg',
  size: 42,
  eTag: '0123456789abcdef0123456789abcdef',
  sequencer: '0000018C1F2E3D4A',
  configurationId: 'FnUploads',
  region: 'eu-west-1',
  accountId: '123456789012',
  time: new Date('2026-03-01T12:00:00.123Z'),
  sourceIp: '127.0.0.1',
  requestId: 'C3D13FE58DE4C810',
  hostId: 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
};

describe('the S3 event record', () => {
  it('has the shape S3 sends for a created object', () => {
    expect(s3EventRecord(INPUT)).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2026-03-01T12:00:00.123Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: expect.stringMatching(/^AWS:A[0-9A-F]{13}$/) as unknown },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': INPUT.hostId },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'FnUploads',
        bucket: { name: 'photos', ownerIdentity: { principalId: expect.stringMatching(/^A[0-9A-F]{13}$/) as unknown }, arn: 'arn:aws:s3:::photos' },
        object: { key: 'in/a+b.jpg', size: 42, eTag: INPUT.eTag, sequencer: '0000018C1F2E3D4A' },
      },
    });
  });

  it('has no size or eTag for a removed object, and one record per payload', () => {
    const payload = JSON.parse(s3EventPayload({ ...INPUT, eventName: 'ObjectRemoved:Delete', size: undefined, eTag: undefined }).toString()) as { Records: { s3: { object: unknown } }[] };
    expect(payload.Records).toHaveLength(1);
    expect(payload.Records[0]?.s3.object).toEqual({ key: 'in/a+b.jpg', sequencer: '0000018C1F2E3D4A' });
  });

  it('builds sample events with the same code, example values by default', () => {
    const put = JSON.parse(sampleS3Event({ eventName: 'ObjectCreated:Put' }).toString()) as { Records: Record<string, unknown>[] };
    expect(put.Records[0]).toMatchObject({ eventTime: '1970-01-01T00:00:00.000Z', userIdentity: { principalId: 'EXAMPLE' }, s3: { bucket: { name: 'example-bucket' }, object: { key: 'test/key', size: 1024 } } });
    const del = JSON.parse(sampleS3Event({ eventName: 'ObjectRemoved:Delete', bucket: 'mine', key: 'a b' }).toString()) as { Records: { s3: { bucket: { name: string }; object: unknown } }[] };
    expect(del.Records[0]?.s3.bucket.name).toBe('mine');
    expect(del.Records[0]?.s3.object).toEqual({ key: 'a+b', sequencer: '0A1B2C3D4E5F678901' });
  });

  it.each([
    ['plain/key.txt', 'plain/key.txt'],
    ['a b', 'a+b'],
    ['ü.jpg', '%C3%BC.jpg'],
    ['日本/写真.png', '%E6%97%A5%E6%9C%AC/%E5%86%99%E7%9C%9F.png'],
    ['my cat (1)!.jpg', 'my+cat+%281%29%21.jpg'],
    ["it's~*-_.x", 'it%27s%7E*-_.x'],
    ['a+b=c&d?e#f', 'a%2Bb%3Dc%26d%3Fe%23f'],
    ['100%', '100%25'],
    ['😀', '%F0%9F%98%80'],
  ])('encodes the key %j as S3 does: %s', (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded);
    // A handler's usual decoding gets the key back.
    expect(decodeURIComponent(encoded.replace(/\+/g, ' '))).toBe(key);
  });
});

describe('notification matching', () => {
  it('covers event names by exact type or wildcard', () => {
    expect(eventTypeCovers('s3:ObjectCreated:*', 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(eventTypeCovers('s3:ObjectCreated:Put', 'ObjectCreated:Put')).toBe(true);
    expect(eventTypeCovers('s3:ObjectCreated:Put', 'ObjectCreated:Copy')).toBe(false);
    expect(eventTypeCovers('s3:ObjectRemoved:*', 'ObjectCreated:Put')).toBe(false);
    expect(eventTypeCovers('s3:Object*', 'ObjectCreated:Put')).toBe(false);
  });

  it('filters keys by prefix and suffix, both required', () => {
    const def = { events: ['s3:ObjectCreated:*'], prefix: 'in/', suffix: '.jpg' };
    expect(notificationMatches(def, 'ObjectCreated:Put', 'in/a.jpg')).toBe(true);
    expect(notificationMatches(def, 'ObjectCreated:Put', 'in/a.png')).toBe(false);
    expect(notificationMatches(def, 'ObjectCreated:Put', 'out/a.jpg')).toBe(false);
    expect(notificationMatches(def, 'ObjectRemoved:Delete', 'in/a.jpg')).toBe(false);
    // Filters compare the raw key, not its encoded form.
    expect(notificationMatches({ ...def, prefix: 'in dir/' }, 'ObjectCreated:Put', 'in dir/a.jpg')).toBe(true);
  });

  it('finds overlaps as S3 refuses them', () => {
    expect(eventTypesOverlap('s3:ObjectCreated:*', 's3:ObjectCreated:Put')).toBe(true);
    expect(eventTypesOverlap('s3:ObjectCreated:Put', 's3:ObjectCreated:Copy')).toBe(false);
    expect(filtersOverlap({ prefix: 'a/', suffix: '' }, { prefix: 'a/b/', suffix: '.jpg' })).toBe(true);
    expect(filtersOverlap({ prefix: 'a/', suffix: '.jpg' }, { prefix: 'a/', suffix: '.png' })).toBe(false);
    expect(filtersOverlap({ prefix: 'a/', suffix: '' }, { prefix: 'b/', suffix: '' })).toBe(false);
    expect(filtersOverlap({ prefix: '', suffix: 'x.jpg' }, { prefix: '', suffix: '.jpg' })).toBe(true);
  });
});
