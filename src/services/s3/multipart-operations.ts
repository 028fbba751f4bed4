/**
 * Multipart uploads of the embedded S3 server (docs/s3-server.md): CreateMultipartUpload,
 * UploadPart, CompleteMultipartUpload (parts in ascending order, ETags matching, every part but
 * the last at least 5 MiB, the ETag `"<md5 of the parts' md5s>-<count>"` as S3 computes it) and
 * AbortMultipartUpload, and UploadPartCopy. The AWS CLI's `aws s3 cp` uses these for files of
 * 8 MiB and more.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { copySource, incomingBody } from './object-operations.js';
import { S3Error } from './s3-errors.js';
import type { S3Context, S3Reply } from './s3-reply.js';
import { checkKey, intParam, objectHeaders, type S3Request } from './s3-request.js';
import { S3_LIMITS, type PartMeta } from './s3-types.js';
import { xmlBlocks, xmlDocument, xmlElement, xmlText } from './s3-xml.js';

const XML = { 'content-type': 'application/xml' };

export function createUpload(ctx: S3Context, req: S3Request, bucket: string, key: string): S3Reply {
  checkKey(key);
  ctx.store.bucket(bucket);
  const { headers, metadata } = objectHeaders(req.headers);
  const uploadId = randomBytes(24).toString('base64url');
  ctx.store.createUpload(bucket, { uploadId, key, initiated: Date.now(), headers, metadata });
  return { status: 200, headers: XML, body: xmlDocument('InitiateMultipartUploadResult', [xmlElement('Bucket', bucket), xmlElement('Key', key), xmlElement('UploadId', uploadId)]) };
}

function uploadOf(ctx: S3Context, bucket: string, key: string, uploadId: string): void {
  const upload = ctx.store.upload(bucket, uploadId);
  if (upload.key !== key) throw new S3Error('LAMINA_ERR_S3_NO_SUCH_UPLOAD', 'The specified upload does not exist for this key.', { UploadId: uploadId });
}

export async function uploadPart(ctx: S3Context, req: S3Request, bucket: string, key: string): Promise<S3Reply> {
  const uploadId = req.query.get('uploadId') ?? '';
  const partNumber = intParam(req.query, 'partNumber', 0, 1, S3_LIMITS.maxPartNumber);
  uploadOf(ctx, bucket, key, uploadId);
  const body = incomingBody(req);
  const part = await ctx.store.putPart(bucket, uploadId, partNumber, body.stream, ctx.maxUploadBytes, (size) => ({ partNumber, size, etag: `"${body.finish(size).md5Hex}"` }));
  return { status: 200, headers: { etag: part.etag } };
}

/**
 * UploadPartCopy: a part taken from an existing object, whole or `x-amz-copy-source-range`
 * (the AWS CLI copies objects of 8 MiB and more between keys this way).
 */
export async function uploadPartCopy(ctx: S3Context, req: S3Request, bucket: string, key: string): Promise<S3Reply> {
  const uploadId = req.query.get('uploadId') ?? '';
  const partNumber = intParam(req.query, 'partNumber', 0, 1, S3_LIMITS.maxPartNumber);
  uploadOf(ctx, bucket, key, uploadId);
  const source = copySource(String(req.headers['x-amz-copy-source']));
  const rangeHeader = req.headers['x-amz-copy-source-range'];
  const opened = await ctx.store.openObject(source.bucket, source.key, (size) => {
    if (rangeHeader === undefined) return undefined;
    // S3 takes only `bytes=first-last` within the object here.
    const m = typeof rangeHeader === 'string' ? /^bytes=(\d{1,15})-(\d{1,15})$/.exec(rangeHeader) : null;
    const range = m === null ? undefined : { start: Number(m[1]), end: Number(m[2]) };
    if (range === undefined || range.start > range.end || range.end >= size) throw new S3Error('LAMINA_ERR_S3_INVALID_ARGUMENT', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', { ArgumentName: 'x-amz-copy-source-range' });
    return range;
  });
  const md5 = createHash('md5');
  const hashed = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      callback(null, chunk);
    },
  });
  if (opened.body === undefined) hashed.end();
  else opened.body.on('error', (err) => hashed.destroy(err)).pipe(hashed);
  const part = await ctx.store.putPart(bucket, uploadId, partNumber, hashed, ctx.maxUploadBytes, (size) => ({ partNumber, size, etag: `"${md5.digest('hex')}"` }));
  return { status: 200, headers: XML, body: xmlDocument('CopyPartResult', [xmlElement('ETag', part.etag), xmlElement('LastModified', new Date().toISOString())]) };
}

