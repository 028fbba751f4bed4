/**
 * The object operations of the embedded S3 server (docs/s3-server.md): PutObject (plain or
 * aws-chunked, with Content-MD5 and flexible checksums), GetObject and HeadObject (with Range),
 * DeleteObject, DeleteObjects and CopyObject.
 */
import { Readable, Transform } from 'node:stream';
import { AwsChunkedDecoder, isAwsChunked, storedEncoding } from './aws-chunked.js';
import { BodyDigests, requestedChecksum } from './checksums.js';
import { S3Error } from './s3-errors.js';
import { objectResponseHeaders, type S3Context, type S3Reply } from './s3-reply.js';
import { checkKey, objectHeaders, parseRange, type S3Request } from './s3-request.js';
import { S3_LIMITS, type ObjectMeta } from './s3-types.js';
import { xmlBlocks, xmlDocument, xmlElement, xmlText } from './s3-xml.js';

/**
 * A request's body as bytes to store, aws-chunked framing removed and digests computed; `finish`
 * checks Content-MD5, the checksum and the declared decoded length.
 */
export function incomingBody(req: S3Request): { stream: Readable; finish: (bytes: number) => { md5Hex: string; checksum: ObjectMeta['checksum'] } } {
  const digests = new BodyDigests(requestedChecksum(req.headers));
  const chunked = isAwsChunked(req.headers);
  const decoder = chunked ? new AwsChunkedDecoder() : undefined;
  if (!chunked && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    throw new S3Error('LAMINA_ERR_S3_MISSING_CONTENT_LENGTH', 'You must provide the Content-Length HTTP header.');
  }
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      digests.update(chunk);
      callback(null, chunk);
    },
  });
  // Errors of the request stream (or of the framing) reach the consumer of the tap.
  const source: Readable = decoder === undefined ? req.raw : req.raw.pipe(decoder);
  if (decoder !== undefined) req.raw.on('error', (err) => decoder.destroy(err));
  source.on('error', (err) => tap.destroy(err));
  source.pipe(tap);
  const declared = req.headers['x-amz-decoded-content-length'];
  return {
    stream: tap,
    finish: (bytes) => {
      if (chunked && typeof declared === 'string' && Number(declared) !== bytes) {
        throw new S3Error('LAMINA_ERR_S3_INCOMPLETE_BODY', `The decoded body is ${bytes} bytes, x-amz-decoded-content-length said ${declared}.`);
      }
      const trailer = decoder === undefined ? undefined : [...decoder.trailers].find(([name]) => name.startsWith('x-amz-checksum-'))?.[1];
      const contentMd5 = req.headers['content-md5'];
      return digests.finish(typeof contentMd5 === 'string' ? contentMd5 : undefined, trailer);
    },
  };
}

function checksumHeaders(meta: ObjectMeta): Record<string, string> {
  return meta.checksum === undefined ? {} : { [`x-amz-checksum-${meta.checksum.algorithm}`]: meta.checksum.value };
}

export async function putObject(ctx: S3Context, req: S3Request, bucket: string, key: string): Promise<S3Reply> {
  checkKey(key);
  ctx.store.bucket(bucket);
  const { headers, metadata } = objectHeaders(req.headers);
  const encoding = storedEncoding(typeof req.headers['content-encoding'] === 'string' ? req.headers['content-encoding'] : undefined);
  if (encoding === undefined) delete headers['content-encoding'];
  else headers['content-encoding'] = encoding;
  const body = incomingBody(req);
  const meta = await ctx.store.putObject(bucket, key, body.stream, ctx.maxUploadBytes, (size) => {
    const { md5Hex, checksum } = body.finish(size);
    return { key, size, etag: `"${md5Hex}"`, lastModified: Date.now(), headers, metadata, checksum };
  });
  return {
    status: 200,
    headers: { etag: meta.etag, ...checksumHeaders(meta) },
    changes: [{ eventName: 'ObjectCreated:Put', bucket, key, size: meta.size, eTag: meta.etag.slice(1, -1), sequencer: ctx.sequencer() }],
  };
}

