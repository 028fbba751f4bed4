/**
 * The request heads the lean Runtime API listener serves itself (docs/runtime-api-listener.md):
 * `GET /next` and the buffered `POST /{id}/response` and `/{id}/error` of a well-behaved HTTP/1.1
 * runtime. Anything else, or anything this parser is unsure of, is `'other'` and goes to
 * `node:http` on the same connection, which answers it exactly as before (chunked bodies,
 * trailers, `Expect: 100-continue`, streaming responses, the Extensions and Telemetry APIs, bad
 * bytes, oversized heads or bodies).
 *
 * The parser is stricter than llhttp, never looser: a head it accepts is one llhttp accepts with
 * the same meaning.
 */
import { MAX_BUFFERED_RESPONSE_BYTES, RUNTIME_API_PREFIX } from '../routes.js';

/** What the lean listener needs of a request it serves. */
export interface LeanHead {
  readonly kind: 'next' | 'response' | 'error';
  /** The request id in the path; empty for `next`. */
  readonly requestId: string;
  /** Bytes of body that follow the head (Content-Length; 0 without one). */
  readonly bodyLength: number;
  readonly contentType: string | undefined;
  /** `Lambda-Runtime-Function-Error-Type`. */
  readonly errorType: string | undefined;
  /** Bytes of the head, its empty line included: the body starts there. */
  readonly headBytes: number;
}

/** `'incomplete'`: the head's end has not arrived yet; `'other'`: hand the connection to node:http. */
export type HeadVerdict = LeanHead | 'incomplete' | 'other';

/** Node's default `maxHeaderSize` (16 KiB): a longer head goes to node:http, which answers 431. */
export const MAX_HEAD_BYTES = 16 * 1024;

const END_OF_HEAD = Buffer.from('\r\n\r\n');
const NEXT_LINE = `GET ${RUNTIME_API_PREFIX}/runtime/invocation/next HTTP/1.1`;
const POST_PREFIX = `POST ${RUNTIME_API_PREFIX}/runtime/invocation/`;
const RESPONSE_SUFFIX = '/response HTTP/1.1';
const ERROR_SUFFIX = '/error HTTP/1.1';
/** Request ids the platform makes (UUIDs) and a little more; anything else (`%`-escapes…) is `'other'`. */
const PLAIN_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** An RFC 9110 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Bytes llhttp refuses in a header value, and lone CR or LF. */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

function requestLine(line: string): { kind: LeanHead['kind']; requestId: string } | undefined {
  if (line === NEXT_LINE) return { kind: 'next', requestId: '' };
  if (!line.startsWith(POST_PREFIX)) return undefined;
  const kind = line.endsWith(RESPONSE_SUFFIX) ? 'response' : line.endsWith(ERROR_SUFFIX) ? 'error' : undefined;
  if (kind === undefined) return undefined;
  const requestId = line.slice(POST_PREFIX.length, line.length - (kind === 'response' ? RESPONSE_SUFFIX : ERROR_SUFFIX).length);
  return PLAIN_ID.test(requestId) ? { kind, requestId } : undefined;
}

/**
 * Read the head at the start of `bytes`.
 *
 * @example
 * parseLeanHead(Buffer.from('GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n'))
 * // { kind: 'next', requestId: '', bodyLength: 0, contentType: undefined, errorType: undefined, headBytes: 61 }
 */
export function parseLeanHead(bytes: Buffer): HeadVerdict {
  const end = bytes.indexOf(END_OF_HEAD);
  if (end < 0) return bytes.length >= MAX_HEAD_BYTES ? 'other' : 'incomplete';
  if (end + 4 > MAX_HEAD_BYTES) return 'other';
  const lines = bytes.toString('latin1', 0, end).split('\r\n');
  const first = requestLine(lines[0] ?? '');
  if (first === undefined) return 'other';
  let host = false;
  let bodyLength: number | undefined;
  let contentType: string | undefined;
  let errorType: string | undefined;
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) return 'other';
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) return 'other';
    switch (name.toLowerCase()) {
      case 'host':
        if (host) return 'other';
        host = true;
        break;
      case 'content-length':
        if (bodyLength !== undefined || !/^\d{1,10}$/.test(value)) return 'other';
        bodyLength = Number(value);
        break;
      case 'content-type':
        if (contentType !== undefined) return 'other';
        contentType = value;
        break;
      case 'lambda-runtime-function-error-type':
        if (errorType !== undefined) return 'other';
        errorType = value;
        break;
      case 'connection':
        if (value.toLowerCase() !== 'keep-alive') return 'other';
        break;
      // Bodies and answers node:http frames (chunked, 100 Continue, upgrades, streamed responses).
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
      case 'lambda-runtime-function-response-mode':
        return 'other';
      default:
        break;
    }
  }
  // HTTP/1.1 requires Host; node:http answers its own 400 without one.
  if (!host) return 'other';
  const length = bodyLength ?? 0;
  if (first.kind === 'next' ? length !== 0 : length > MAX_BUFFERED_RESPONSE_BYTES) return 'other';
  return { kind: first.kind, requestId: first.requestId, bodyLength: length, contentType, errorType, headBytes: end + 4 };
}
