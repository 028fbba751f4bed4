import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../../src/services/s3/s3-server.js';
import type { ObjectChange } from '../../../src/services/s3/s3-types.js';

let dir: string;
let server: S3Server;
let client: S3Client;
const changes: ObjectChange[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lamina-s3-'));
  server = await startS3Server({ dir: join(dir, 'store', 's3'), buckets: ['photos'], maxUploadBytes: 12 * 1024 * 1024, onChange: (c) => void changes.push(c) });
  client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
});

afterAll(async () => {
  client.destroy();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const text = async (key: string, bucket = 'photos', range?: string): Promise<string> => {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return (await out.Body?.transformToString()) ?? '';
};

describe('the embedded S3 server through @aws-sdk/client-s3', () => {
  it('creates, heads, lists and refuses buckets as S3 does', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'docs-bucket' }));
    await client.send(new HeadBucketCommand({ Bucket: 'docs-bucket' }));
    const names = (await client.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    expect(names).toEqual(['docs-bucket', 'photos']);
    await expect(client.send(new CreateBucketCommand({ Bucket: 'docs-bucket' }))).rejects.toMatchObject({ name: 'BucketAlreadyOwnedByYou' });
    await expect(client.send(new CreateBucketCommand({ Bucket: 'Bad_Name' }))).rejects.toMatchObject({ name: 'InvalidBucketName' });
    await expect(client.send(new HeadBucketCommand({ Bucket: 'missing-bucket' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await client.send(new PutObjectCommand({ Bucket: 'docs-bucket', Key: 'x', Body: 'x' }));
    await expect(client.send(new DeleteBucketCommand({ Bucket: 'docs-bucket' }))).rejects.toMatchObject({ name: 'BucketNotEmpty' });
    await client.send(new DeleteObjectCommand({ Bucket: 'docs-bucket', Key: 'x' }));
    await client.send(new DeleteBucketCommand({ Bucket: 'docs-bucket' }));
    await expect(client.send(new PutObjectCommand({ Bucket: 'docs-bucket', Key: 'x', Body: 'x' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('puts with the SDK default CRC32 checksum and gets the same bytes, metadata and checksum back', async () => {
    const put = await client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'a b/ü.txt', Body: 'hello world', ContentType: 'text/plain', Metadata: { owner: 'me' } }));
    expect(put.ETag).toBe('"5eb63bbbe01eeed093cb22bb8f5acdc3"');
    const got = await client.send(new GetObjectCommand({ Bucket: 'photos', Key: 'a b/ü.txt', ChecksumMode: 'ENABLED' }));
    expect(await got.Body?.transformToString()).toBe('hello world');
    expect(got.ContentType).toBe('text/plain');
    expect(got.Metadata).toEqual({ owner: 'me' });
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'a b/ü.txt' }));
    expect(head.ContentLength).toBe(11);
  });

  it('decodes an aws-chunked streaming body with its checksum trailer (not stored framed)', async () => {
    const body = Readable.from([Buffer.from('abc'), Buffer.from('def'), Buffer.alloc(70_000, 120)]);
    await client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'stream.bin', Body: body, ContentLength: 70_006 }));
    const got = await text('stream.bin');
    expect(got.length).toBe(70_006);
    expect(got.startsWith('abcdefxxx')).toBe(true);
  });

  it('serves ranges and refuses unsatisfiable ones', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'digits', Body: '0123456789' }));
    expect(await text('digits', 'photos', 'bytes=2-4')).toBe('234');
    expect(await text('digits', 'photos', 'bytes=-3')).toBe('789');
    expect(await text('digits', 'photos', 'bytes=8-')).toBe('89');
    await expect(text('digits', 'photos', 'bytes=10-')).rejects.toMatchObject({ name: 'InvalidRange' });
    await expect(text('no such key')).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('lists with prefix, delimiter and continuation tokens', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'list-bucket' }));
    const keys = ['a/1', 'a/2', 'a/b/3', 'c', 'd/4', 'e'];
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: 'list-bucket', Key, Body: Key }));
    const top = await client.send(new ListObjectsV2Command({ Bucket: 'list-bucket', Delimiter: '/' }));
    expect(top.Contents?.map((o) => o.Key)).toEqual(['c', 'e']);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'd/']);
    const under = await client.send(new ListObjectsV2Command({ Bucket: 'list-bucket', Prefix: 'a/', Delimiter: '/' }));
    expect(under.Contents?.map((o) => o.Key)).toEqual(['a/1', 'a/2']);
    expect(under.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/b/']);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const pageOut = await client.send(new ListObjectsV2Command({ Bucket: 'list-bucket', MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(pageOut.Contents?.map((o) => o.Key ?? '') ?? []));
      token = pageOut.NextContinuationToken;
      expect(pageOut.IsTruncated).toBe(token !== undefined);
    } while (token !== undefined);
    expect(seen).toEqual(keys);
  });

  it('copies, deletes one and many, and reports the changes in order', async () => {
    changes.length = 0;
    await client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'orig', Body: 'copy me' }));
    const copy = await client.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'dup (1)', CopySource: 'photos/orig' }));
    expect(copy.CopyObjectResult?.ETag).toBe((await client.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'orig' }))).ETag);
    expect(await text('dup (1)')).toBe('copy me');
    await client.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'orig' }));
    const many = await client.send(new DeleteObjectsCommand({ Bucket: 'photos', Delete: { Objects: [{ Key: 'dup (1)' }, { Key: 'never-there' }] } }));
    expect(many.Deleted?.map((d) => d.Key)).toEqual(['dup (1)', 'never-there']);
    expect(changes.map((c) => `${c.eventName} ${c.key}`)).toEqual(['ObjectCreated:Put orig', 'ObjectCreated:Copy dup (1)', 'ObjectRemoved:Delete orig', 'ObjectRemoved:Delete dup (1)']);
    const sequencers = changes.map((c) => c.sequencer);
    expect([...sequencers].sort()).toEqual(sequencers);
    expect(new Set(sequencers).size).toBe(sequencers.length);
  });

  it('answers GetObjectTagging with the empty set, and refuses to set tags rather than drop them', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'untagged', Body: 'x' }));
    expect((await client.send(new GetObjectTaggingCommand({ Bucket: 'photos', Key: 'untagged' }))).TagSet).toEqual([]);
    await expect(client.send(new GetObjectTaggingCommand({ Bucket: 'photos', Key: 'missing' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'tagged', Body: 'x', Tagging: 'team=a' }))).rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
    await expect(client.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'tagged' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('assembles a multipart upload with S3 ETag and refuses bad part lists', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'big.bin', ContentType: 'application/x-test' }));
    const first = Buffer.alloc(5 * 1024 * 1024, 97);
    const p1 = await client.send(new UploadPartCommand({ Bucket: 'photos', Key: 'big.bin', UploadId, PartNumber: 1, Body: first }));
    const p2 = await client.send(new UploadPartCommand({ Bucket: 'photos', Key: 'big.bin', UploadId, PartNumber: 2, Body: 'tail' }));
    await expect(client.send(new CompleteMultipartUploadCommand({ Bucket: 'photos', Key: 'big.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: p2.ETag }, { PartNumber: 1, ETag: p1.ETag }] } }))).rejects.toMatchObject({ name: 'InvalidPartOrder' });
    await expect(client.send(new CompleteMultipartUploadCommand({ Bucket: 'photos', Key: 'big.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p2.ETag }] } }))).rejects.toMatchObject({ name: 'InvalidPart' });
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: 'photos', Key: 'big.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'big.bin' }));
    expect(head.ContentLength).toBe(first.length + 4);
    expect(head.ContentType).toBe('application/x-test');
    expect(await text('big.bin', 'photos', `bytes=${first.length - 1}-`)).toBe('atail');
    const { UploadId: other } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'gone' }));
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'photos', Key: 'gone', UploadId: other }));
    await expect(client.send(new UploadPartCommand({ Bucket: 'photos', Key: 'gone', UploadId: other, PartNumber: 1, Body: 'x' }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('keeps the listing and the stored body in agreement when puts and deletes of one key race', async () => {
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 4 === 3 ? client.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'raced' })) : client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'raced', Body: `body ${round}-${i}` })))));
      const listed = (await client.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: 'raced' }))).Contents?.[0];
      if (listed === undefined) {
        await expect(text('raced')).rejects.toMatchObject({ name: 'NoSuchKey' });
        continue;
      }
      const got = await client.send(new GetObjectCommand({ Bucket: 'photos', Key: 'raced' }));
      expect(got.ETag).toBe(listed.ETag);
      expect(got.ContentLength).toBe(listed.Size);
      await got.Body?.transformToString();
    }
  });

  it('keeps hostile keys inside the storage directory', async () => {
    const store = join(dir, 'store');
    for (const Key of ['../../etc/passwd', '../escape', '/..', '..', 'a/../../../b', '%2e%2e/x']) {
      await client.send(new PutObjectCommand({ Bucket: 'photos', Key, Body: 'hostile' }));
      expect(await text(Key)).toBe('hostile');
    }
    // Nothing but the storage directory appeared beside it.
    expect(readdirSync(dirname(store)).sort()).toEqual(['store']);
    expect(readdirSync(store)).toEqual(['s3']);
    expect(existsSync(join(dir, 'etc'))).toBe(false);
    const listed = (await client.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: '..' }))).Contents?.map((o) => o.Key);
    expect(listed).toEqual(['..', '../../etc/passwd', '../escape']);
  });

  it('refuses a body over the upload limit and keeps nothing of it', async () => {
    const before = (await client.send(new ListObjectsV2Command({ Bucket: 'photos' }))).KeyCount;
    await expect(client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'huge', Body: Buffer.alloc(12 * 1024 * 1024 + 1) }))).rejects.toMatchObject({ name: 'EntityTooLarge' });
    expect((await client.send(new ListObjectsV2Command({ Bucket: 'photos' }))).KeyCount).toBe(before);
    expect(readdirSync(join(dir, 'store', 's3', 'tmp'))).toEqual([]);
  });
});
