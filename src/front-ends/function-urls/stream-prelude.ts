/**
 * A streamed answer through a `RESPONSE_STREAM` function URL (docs/http-front-ends.md). A handler
 * using `awslambda.HttpResponseStream.from(stream, {statusCode, headers, cookies})` declares the
 * content type `application/vnd.awslambda.http-integration-response` and writes, before its first
 * chunk, the prelude as JSON, then 8 NUL bytes, then the body. JSON text cannot hold a raw NUL, so
 * the first NUL starts the delimiter. Any other stream is the body itself, status 200.
 */
import { isFinalStatus, isRecord, parseAnswer } from '../answer-json.js';
import { headersAndCookies } from '../http-api/response-v2.js';
import type { HeaderList } from './url-cors.js';

export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';

/** The delimiter between the prelude and the body. */
const DELIMITER = Buffer.alloc(8);

/** A prelude longer than this without its delimiter is not one (bounds what we buffer). */
export const MAX_PRELUDE_BYTES = 64 * 1024;

export interface StreamHead {
  readonly status: number;
  readonly headers: Readonly<HeaderList>;
}

/**
 * The status and headers a prelude's JSON gives, or undefined when it is not a valid prelude
 * (not a JSON object; `statusCode` not an integer 200-599; headers or cookies not strings).
 *
 * @example parsePrelude(Buffer.from('{"statusCode":201,"headers":{"X-A":"1"},"cookies":["c=1"]}'))
 * // { status: 201, headers: [['x-a', '1'], ['set-cookie', 'c=1']] }
 */
export function parsePrelude(json: Buffer): StreamHead | undefined {
  const value = parseAnswer(json)?.value;
  if (!isRecord(value)) return undefined;
  const status = value.statusCode ?? 200;
  if (!isFinalStatus(status)) return undefined;
  const headers = headersAndCookies(value);
  if (headers === undefined) return undefined;
  return { status, headers };
}

/**
 * Splits the prelude from the body as chunks arrive: `push` each chunk until it answers.
 *
 * @example
 * const splitter = new PreludeSplitter();
 * splitter.push(Buffer.from('{"statusCode":201}')); // undefined: no delimiter yet
 * splitter.push(Buffer.concat([Buffer.alloc(8), Buffer.from('body')])); // { prelude: <{"statusCode":201}>, rest: <body> }
 */
export class PreludeSplitter {
  #buffered = Buffer.alloc(0);

  /** The prelude and the body bytes after the delimiter, once the delimiter has arrived; 'invalid' past MAX_PRELUDE_BYTES. */
  push(chunk: Buffer): { prelude: Buffer; rest: Buffer } | 'invalid' | undefined {
    this.#buffered = Buffer.concat([this.#buffered, chunk]);
    const nul = this.#buffered.indexOf(0);
    if (nul >= 0 && this.#buffered.length >= nul + DELIMITER.length) {
      if (!this.#buffered.subarray(nul, nul + DELIMITER.length).equals(DELIMITER)) return 'invalid';
      return { prelude: this.#buffered.subarray(0, nul), rest: this.#buffered.subarray(nul + DELIMITER.length) };
    }
    return this.#buffered.length > MAX_PRELUDE_BYTES + DELIMITER.length ? 'invalid' : undefined;
  }

  /** What arrived when the stream ended before a delimiter. */
  get buffered(): Buffer {
    return this.#buffered;
  }
}

/**
 * Read a streamed answer's head: from its prelude (HttpResponseStream), or 200 with the declared
 * content type. Returns the head, the body bytes already read, and the iterator of the rest;
 * undefined when the prelude is invalid (the URL answers 502).
 *
 * @example
 * const head = await readStreamHead(outcome.result.stream.body[Symbol.asyncIterator](), contentType);
 */
export async function readStreamHead(chunks: AsyncIterator<unknown>, contentType: string): Promise<{ head: StreamHead; first: Buffer } | undefined> {
  if (contentType.split(';')[0]?.trim().toLowerCase() !== HTTP_INTEGRATION_CONTENT_TYPE) {
    return { head: { status: 200, headers: [['content-type', contentType]] }, first: Buffer.alloc(0) };
  }
  const splitter = new PreludeSplitter();
  for (;;) {
    const next = await chunks.next();
    // A handler that ends without writing never sends its prelude's delimiter: the prelude alone.
    const split = next.done === true ? { prelude: splitter.buffered, rest: Buffer.alloc(0) } : splitter.push(toBuffer(next.value));
    if (split === 'invalid') return undefined;
    if (split === undefined) continue;
    if (next.done === true && split.prelude.length === 0) return { head: { status: 200, headers: [] }, first: split.rest };
    const head = parsePrelude(split.prelude);
    return head === undefined ? undefined : { head, first: split.rest };
  }
}

export function toBuffer(chunk: unknown): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
}