export async function getObject(ctx: S3Context, req: S3Request, bucket: string, key: string, head: boolean): Promise<S3Reply> {
  const rangeHeader = typeof req.headers.range === 'string' ? req.headers.range : undefined;
  const opened = await ctx.store.openObject(bucket, key, (size) => parseRange(rangeHeader, size));
  const { meta, range } = opened;
  const headers = objectResponseHeaders(meta);
  // `response-*` query parameters override headers of the answer (presigned download links use them).
  for (const name of ['content-type', 'content-language', 'expires', 'cache-control', 'content-disposition', 'content-encoding']) {
    const override = req.query.get(`response-${name}`);
    if (override !== null) headers[name] = override;
  }
  // The whole object's checksum only, and only when asked (a range has no stored checksum).
  if (range === undefined && String(req.headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED') Object.assign(headers, checksumHeaders(meta));
  if (range !== undefined) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${meta.size}`;
    headers['content-length'] = String(range.end - range.start + 1);
  } else {
    headers['content-length'] = String(meta.size);
  }
  if (head) opened.body?.destroy();
  return { status: range === undefined ? 200 : 206, headers, body: head ? undefined : opened.body };
}

/**
 * GetObjectTagging: the empty tag set of an object that exists (tags are never stored here).
 *
 * @example await objectTagging(ctx, 'uploads', 'a.txt') // 200 <Tagging><TagSet></TagSet></Tagging>
 */
export function objectTagging(ctx: S3Context, bucket: string, key: string): S3Reply {
  if (ctx.store.head(bucket, key) === undefined) throw new S3Error('LAMINA_ERR_S3_NO_SUCH_KEY', 'The specified key does not exist.', { BucketName: bucket, Key: key });
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: xmlDocument('Tagging', [xmlElement('TagSet', [])]) };
}

export async function deleteObject(ctx: S3Context, bucket: string, key: string): Promise<S3Reply> {
  const existed = await ctx.store.deleteObject(bucket, key);
  // S3 answers 204 whether or not the key existed; only a real removal is notified here.
  return { status: 204, changes: existed === undefined ? [] : [{ eventName: 'ObjectRemoved:Delete', bucket, key, sequencer: ctx.sequencer() }] };
}

export async function deleteObjects(ctx: S3Context, bucket: string, xml: string): Promise<S3Reply> {
  ctx.store.bucket(bucket);
  const objects = xmlBlocks(xml, 'Object');
  if (objects === undefined || xmlBlocks(xml, 'Delete')?.length !== 1) throw new S3Error('LAMINA_ERR_S3_MALFORMED_XML', 'The XML you provided was not well-formed or did not validate against our published schema');
  if (objects.length === 0 || objects.length > S3_LIMITS.maxDeleteKeys) throw new S3Error('LAMINA_ERR_S3_MALFORMED_XML', `A Delete request names 1 to ${S3_LIMITS.maxDeleteKeys} objects.`);
  const quiet = xmlText(xml, 'Quiet') === 'true';
  const out: string[] = [];
  const changes: NonNullable<S3Reply['changes']>[number][] = [];
  // Every key is checked before any is deleted: a bad request changes nothing.
  const keys = objects.map((block) => {
    const key = xmlText(block, 'Key');
    if (typeof key !== 'string' || key === '') throw new S3Error('LAMINA_ERR_S3_MALFORMED_XML', 'Each Object of a Delete request needs a Key.');
    checkKey(key);
    return key;
  });
  for (const key of keys) {
    const existed = await ctx.store.deleteObject(bucket, key);
    if (existed !== undefined) changes.push({ eventName: 'ObjectRemoved:Delete', bucket, key, sequencer: ctx.sequencer() });
    if (!quiet) out.push(xmlElement('Deleted', [xmlElement('Key', key)]));
  }
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: xmlDocument('DeleteResult', out), changes };
}

/**
 * `x-amz-copy-source`: `bucket/key` or `/bucket/key`, percent-encoded, maybe `?versionId=`.
 *
 * @example copySource('photos/a%20b.jpg') // { bucket: 'photos', key: 'a b.jpg' }
 */
export function copySource(header: string): { bucket: string; key: string } {
  const path = header.split('?')[0] ?? '';
  const trimmed = path.startsWith('/') ? path.slice(1) : path;
  const slash = trimmed.indexOf('/');
  let decoded: string[];
  try {
    decoded = [decodeURIComponent(trimmed.slice(0, slash)), decodeURIComponent(trimmed.slice(slash + 1))];
  } catch {
    throw new S3Error('LAMINA_ERR_S3_INVALID_ARGUMENT', 'Invalid copy source encoding');
  }
  if (slash <= 0 || decoded[1] === '') throw new S3Error('LAMINA_ERR_S3_INVALID_ARGUMENT', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  return { bucket: decoded[0] ?? '', key: decoded[1] ?? '' };
}

export async function copyObject(ctx: S3Context, req: S3Request, bucket: string, key: string): Promise<S3Reply> {
  checkKey(key);
  ctx.store.bucket(bucket);
  const source = copySource(String(req.headers['x-amz-copy-source']));
  const opened = await ctx.store.openObject(source.bucket, source.key);
  const replace = String(req.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
  if (source.bucket === bucket && source.key === key && !replace) {
    opened.body?.destroy();
    throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', 'This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class, website redirect location or encryption attributes.');
  }
  const given = replace ? objectHeaders(req.headers) : { headers: opened.meta.headers, metadata: opened.meta.metadata };
  const meta = await ctx.store.putObject(bucket, key, opened.body ?? Readable.from([]), Number.MAX_SAFE_INTEGER, (size) => ({
    key,
    size,
    etag: opened.meta.etag,
    lastModified: Date.now(),
    headers: given.headers,
    metadata: given.metadata,
    checksum: opened.meta.checksum,
  }));
  const body = xmlDocument('CopyObjectResult', [xmlElement('ETag', meta.etag), xmlElement('LastModified', new Date(meta.lastModified).toISOString())]);
  return {
    status: 200,
    headers: { 'content-type': 'application/xml' },
    body,
    changes: [{ eventName: 'ObjectCreated:Copy', bucket, key, size: meta.size, eTag: meta.etag.slice(1, -1), sequencer: ctx.sequencer() }],
  };
}
