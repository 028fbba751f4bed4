/**
 * The bucket operations of the embedded S3 server (docs/s3-server.md): ListBuckets, CreateBucket,
 * HeadBucket, DeleteBucket, GetBucketLocation, and ListObjectsV2 / ListObjects with prefix,
 * delimiter (common prefixes), max-keys, start-after and continuation tokens.
 */
import { S3Error } from './s3-errors.js';
import type { S3Context, S3Reply } from './s3-reply.js';
import { bucketNameProblem, intParam } from './s3-request.js';
import { S3_LIMITS } from './s3-types.js';
import { xmlDocument, xmlElement } from './s3-xml.js';

const OWNER = [xmlElement('ID', '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a'), xmlElement('DisplayName', 'lamina')];
const XML = { 'content-type': 'application/xml' };

export function listBuckets(ctx: S3Context): S3Reply {
  const buckets = ctx.store.bucketNames().map((b) => xmlElement('Bucket', [xmlElement('Name', b.name), xmlElement('CreationDate', new Date(b.created).toISOString())]));
  return { status: 200, headers: XML, body: xmlDocument('ListAllMyBucketsResult', [xmlElement('Owner', OWNER), xmlElement('Buckets', buckets)]) };
}

export function createBucket(ctx: S3Context, bucket: string): S3Reply {
  const problem = bucketNameProblem(bucket);
  if (problem !== undefined) throw new S3Error('LAMINA_ERR_S3_INVALID_BUCKET_NAME', `The specified bucket is not valid: it ${problem}.`, { BucketName: bucket });
  if (!ctx.store.createBucket(bucket)) throw new S3Error('LAMINA_ERR_S3_BUCKET_EXISTS', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: bucket });
  return { status: 200, headers: { location: `/${bucket}` } };
}

export function headBucket(ctx: S3Context, bucket: string): S3Reply {
  ctx.store.bucket(bucket);
  return { status: 200, headers: { 'x-amz-bucket-region': ctx.region } };
}

export function deleteBucket(ctx: S3Context, bucket: string): S3Reply {
  ctx.store.deleteBucket(bucket);
  return { status: 204 };
}

export function bucketLocation(ctx: S3Context, bucket: string): S3Reply {
  ctx.store.bucket(bucket);
  // us-east-1 is the empty constraint, as S3 answers it.
  return { status: 200, headers: XML, body: xmlDocument('LocationConstraint', ctx.region === 'us-east-1' ? [] : [ctx.region]) };
}

/** A page of keys and common prefixes after `after`, in order. */
function page(keys: readonly string[], prefix: string, delimiter: string, after: string, maxKeys: number): { keys: string[]; prefixes: string[]; truncated: boolean; last: string | undefined } {
  const out: string[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  const afterBytes = Buffer.from(after);
  for (const key of keys) {
    if (!key.startsWith(prefix) || (after !== '' && Buffer.compare(Buffer.from(key), afterBytes) <= 0)) continue;
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    const common = cut === -1 ? undefined : key.slice(0, cut + delimiter.length);
    // A common prefix already listed swallows its keys, on this page and the next (after = the prefix's last key).
    if (common !== undefined && common === prefixes[prefixes.length - 1]) {
      last = key;
      continue;
    }
    if (out.length + prefixes.length >= maxKeys) return { keys: out, prefixes, truncated: true, last };
    if (common !== undefined) prefixes.push(common);
    else out.push(key);
    last = key;
  }
  return { keys: out, prefixes, truncated: false, last };
}

/** Keys in listings: as they are, or `url`-encoded when the caller asked (the AWS CLI does). */
function encoder(type: string | null): (s: string) => string {
  if (type === null) return (s) => s;
  if (type !== 'url') throw new S3Error('LAMINA_ERR_S3_INVALID_ARGUMENT', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: type.slice(0, 64) });
  return (s) => encodeURIComponent(s).replace(/%2F/g, '/');
}

/**
 * ListObjectsV2 (`list-type=2`) or the original ListObjects (marker).
 *
 * @example listObjects(ctx, 'photos', new URLSearchParams('list-type=2&prefix=2026/&delimiter=/'))
 */
export function listObjects(ctx: S3Context, bucket: string, query: URLSearchParams): S3Reply {
  const v2 = query.get('list-type') === '2';
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = intParam(query, 'max-keys', S3_LIMITS.maxListKeys, 0, Number.MAX_SAFE_INTEGER);
  const encode = encoder(query.get('encoding-type'));
  const token = query.get('continuation-token');
  let after: string;
  if (v2 && token !== null) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (token === '' || Buffer.from(after, 'utf8').toString('base64url') !== token) throw new S3Error('LAMINA_ERR_S3_INVALID_ARGUMENT', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  } else {
    after = (v2 ? query.get('start-after') : query.get('marker')) ?? '';
  }
  const keys = ctx.store.sortedKeys(bucket);
  const result = page(keys, prefix, delimiter, after, Math.min(maxKeys, S3_LIMITS.maxListKeys));
  const b = ctx.store.bucket(bucket);
  const contents = result.keys.map((key) => {
    const meta = b.objects.get(key);
    return xmlElement('Contents', [
      xmlElement('Key', encode(key)),
      xmlElement('LastModified', new Date(meta?.lastModified ?? 0).toISOString()),
      xmlElement('ETag', meta?.etag ?? '""'),
      xmlElement('Size', meta?.size ?? 0),
      xmlElement('StorageClass', 'STANDARD'),
    ]);
  });
  const common = result.prefixes.map((p) => xmlElement('CommonPrefixes', [xmlElement('Prefix', encode(p))]));
  const head = [xmlElement('Name', bucket), xmlElement('Prefix', encode(prefix)), ...(delimiter === '' ? [] : [xmlElement('Delimiter', encode(delimiter))]), xmlElement('MaxKeys', maxKeys)];
  const enc = query.get('encoding-type') === null ? [] : [xmlElement('EncodingType', 'url')];
  const next = result.truncated && result.last !== undefined ? result.last : undefined;
  const paging = v2
    ? [
        xmlElement('KeyCount', result.keys.length + result.prefixes.length),
        ...(token === null ? [] : [xmlElement('ContinuationToken', token)]),
        ...(query.get('start-after') === null ? [] : [xmlElement('StartAfter', encode(query.get('start-after') ?? ''))]),
        ...(next === undefined ? [] : [xmlElement('NextContinuationToken', Buffer.from(next, 'utf8').toString('base64url'))]),
      ]
    : [xmlElement('Marker', encode(after)), ...(next === undefined || delimiter === '' ? [] : [xmlElement('NextMarker', encode(next))])];
  return { status: 200, headers: XML, body: xmlDocument('ListBucketResult', [...head, ...enc, xmlElement('IsTruncated', result.truncated), ...paging, ...contents, ...common]) };
}
