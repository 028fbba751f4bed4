/**
 * Decoding of `Content-Encoding: aws-chunked` bodies (docs/s3-server.md). SDKs send a body of
 * unknown length, or one whose checksum they compute while sending, as chunks
 * `<hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n`, ended by a chunk of size 0 and optional
 * trailers (`x-amz-checksum-crc32:<base64>\r\n`) and a blank line. This transform passes the
 * bytes on and keeps the trailers. Chunk signatures are not verified (nor is any signature by the
 * embedded S3 server); framing is, strictly: a body that does not parse is an error, never data.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from './s3-errors.js';

/** Bound on a chunk header or trailer line: a signature is 64 hex digits, a checksum far less. */
const MAX_LINE = 4096;
/** Bound on all trailers together. */
const MAX_TRAILERS = 16 * 1024;

type State = 'header' | 'data' | 'data-end' | 'trailers' | 'done';

export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  #state: State = 'header';
  #line = '';
  #remaining = 0;
  #trailerBytes = 0;
  #decoded = 0;

  /** Decoded bytes passed on so far. */
  get decodedLength(): number {
    return this.#decoded;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    // A body cut before its final chunk and blank line is incomplete, whatever was sent.
    callback(this.#state === 'done' ? undefined : new S3Error('LAMINA_ERR_S3_INCOMPLETE_BODY', 'The aws-chunked body ended before its final chunk.'));
  }

  #consume(buf: Buffer): void {
    let at = 0;
    while (at < buf.length) {
      if (this.#state === 'data') {
        const take = Math.min(this.#remaining, buf.length - at);
        this.push(buf.subarray(at, at + take));
        this.#decoded += take;
        this.#remaining -= take;
        at += take;
        if (this.#remaining === 0) this.#state = 'data-end';
        continue;
      }
      if (this.#state === 'done') {
        throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', 'Bytes follow the end of the aws-chunked body.');
      }
      const newline = buf.indexOf(0x0a, at);
      const end = newline === -1 ? buf.length : newline + 1;
      this.#line += buf.subarray(at, end).toString('latin1');
      at = end;
      if (this.#line.length > MAX_LINE) throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', 'An aws-chunked header line is too long.');
      if (newline === -1) continue;
      const line = this.#line.endsWith('\r\n') ? this.#line.slice(0, -2) : undefined;
      this.#line = '';
      if (line === undefined) throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', 'aws-chunked lines must end with CRLF.');
      this.#onLine(line);
    }
  }

  #onLine(line: string): void {
    if (this.#state === 'data-end') {
      if (line !== '') throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', 'An aws-chunked chunk is longer than its declared size.');
      this.#state = 'header';
      return;
    }
    if (this.#state === 'header') {
      const m = /^([0-9a-fA-F]{1,16})(;.*)?$/.exec(line);
      if (m === null) throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', 'An aws-chunked chunk header is malformed.');
      const size = Number.parseInt(m[1] ?? '', 16);
      if (!Number.isSafeInteger(size)) throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', 'An aws-chunked chunk size is too large.');
      this.#remaining = size;
      this.#state = size === 0 ? 'trailers' : 'data';
      return;
    }
    // Trailers, ended by a blank line.
    if (line === '') {
      this.#state = 'done';
      return;
    }
    this.#trailerBytes += line.length;
    if (this.#trailerBytes > MAX_TRAILERS) throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', 'The aws-chunked trailers are too large.');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new S3Error('LAMINA_ERR_S3_INVALID_REQUEST', 'An aws-chunked trailer is malformed.');
    this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
}

/**
 * Whether a request's body is aws-chunked: said by `Content-Encoding` or by a streaming
 * `x-amz-content-sha256` (SigV4 streaming uploads name it only there).
 *
 * @example isAwsChunked({ 'content-encoding': 'aws-chunked' }) // true
 */
export function isAwsChunked(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const encoding = String(headers['content-encoding'] ?? '').toLowerCase();
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((e) => e.trim() === 'aws-chunked') || sha.startsWith('STREAMING-');
}

/**
 * The `Content-Encoding` to store: the request's without `aws-chunked` (S3 keeps the others).
 *
 * @example storedEncoding('aws-chunked,gzip') // 'gzip'
 */
export function storedEncoding(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const rest = header.split(',').map((e) => e.trim()).filter((e) => e !== '' && e.toLowerCase() !== 'aws-chunked');
  return rest.length === 0 ? undefined : rest.join(',');
}
