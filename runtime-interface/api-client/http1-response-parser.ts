/**
 * A minimal, incremental HTTP/1.1 response reader for the Runtime API: status line, headers
 * (names lower-cased, repeats joined with `, ` as node:http does), then the body by
 * `Content-Length`, `Transfer-Encoding: chunked` (trailers read and dropped), or until the
 * connection closes. Interim 1xx answers are skipped. Responses are handed out in order, so
 * pipelined answers on one connection come out one by one.
 *
 * The peer is the trusted Runtime API, so this reads, it does not police: a malformed message
 * throws {@link HttpProtocolError} and the connection is dropped.
 */
import type { ApiAnswer } from './runtime-api-requests.js';

/**
 * A response the reader could not make sense of.
 * @example
 * ```ts
 * new Http1ResponseParser().push(Buffer.from('SSH-2.0\r\n\r\n'), () => {}); // throws HttpProtocolError
 * ```
 */
export class HttpProtocolError extends Error {
  override name = 'HttpProtocolError';
}

const EMPTY = Buffer.alloc(0);
const CRLF = 0x0a0d; // '\r\n' read as a little-endian uint16

interface Head {
  statusCode: number;
  headers: Record<string, string>;
}

// Status line: `HTTP/1.x NNN reason`.
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/;

function parseHead(text: string): Head {
  let end = text.indexOf('\r\n');
  if (end < 0) end = text.length;
  const status = STATUS_LINE.exec(text.slice(0, end));
  if (status === null) throw new HttpProtocolError(`Bad status line: ${JSON.stringify(text.slice(0, end))}`);
  const headers: Record<string, string> = {};
  // One scan, no split: this runs twice per invoke.
  for (let start = end + 2; start < text.length; start = end + 2) {
    end = text.indexOf('\r\n', start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon <= start || colon > end) throw new HttpProtocolError(`Bad header line: ${JSON.stringify(text.slice(start, end))}`);
    const name = text.slice(start, colon).trim().toLowerCase();
    const value = text.slice(colon + 1, end).trim();
    const seen = headers[name];
    headers[name] = seen === undefined ? value : `${seen}, ${value}`;
  }
  return { statusCode: Number(status[1]), headers };
}

/**
 * Reads the responses of one connection.
 * @example
 * ```ts
 * const reader = new Http1ResponseParser();
 * reader.push(Buffer.from('HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}'), (answer) => answer.statusCode); // 202
 * ```
 */
export class Http1ResponseParser {
  private buffer: Buffer = EMPTY;
  private head: Head | undefined;
  /** Body bytes still expected (Content-Length), or -1 for chunked, -2 for until-close. */
  private remaining = 0;
  private chunks: Buffer[] = [];

  /** Feed bytes from the socket; `onAnswer` is called for every response completed by them. */
  push(data: Buffer, onAnswer: (answer: ApiAnswer) => void): void {
    if (this.head !== undefined && this.remaining > 0) {
      // Body bytes of a Content-Length answer (the event of a `/next`): kept as they came, never
      // appended to `buffer`, which copied everything read so far on every read (a 1 MB event
      // arrives in 16 or more reads: 8 MB of copies).
      const taken = Math.min(this.remaining, data.length);
      this.chunks.push(taken === data.length ? data : data.subarray(0, taken));
      this.remaining -= taken;
      if (this.remaining > 0) return;
      onAnswer(this.finish());
      if (taken === data.length) return;
      data = data.subarray(taken);
    }
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    for (;;) {
      if (this.head === undefined && !this.readHead()) return;
      const answer = this.readBody();
      if (answer === undefined) return;
      onAnswer(answer);
    }
  }

  /** The connection ended: the answer read until close, if one was in progress and complete. */
  end(): ApiAnswer | undefined {
    if (this.head === undefined || this.remaining !== -2) return undefined;
    this.chunks.push(this.buffer);
    this.buffer = EMPTY;
    return this.finish();
  }

  /** True while part of a response has been read. */
  get busy(): boolean {
    return this.head !== undefined || this.buffer.length > 0;
  }

  private readHead(): boolean {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const head = parseHead(this.buffer.toString('latin1', 0, end));
    this.buffer = this.buffer.subarray(end + 4);
    const code = head.statusCode;
    if (code >= 100 && code < 200) return this.buffer.length > 0 && this.readHead(); // interim answer
    const length = head.headers['content-length'];
    // Only GET and POST are sent (never HEAD), so only these statuses have no body.
    if (code === 204 || code === 304) this.remaining = 0;
    else if (/\bchunked\b/i.test(head.headers['transfer-encoding'] ?? '')) this.remaining = -1;
    else if (length !== undefined) {
      this.remaining = Number(length);
      if (!Number.isSafeInteger(this.remaining) || this.remaining < 0) throw new HttpProtocolError(`Bad Content-Length: ${length}`);
    } else this.remaining = -2;
    this.head = head;
    return true;
  }

  /** Read as much body as there is; the answer once complete. */
  private readBody(): ApiAnswer | undefined {
    if (this.remaining >= 0) {
      if (this.buffer.length < this.remaining) {
        // The rest of the body comes through `push`'s fast path.
        this.chunks.push(this.buffer);
        this.remaining -= this.buffer.length;
        this.buffer = EMPTY;
        return undefined;
      }
      this.chunks.push(this.buffer.subarray(0, this.remaining));
      this.buffer = this.buffer.subarray(this.remaining);
      return this.finish();
    }
    if (this.remaining === -2) return undefined;
    // Chunked: size line, data, CRLF ... then a 0 size line, trailers and an empty line.
    for (;;) {
      const lineEnd = this.buffer.indexOf('\r\n');
      if (lineEnd < 0) return undefined;
      const size = Number.parseInt(this.buffer.toString('latin1', 0, lineEnd), 16);
      if (!Number.isSafeInteger(size) || size < 0) throw new HttpProtocolError('Bad chunk size');
      if (size === 0) {
        // No trailers: CRLF right after the size line; otherwise trailers end with an empty line.
        const rest = this.buffer.subarray(lineEnd + 2);
        const trailerEnd = rest.length >= 2 && rest.readUInt16LE(0) === CRLF ? 0 : rest.indexOf('\r\n\r\n');
        if (trailerEnd < 0 || rest.length < 2) return undefined;
        this.buffer = rest.subarray(trailerEnd === 0 ? 2 : trailerEnd + 4);
        return this.finish();
      }
      if (this.buffer.length < lineEnd + 2 + size + 2) return undefined;
      this.chunks.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      this.buffer = this.buffer.subarray(lineEnd + 2 + size + 2);
    }
  }

  private finish(): ApiAnswer {
    const head = this.head as Head;
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.head = undefined;
    this.chunks = [];
    return { statusCode: head.statusCode, headers: head.headers, body };
  }
}
