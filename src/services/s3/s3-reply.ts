/**
 * What an S3 operation answers (docs/s3-server.md): status, headers, a body (XML text or an
 * object's bytes), and the object changes to notify once the answer is decided.
 */
import type { Readable } from 'node:stream';
import type { S3Store } from './s3-store.js';
import type { ObjectChange, ObjectMeta } from './s3-types.js';

export interface S3Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Readable | undefined;
  /** Changes without the request's identity (added by the server). */
  readonly changes?: readonly Omit<ObjectChange, 'sourceIp' | 'requestId' | 'hostId' | 'time'>[];
}

export interface S3Context {
  readonly store: S3Store;
  readonly region: string;
  /** Largest body of one PutObject or UploadPart (S3: 5 GiB; lower in tests). */
  readonly maxUploadBytes: number;
  /** The next event sequencer: increasing hex strings of one length, as S3's compare. */
  sequencer(): string;
}

/**
 * The headers of an object on GET and HEAD.
 *
 * @example objectResponseHeaders(meta) // { etag: '"…"', 'last-modified': '…', 'content-type': … }
 */
export function objectResponseHeaders(meta: ObjectMeta): Record<string, string> {
  const headers: Record<string, string> = {
    etag: meta.etag,
    'last-modified': new Date(meta.lastModified).toUTCString(),
    'accept-ranges': 'bytes',
    'content-type': meta.headers['content-type'] ?? 'binary/octet-stream',
  };
  for (const [name, value] of Object.entries(meta.headers)) if (value !== undefined && name !== 'content-type') headers[name] = value;
  for (const [name, value] of Object.entries(meta.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/**
 * A monotonic sequencer source: milliseconds since the epoch and a counter, as 16 hex digits, so
 * that later events of a key compare greater (S3's documented use of `sequencer`).
 *
 * @example const next = sequencerSource(); next() < next() // true
 */
export function sequencerSource(): () => string {
  let last = 0n;
  return () => {
    const now = BigInt(Date.now()) << 12n;
    last = now > last ? now : last + 1n;
    return last.toString(16).toUpperCase().padStart(16, '0');
  };
}
