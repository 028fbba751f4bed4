/**
 * An HTTP/1.1 request kept as parts, so mutations can work on headers and framing before it is
 * turned into bytes, and on the bytes after.
 */

export type HeaderList = Array<[string, string]>;

/** A request as parts; `chunks` set means the body goes chunked (then `body` is ignored). */
export interface RawRequest {
  method: string;
  target: string;
  version: string;
  headers: HeaderList;
  body: Buffer;
  chunks?: Buffer[];
  trailers?: HeaderList;
}

/** What the corpus fills placeholders with: the surface's names and the invocation of the moment. */
export interface CorpusContext {
  readonly host: string;
  /** Function names the surface serves (the first is the plainest). */
  readonly functions: readonly string[];
  /** Current Runtime API request id, when the surface has one. */
  readonly requestId: string;
}

function headerBlock(headers: HeaderList): string {
  return headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
}

/**
 * Chunked transfer coding of `chunks`, ending with the zero chunk and any trailers.
 *
 * @example
 * chunkedBody([Buffer.from('hi')]).toString(); // '2\r\nhi\r\n0\r\n\r\n'
 */
export function chunkedBody(chunks: readonly Buffer[], trailers: HeaderList = []): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0\r\n${headerBlock(trailers)}\r\n`));
  return Buffer.concat(parts);
}

/**
 * The bytes on the wire. Framing headers are whatever `headers` says: a mutation may have made
 * them lie on purpose.
 *
 * @example
 * serialize({ method: 'GET', target: '/', version: 'HTTP/1.1', headers: [['Host', 'x']], body: Buffer.alloc(0) });
 */
export function serialize(request: RawRequest): Buffer {
  const head = Buffer.from(`${request.method} ${request.target} ${request.version}\r\n${headerBlock(request.headers)}\r\n`, 'latin1');
  const body = request.chunks === undefined ? request.body : chunkedBody(request.chunks, request.trailers);
  return Buffer.concat([head, body]);
}

/**
 * A request with its framing header set honestly: Content-Length, or Transfer-Encoding: chunked.
 *
 * @example
 * framed('POST', '/x', [['Host', 'h']], '{}').headers; // [['Host','h'],['Content-Length','2']]
 */
export function framed(method: string, target: string, headers: HeaderList, body: string | Buffer | Buffer[], trailers?: HeaderList): RawRequest {
  if (Array.isArray(body)) {
    const request: RawRequest = { method, target, version: 'HTTP/1.1', headers: [...headers, ['Transfer-Encoding', 'chunked']], body: Buffer.alloc(0), chunks: body };
    if (trailers !== undefined) request.trailers = trailers;
    return request;
  }
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const withLength: HeaderList = method === 'GET' && bytes.length === 0 ? [...headers] : [...headers, ['Content-Length', String(bytes.length)]];
  return { method, target, version: 'HTTP/1.1', headers: withLength, body: bytes };
}

/**
 * Show request bytes in a failure message: printable ASCII as it is, everything else escaped,
 * cut to `max` characters (the seed replays the whole case).
 *
 * @example
 * printable(Buffer.from('GET / HTTP/1.1\r\n')); // 'GET / HTTP/1.1\\r\\n'
 */
export function printable(bytes: Buffer, max = 2000): string {
  let out = '';
  for (const byte of bytes.subarray(0, max)) {
    if (byte === 0x0d) out += '\\r';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${out}... (${bytes.length} bytes)` : out;
}
