/**
 * The embedded S3 server against raw, hostile HTTP (no SDK to keep requests well-formed): path
 * tricks, broken aws-chunked framing, wrong digests, XML with entities, oversized inputs. Each is
 * refused with S3's error shape and leaves nothing behind; then a restart finds every object that
 * was acknowledged.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3_ERRORS } from '../../../src/services/s3/s3-errors.js';
import { startS3Server, type S3Server } from '../../../src/services/s3/s3-server.js';
import * as lamina from '../../../src/errors.js';

let dir: string;
let server: S3Server;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw request; `path` goes on the wire exactly as given. */
function raw(method: string, path: string, headers: Record<string, string> = {}, body: Buffer | string = ''): Promise<Answer> {
  const url = new URL(server.endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const code = (a: Answer): string | undefined => /<Code>([^<]*)<\/Code>/.exec(a.body)?.[1];
const crc = (s: string): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(Buffer.from(s)));
  return b.toString('base64');
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lamina-s3-hostile-'));
  server = await startS3Server({ dir: join(dir, 'inside', 's3'), buckets: ['box'], maxUploadBytes: 1024 * 1024 });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hostile requests', () => {
  it('answers errors in S3\'s XML shape with the request id of the headers', async () => {
    const a = await raw('GET', '/box/missing');
    expect(a.status).toBe(404);
    expect(a.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>[^<]+<\/Message><Key>missing<\/Key><RequestId>([0-9A-F]{16})<\/RequestId><\/Error>$/);
    expect(a.body).toContain(`<RequestId>${String(a.headers['x-amz-request-id'])}</RequestId>`);
    expect(code(await raw('GET', '/nobucket/x'))).toBe('NoSuchBucket');
    expect((await raw('HEAD', '/box/missing')).body).toBe('');
  });

  it.each([
    ['/box/../../../outside', '../../../outside'],
    ['/box/%2e%2e/%2e%2e/outside2', '../../outside2'],
    ['/box/..%2f..%2foutside3', '../../outside3'],
    ['/box//etc/passwd', '/etc/passwd'],
    ['/box/a%00b', 'a\u0000b'],
  ])('stores %s as the key %j, inside the storage directory', async (path, key) => {
    expect((await raw('PUT', path, {}, 'payload')).status).toBe(200);
    const listed = await raw('GET', `/box?list-type=2&prefix=${encodeURIComponent(key)}&encoding-type=url`);
    expect(listed.body).toContain(`<Key>${encodeURIComponent(key).replace(/%2F/g, '/')}</Key>`);
    expect(readdirSync(dir)).toEqual(['inside']);
    expect(readdirSync(join(dir, 'inside'))).toEqual(['s3']);
  });

  it('refuses bucket names that are paths', async () => {
    expect(code(await raw('PUT', '/..'))).toBe('InvalidBucketName');
    expect(code(await raw('PUT', '/%2e%2e'))).toBe('InvalidBucketName');
    expect(code(await raw('PUT', '/%2e%2e/x', {}, 'x'))).toBe('NoSuchBucket');
    expect(code(await raw('PUT', '/a%2fb'))).toBe('InvalidBucketName');
  });

  it.each([
    ['a chunk header that is not hex', 'zz\r\nabc\r\n0\r\n\r\n'],
    ['a chunk longer than declared', '3\r\nabcdef\r\n0\r\n\r\n'],
    ['no final chunk', '3\r\nabc\r\n'],
    ['a size beyond any integer', 'ffffffffffffffffff\r\nabc\r\n0\r\n\r\n'],
    ['bare LF line ends', '3\nabc\n0\n\n'],
    ['bytes after the end', '3\r\nabc\r\n0\r\n\r\nextra'],
    ['a header line without end', `${'1'.repeat(5000)}`],
  ])('refuses an aws-chunked body with %s and keeps nothing', async (_what, body) => {
    const a = await raw('PUT', '/box/chunked', { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '3' }, body);
    expect(a.status).toBe(400);
    expect(['InvalidRequest', 'IncompleteBody']).toContain(code(a));
    expect((await raw('HEAD', '/box/chunked')).status).toBe(404);
    expect(readdirSync(join(dir, 'inside', 's3', 'tmp'))).toEqual([]);
  });

  it('decodes aws-chunked with signatures and a checksum trailer, and refuses a wrong trailer', async () => {
    const good = `3;chunk-signature=${'a'.repeat(64)}\r\nabc\r\n0;chunk-signature=${'b'.repeat(64)}\r\nx-amz-checksum-crc32:${crc('abc')}\r\n\r\n`;
    const headers = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '3', 'x-amz-trailer': 'x-amz-checksum-crc32' };
    expect((await raw('PUT', '/box/framed', headers, good)).status).toBe(200);
    expect((await raw('GET', '/box/framed')).body).toBe('abc');
    const bad = good.replace(crc('abc'), crc('abd'));
    const a = await raw('PUT', '/box/framed', headers, bad.replace('abc', 'abc'));
    expect(code(a)).toBe('BadDigest');
    const wrongLength = await raw('PUT', '/box/framed', { ...headers, 'x-amz-decoded-content-length': '4' }, good);
    expect(code(wrongLength)).toBe('IncompleteBody');
    expect((await raw('GET', '/box/framed')).body).toBe('abc');
  });

  it('checks Content-MD5 and checksum headers', async () => {
    const md5 = createHash('md5').update('other').digest('base64');
    expect(code(await raw('PUT', '/box/d', { 'content-md5': md5 }, 'body'))).toBe('BadDigest');
    expect(code(await raw('PUT', '/box/d', { 'x-amz-checksum-crc32': crc('other') }, 'body'))).toBe('BadDigest');
    expect(code(await raw('PUT', '/box/d', { 'x-amz-checksum-sha256': createHash('sha256').update('other').digest('base64') }, 'body'))).toBe('BadDigest');
    expect((await raw('PUT', '/box/d', { 'x-amz-checksum-crc32c': 'yKEG5Q==', 'content-md5': createHash('md5').update('body').digest('base64') }, 'body')).status).toBe(400);
    expect((await raw('PUT', '/box/d', { 'x-amz-checksum-sha1': createHash('sha1').update('body').digest('base64') }, 'body')).status).toBe(200);
    expect((await raw('HEAD', '/box/d')).status).toBe(200);
  });

  it('refuses XML with a DOCTYPE or entities, too many keys, and oversized bodies', async () => {
    const entity = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>';
    expect(code(await raw('POST', '/box?delete', {}, entity))).toBe('MalformedXML');
    expect(code(await raw('POST', '/box?delete', {}, '<Delete><Object><Key>a&bogus;</Key></Object></Delete>'))).toBe('MalformedXML');
    const many = `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`;
    expect(code(await raw('POST', '/box?delete', {}, many))).toBe('MalformedXML');
    expect(code(await raw('POST', '/box?delete', {}, `<Delete>${' '.repeat(3 * 1024 * 1024)}</Delete>`))).toBe('MalformedXML');
    expect((await raw('PUT', '/box/survivor', {}, 'x')).status).toBe(200);
    const mixed = `<Delete><Object><Key>survivor</Key></Object><Object><Key>${'k'.repeat(1025)}</Key></Object></Delete>`;
    expect(code(await raw('POST', '/box?delete', {}, mixed))).toBe('KeyTooLongError');
    expect((await raw('HEAD', '/box/survivor')).status).toBe(200);
    const escaped = await raw('POST', '/box?delete', {}, '<Delete><Object><Key>a&amp;b&#60;c</Key></Object></Delete>');
    expect(escaped.body).toContain('<Key>a&amp;b&lt;c</Key>');
  });

  it('refuses keys, metadata, parts and bodies over S3\'s limits', async () => {
    expect(code(await raw('PUT', `/box/${'k'.repeat(1025)}`, {}, 'x'))).toBe('KeyTooLongError');
    expect((await raw('PUT', `/box/${'k'.repeat(1024)}`, {}, 'x')).status).toBe(200);
    expect(code(await raw('PUT', '/box/meta', { 'x-amz-meta-big': 'v'.repeat(2100) }, 'x'))).toBe('MetadataTooLarge');
    const init = await raw('POST', '/box/mp?uploads');
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body)?.[1] ?? '';
    expect(code(await raw('PUT', `/box/mp?partNumber=10001&uploadId=${uploadId}`, {}, 'x'))).toBe('InvalidArgument');
    expect(code(await raw('PUT', `/box/mp?partNumber=1&uploadId=nope`, {}, 'x'))).toBe('NoSuchUpload');
    for (const range of ['bytes=0-10', 'bytes=3-1', 'bytes=0-', 'bytes=-2', 'items=0-1']) {
      expect(code(await raw('PUT', `/box/mp?partNumber=1&uploadId=${uploadId}`, { 'x-amz-copy-source': '/box/d', 'x-amz-copy-source-range': range }))).toBe('InvalidArgument');
    }
    const copied = await raw('PUT', `/box/mp?partNumber=1&uploadId=${uploadId}`, { 'x-amz-copy-source': '/box/d', 'x-amz-copy-source-range': 'bytes=1-2' });
    expect(copied.body).toContain(`<ETag>&quot;${createHash('md5').update('od').digest('hex')}&quot;</ETag>`);
    expect(code(await raw('PUT', '/box/big', {}, Buffer.alloc(1024 * 1024 + 1)))).toBe('EntityTooLarge');
    expect((await raw('HEAD', '/box/big')).status).toBe(404);
    expect(code(await raw('GET', '/box/mp?torrent'))).toBe('NotImplemented');
  });
});

