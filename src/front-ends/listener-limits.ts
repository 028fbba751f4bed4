/**
 * The bounds every HTTP front-end listener keeps against hostile clients and functions
 * (docs/http-front-ends.md, "Bad input"): API Gateway's 10,240-byte limit on the request line and
 * header values, a parser cap above it, timeouts for a head or a request that never completes,
 * pipelined answers (and the 400 for bytes that are not HTTP) in order, as the Invoke API's front
 * door does, and answer heads Node can write and clients can read.
 */
import { createServer, validateHeaderName, validateHeaderValue, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { answerInOrder } from '../http-in-order.js';

/** API Gateway's quota on the request line and header values together (REST and HTTP APIs). */
export const MAX_HEAD_BYTES = 10_240;

/** Node's parser cap (names, values, line ends): a head past it is refused with a bare 431 and the connection closed. */
export const PARSER_HEAD_BYTES = 16 * 1024;

/** Answer heads past this are not sent: no common client reads them (Node's own cap is 16 KB). */
export const MAX_ANSWER_HEAD_BYTES = 10_240;

/** How much of an oversized body is read and dropped (so the client reads the 413) before the socket is cut. */
export const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

export interface ListenerTimeouts {
  /** Time to receive a whole head (slow clients dripping headers are cut). Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Time to receive a whole request, body included. Default 300 s (Node's). */
  readonly requestTimeoutMs?: number;
  /**
   * A connection with no progress either way for this long is cut: a client that never reads
   * its answer does not hold it forever. 0 (the default): never, for listeners whose function
   * may think for its whole timeout before answering (function URLs).
   */
  readonly idleTimeoutMs?: number;
}

/**
 * The size API Gateway counts: the request line and every header value.
 *
 * @example headBytes(req) // 'GET /a HTTP/1.1' plus the values' lengths
 */
export function headBytes(req: IncomingMessage): number {
  let size = (req.method ?? '').length + (req.url ?? '').length + 'HTTP/1.1'.length + 2;
  for (let i = 1; i < req.rawHeaders.length; i += 2) size += Buffer.byteLength(req.rawHeaders[i] ?? '');
  return size;
}

/**
 * Whether Node can write these answer headers and a client read them: names are HTTP tokens,
 * values carry no CR, LF or NUL (a function must not split the answer), and the whole is bounded.
 *
 * @example answerHeadersFit([['x-a', 'ok\r\nSet-Cookie: evil=1']]) // false
 */
export function answerHeadersFit(headers: ReadonlyArray<readonly [string, string]>): boolean {
  let size = 0;
  try {
    for (const [name, value] of headers) {
      validateHeaderName(name);
      validateHeaderValue(name, value);
      size += name.length + Buffer.byteLength(value) + 4;
    }
  } catch {
    return false;
  }
  return size <= MAX_ANSWER_HEAD_BYTES;
}

/**
 * The `content-length` to send with an answer: none for a 204 or 304, which carry no body
 * whatever the function gave (RFC 9110 forbids the length with a 204).
 *
 * @example lengthHeader({ status: 204, body: Buffer.from('x') }) // []
 */
export function lengthHeader(answer: { readonly status: number; readonly body: Buffer }): string[] {
  return answer.status === 204 || answer.status === 304 ? [] : ['content-length', String(answer.body.length)];
}

/**
 * An HTTP server with the front ends' bounds; `handler` serves each request as usual.
 *
 * @example
 * const server = frontEndServer((req, res) => res.end('ok'));
 * server.listen(3000, '127.0.0.1');
 */
export function frontEndServer(handler: RequestListener, timeouts: ListenerTimeouts = {}): Server {
  const headersTimeout = timeouts.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(timeouts.requestTimeoutMs ?? 300_000, headersTimeout);
  const server = createServer(
    // Node checks the timeouts every `connectionsCheckingInterval` (30 s by default): often enough here that they hold.
    { maxHeaderSize: PARSER_HEAD_BYTES, headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) },
    (req, res) => {
      // A client that leaves mid-answer makes the write fail: nothing to do, and no unhandled error.
      res.on('error', () => undefined);
      handler(req, res);
    },
  );
  server.timeout = timeouts.idleTimeoutMs ?? 0;
  answerInOrder(server);
  return server;
}
