/**
 * The flexible checksums of S3 (docs/s3-server.md): a request names one algorithm by a header
 * `x-amz-checksum-<algorithm>` with its value, or by `x-amz-trailer` when the value comes in the
 * aws-chunked trailer. The server computes it over the body as it is received and answers
 * BadDigest on a mismatch, as S3 does; `Content-MD5` is checked the same way. CRC64NVME is
 * accepted and stored but not computed (no implementation here yet): said in the docs.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { S3Error } from './s3-errors.js';

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(buf: Buffer, previous: number): number {
  let c = ~previous >>> 0;
  for (const byte of buf) c = (CRC32C_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return ~c >>> 0;
}

/** A running digest of one algorithm; `digest()` is base64 as S3 headers carry it. */
interface Running {
  update(buf: Buffer): void;
  digest(): string | undefined;
}

function crcDigest(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}

function running(algorithm: ChecksumAlgorithm): Running {
  if (algorithm === 'sha1' || algorithm === 'sha256') {
    const hash: Hash = createHash(algorithm);
    return { update: (b) => hash.update(b), digest: () => hash.digest('base64') };
  }
  if (algorithm === 'crc64nvme') return { update: () => undefined, digest: () => undefined };
  let value = 0;
  const step = algorithm === 'crc32' ? (b: Buffer, v: number) => crc32(b, v) : crc32c;
  return { update: (b) => (value = step(b, value)), digest: () => crcDigest(value) };
}

/** The algorithm a request uses, from its headers; undefined when none. */
export function requestedChecksum(headers: Readonly<Record<string, string | string[] | undefined>>): { algorithm: ChecksumAlgorithm; value: string | undefined } | undefined {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = headers[`x-amz-checksum-${algorithm}`];
    if (typeof value === 'string') return { algorithm, value };
  }
  const trailer = String(headers['x-amz-trailer'] ?? '').toLowerCase().trim();
  const named = CHECKSUM_ALGORITHMS.find((a) => trailer === `x-amz-checksum-${a}`);
  if (named !== undefined) return { algorithm: named, value: undefined };
  if (trailer !== '') throw new S3Error('LAMINA_ERR_S3_INVALID_ARGUMENT', `The trailer ${trailer} is not a checksum S3 knows.`);
  return undefined;
}

/**
 * MD5 (for the ETag and Content-MD5) and the requested checksum over a body, fed as it arrives.
 *
 * @example
 * const digests = new BodyDigests(requestedChecksum(req.headers));
 * digests.update(chunk); ... const { md5Hex, checksum } = digests.finish(trailerValue);
 */
export class BodyDigests {
  readonly #md5 = createHash('md5');
  readonly #checksum: Running | undefined;

  constructor(private readonly requested: { algorithm: ChecksumAlgorithm; value: string | undefined } | undefined) {
    this.#checksum = requested === undefined ? undefined : running(requested.algorithm);
  }

  update(buf: Buffer): void {
    this.#md5.update(buf);
    this.#checksum?.update(buf);
  }

  /**
   * Check the digests against what the request declared (`value` from a trailer when the header
   * did not carry it) and return what to store.
   *
   * @throws S3Error BadDigest on any mismatch.
   */
  finish(contentMd5: string | undefined, trailerValue: string | undefined): { md5Hex: string; checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined } {
    const md5 = this.#md5.digest();
    if (contentMd5 !== undefined && contentMd5 !== md5.toString('base64')) {
      throw new S3Error('LAMINA_ERR_S3_BAD_DIGEST', 'The Content-MD5 you specified did not match what we received.');
    }
    if (this.requested === undefined || this.#checksum === undefined) return { md5Hex: md5.toString('hex'), checksum: undefined };
    const declared = this.requested.value ?? trailerValue;
    const computed = this.#checksum.digest();
    if (declared === undefined) throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', `The x-amz-checksum-${this.requested.algorithm} trailer is missing.`);
    if (computed !== undefined && computed !== declared) {
      throw new S3Error('LAMINA_ERR_S3_BAD_DIGEST', `The ${this.requested.algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
    }
    return { md5Hex: md5.toString('hex'), checksum: { algorithm: this.requested.algorithm, value: declared } };
  }
}