describe('durability', () => {
  it('finds acknowledged objects and open uploads after a restart', async () => {
    expect((await raw('PUT', '/box/kept', { 'content-type': 'text/x-kept', 'x-amz-meta-a': '1' }, 'kept body')).status).toBe(200);
    const init = await raw('POST', '/box/later?uploads');
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body)?.[1] ?? '';
    const part = await raw('PUT', `/box/later?partNumber=1&uploadId=${uploadId}`, {}, 'only part');
    await server.close();
    server = await startS3Server({ dir: join(dir, 'inside', 's3'), buckets: ['box'] });
    const got = await raw('GET', '/box/kept');
    expect(got.body).toBe('kept body');
    expect(got.headers['content-type']).toBe('text/x-kept');
    expect(got.headers['x-amz-meta-a']).toBe('1');
    expect(got.headers.etag).toBe(`"${createHash('md5').update('kept body').digest('hex')}"`);
    const done = await raw('POST', `/box/later?uploadId=${uploadId}`, {}, `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(part.headers.etag)}</ETag></Part></CompleteMultipartUpload>`);
    expect(done.status).toBe(200);
    expect((await raw('GET', '/box/later')).body).toBe('only part');
  });
});

describe('large objects', () => {
  it('indexes a 3 GiB object at start without reading it whole, and serves its ranges', async () => {
    const root = join(dir, 'large', 's3');
    const bucketDir = join(root, 'buckets', 'large-bucket');
    mkdirSync(join(bucketDir, 'objects'), { recursive: true });
    mkdirSync(join(bucketDir, 'uploads'));
    writeFileSync(join(bucketDir, 'bucket.json'), JSON.stringify({ created: 0 }));
    const size = 3 * 1024 ** 3;
    const meta = Buffer.from(JSON.stringify({ key: 'huge.bin', size, etag: '"00000000000000000000000000000000-1"', lastModified: 0, headers: {}, metadata: {} }));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(meta.length);
    const file = join(bucketDir, 'objects', createHash('sha256').update('huge.bin').digest('hex'));
    // A sparse body: gigabytes on paper, nothing on disk.
    writeFileSync(file, '');
    truncateSync(file, size);
    appendFileSync(file, Buffer.concat([meta, len]));
    const large = await startS3Server({ dir: root });
    try {
      const url = new URL(large.endpoint);
      const head = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
        request({ host: url.hostname, port: url.port, method: 'GET', path: '/large-bucket/huge.bin', headers: { range: 'bytes=-4' } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ ...res.headers, status: String(res.statusCode) }));
        }).on('error', reject).end();
      });
      expect(head).toMatchObject({ status: '206', 'content-range': `bytes ${size - 4}-${size - 1}/${size}`, 'content-length': '4' });
    } finally {
      await large.close();
    }
  });
});

describe('the S3 error catalogue', () => {
  it('has LAMINA_ERR_S3_* codes matching their keys, unique across the project', () => {
    const projectCodes = Object.values(lamina).flatMap((v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : []));
    for (const [key, spec] of Object.entries(S3_ERRORS)) {
      expect(spec.code).toBe(key);
      expect(key).toMatch(/^LAMINA_ERR_S3_[A-Z_]+$/);
      expect(projectCodes).not.toContain(key);
    }
  });
});
