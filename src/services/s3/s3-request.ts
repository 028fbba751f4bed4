/**
 * Reading an S3 REST request (docs/s3-server.md): path-style addressing only
 * (`http://host:port/<bucket>/<key>`, the SDK's `forcePathStyle: true`; the AWS CLI uses it for an
 * endpoint URL that is an IP address), the subresource of the query string, and S3's rules on
 * bucket names, keys, user metadata and ranges.
 */
import type { IncomingMessage } from 'node:http';
import { S3Error } from './s3-errors.js';
import { S3_LIMITS, STORED_HEADERS, type StoredHeader } from './s3-types.js';

export interface S3Request {
  readonly method: string;
  /** Undefined for the service (`GET /`). */
  readonly bucket: string | undefined;
  /** Undefined for a bucket request. */
  readonly key: string | undefined;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly raw: IncomingMessage;
}

/**
 * Split the request target: the first segment is the bucket, the rest (percent-decoded, never
 * normalised: `a/../b` is a key of its own, as in S3) the key.
 *
 * @throws S3Error InvalidArgument when the key is not valid percent-encoded UTF-8.
 * @example parseTarget('/photos/a%20b/c.jpg?x') // { bucket: 'photos', key: 'a b/c.jpg', query }
 */
export function parseTarget(url: string): { bucket: string | undefined; key: string | undefined; query: URLSearchParams } {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  if (!path.startsWith('/')) throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', 'The request target must be a path.');
  const rest = path.slice(1);
  const slash = rest.indexOf('/');
  const rawBucket = slash === -1 ? rest : rest.slice(0, slash);
  const rawKey = slash === -1 ? undefined : rest.slice(slash + 1);
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new S3Error('LAMINA_ERR_S3_INVALID_ARGUMENT', 'The request path is not valid percent-encoded UTF-8.');
    }
  };
  const bucket = rawBucket === '' ? undefined : decode(rawBucket);
  const key = rawKey === undefined || rawKey === '' ? undefined : decode(rawKey);
  return { bucket, key, query };
}

/**
 * S3's rules for (new) bucket names: 3-63 characters of lower-case letters, digits, dots and
 * hyphens, starting and ending with a letter or digit, no two adjacent dots, not an IP address.
 *
 * @example bucketNameProblem('My_Bucket') // 'must be 3-63 lower-case letters, ...'
 */
export function bucketNameProblem(name: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) return 'must be 3-63 lower-case letters, digits, dots or hyphens, beginning and ending with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not be formatted as an IP address';
  if (name.startsWith('xn--') || name.startsWith('sthree-') || name.endsWith('-s3alias') || name.endsWith('--ol-s3')) return 'must not use a prefix or suffix S3 reserves';
  return undefined;
}

/** @throws S3Error KeyTooLongError beyond 1024 bytes of UTF-8. */
export function checkKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > S3_LIMITS.maxKeyBytes) throw new S3Error('LAMINA_ERR_S3_KEY_TOO_LONG', 'Your key is too long', { Key: key.slice(0, 64) });
}

/**
 * The headers stored with an object, and its user metadata (`x-amz-meta-*`), within 2 KB.
 *
 * @example objectHeaders({ 'content-type': 'text/plain', 'x-amz-meta-owner': 'me' })
 */
export function objectHeaders(headers: IncomingMessage['headers']): { headers: Partial<Record<StoredHeader, string>>; metadata: Record<string, string> } {
  const stored: Partial<Record<StoredHeader, string>> = {};
  for (const name of STORED_HEADERS) {
    const v = headers[name];
    if (typeof v === 'string') stored[name] = v;
  }
  const metadata: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    const short = name.slice('x-amz-meta-'.length);
    metadata[short] = text;
    bytes += Buffer.byteLength(short) + Buffer.byteLength(text);
  }
  if (bytes > S3_LIMITS.maxMetadataBytes) throw new S3Error('LAMINA_ERR_S3_METADATA_TOO_LARGE', `Your metadata headers exceed the maximum allowed metadata size (${S3_LIMITS.maxMetadataBytes} bytes).`);
  return { headers: stored, metadata };
}

/**
 * The byte range of a `Range` header over an object of `size` bytes, inclusive; undefined for no
 * header or one S3 ignores (several ranges, another unit).
 *
 * @throws S3Error InvalidRange (416) when the range starts past the end.
 * @example parseRange('bytes=-5', 100) // { start: 95, end: 99 }
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return undefined;
  const unsatisfiable = (): never => {
    throw new S3Error('LAMINA_ERR_S3_INVALID_RANGE', 'The requested range is not satisfiable', { RangeRequested: header, ActualObjectSize: String(size) });
  };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return unsatisfiable();
  if (end < start) return undefined;
  return { start, end };
}

/**
 * A non-negative integer query parameter within bounds.
 *
 * @example intParam(query, 'max-keys', 1000, 0, 1000)
 */
export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new S3Error('LAMINA_ERR_S3_INVALID_ARGUMENT', `${name} must be an integer`, { ArgumentName: name, ArgumentValue: raw.slice(0, 64) });
  const n = Number(raw);
  if (n < min || n > max) throw new S3Error('LAMINA_ERR_S3_INVALID_ARGUMENT', `${name} must be between ${min} and ${max}`, { ArgumentName: name, ArgumentValue: raw });
  return Math.min(n, max);
}
