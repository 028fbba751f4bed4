/**
 * What the embedded S3 server keeps about buckets, objects and multipart uploads
 * (docs/s3-server.md).
 */
import type { ChecksumAlgorithm } from './checksums.js';

/** The headers S3 stores with an object and returns on GET and HEAD. */
export const STORED_HEADERS = ['content-type', 'content-encoding', 'content-disposition', 'content-language', 'cache-control', 'expires'] as const;
export type StoredHeader = (typeof STORED_HEADERS)[number];

export interface ObjectMeta {
  readonly key: string;
  readonly size: number;
  /** With its quotes, as S3 sends it: `"<md5 hex>"`, or `"<hex>-<parts>"` after a multipart upload. */
  readonly etag: string;
  readonly lastModified: number;
  readonly headers: Partial<Record<StoredHeader, string>>;
  /** User metadata: `x-amz-meta-*` without the prefix, lower case. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value: string } | undefined;
}

export interface UploadMeta {
  readonly uploadId: string;
  readonly key: string;
  readonly initiated: number;
  readonly headers: Partial<Record<StoredHeader, string>>;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface PartMeta {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
}

/** What an operation that changed an object tells the notifier (S3's event names without `s3:`). */
export interface ObjectChange {
  readonly eventName: 'ObjectCreated:Put' | 'ObjectCreated:Post' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload' | 'ObjectRemoved:Delete';
  readonly bucket: string;
  readonly key: string;
  /** Created events only. */
  readonly size?: number | undefined;
  /** Without quotes, as event records carry it. Created events only. */
  readonly eTag?: string | undefined;
  readonly sequencer: string;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly hostId: string;
  readonly time: Date;
}

/** S3's published limits that the server enforces (docs/s3-server.md). */
export const S3_LIMITS = {
  /** A single PutObject or UploadPart: 5 GiB. */
  maxSingleUploadBytes: 5 * 1024 ** 3,
  /** Every part but the last: at least 5 MiB. */
  minPartBytes: 5 * 1024 ** 2,
  maxPartNumber: 10_000,
  maxKeyBytes: 1024,
  /** User metadata (names and values, UTF-8): 2 KB. */
  maxMetadataBytes: 2048,
  maxDeleteKeys: 1000,
  maxListKeys: 1000,
} as const;