export async function completeUpload(ctx: S3Context, bucket: string, key: string, uploadId: string, xml: string): Promise<S3Reply> {
  uploadOf(ctx, bucket, key, uploadId);
  const upload = ctx.store.upload(bucket, uploadId);
  const blocks = xmlBlocks(xml, 'Part');
  if (blocks === undefined || blocks.length === 0) throw new S3Error('LAMINA_ERR_S3_MALFORMED_XML', 'The XML you provided was not well-formed or did not validate against our published schema');
  const parts: PartMeta[] = [];
  let previous = 0;
  for (const block of blocks) {
    const number = Number(xmlText(block, 'PartNumber'));
    const etag = xmlText(block, 'ETag');
    if (!Number.isInteger(number) || typeof etag !== 'string') throw new S3Error('LAMINA_ERR_S3_MALFORMED_XML', 'Each Part needs a PartNumber and an ETag.');
    if (number <= previous) throw new S3Error('LAMINA_ERR_S3_INVALID_PART_ORDER', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.', { UploadId: uploadId });
    previous = number;
    const part = await ctx.store.part(bucket, uploadId, number);
    const quoted = etag.startsWith('"') ? etag : `"${etag}"`;
    if (part === undefined || part.etag !== quoted) throw new S3Error('LAMINA_ERR_S3_INVALID_PART', "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", { UploadId: uploadId, PartNumber: String(number) });
    parts.push(part);
  }
  parts.forEach((part, i) => {
    if (i < parts.length - 1 && part.size < S3_LIMITS.minPartBytes) throw new S3Error('LAMINA_ERR_S3_ENTITY_TOO_SMALL', 'Your proposed upload is smaller than the minimum allowed object size.', { PartNumber: String(part.partNumber) });
  });
  const md5s = Buffer.concat(parts.map((p) => Buffer.from(p.etag.slice(1, -1), 'hex')));
  const etag = `"${createHash('md5').update(md5s).digest('hex')}-${parts.length}"`;
  // The parts are streamed one after the other into the object's file.
  const joined = new PassThrough();
  void (async () => {
    try {
      for (const part of parts) {
        const body = await ctx.store.partBody(bucket, uploadId, part.partNumber);
        for await (const chunk of body) if (!joined.write(chunk)) await new Promise((r) => joined.once('drain', r));
      }
      joined.end();
    } catch (err) {
      joined.destroy(err as Error);
    }
  })();
  const meta = await ctx.store.putObject(bucket, key, joined, Number.MAX_SAFE_INTEGER, (size) => ({ key, size, etag, lastModified: Date.now(), headers: upload.headers, metadata: upload.metadata }));
  await ctx.store.removeUpload(bucket, uploadId);
  return {
    status: 200,
    headers: XML,
    body: xmlDocument('CompleteMultipartUploadResult', [xmlElement('Location', `/${bucket}/${key}`), xmlElement('Bucket', bucket), xmlElement('Key', key), xmlElement('ETag', etag)]),
    changes: [{ eventName: 'ObjectCreated:CompleteMultipartUpload', bucket, key, size: meta.size, eTag: etag.slice(1, -1), sequencer: ctx.sequencer() }],
  };
}

export async function abortUpload(ctx: S3Context, bucket: string, key: string, uploadId: string): Promise<S3Reply> {
  uploadOf(ctx, bucket, key, uploadId);
  await ctx.store.removeUpload(bucket, uploadId);
  return { status: 204 };
}
