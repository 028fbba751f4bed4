/**
 * A strict reader of HTTP/1.1 responses as bytes (the fuzzer's oracle must not trust Node's own
 * client, which forgives some malformations): status line, header grammar, and Content-Length,
 * chunked or close-delimited bodies.
 */

export interface ParsedResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  /** The answer to a HEAD: its headers describe a body that is not sent. */
  readonly toHead: boolean;
}

export interface ParseResult {
  readonly responses: ParsedResponse[];
  /** Set when the bytes break the grammar (not merely end early). */
  readonly malformed?: string;
  /** Bytes after the last complete response (a response still coming, or cut). */
  readonly rest: number;
}

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d)(?: [^\r\n]*)?$/;
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\r\n]*?)[ \t]*$/;

type Step = { kind: 'done'; response: ParsedResponse; next: number } | { kind: 'more' } | { kind: 'bad'; why: string };

function chunked(buf: Buffer, start: number): { end: number; body: Buffer } | 'more' | string {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return buf.length - at > 1024 ? 'chunk size line too long' : 'more';
    const sizeText = buf.subarray(at, eol).toString('latin1').split(';')[0] ?? '';
    if (!/^[0-9a-fA-F]{1,15}$/.test(sizeText)) return `bad chunk size ${JSON.stringify(sizeText.slice(0, 40))}`;
    const size = parseInt(sizeText, 16);
    at = eol + 2;
    if (size === 0) {
      for (;;) {
        const line = buf.indexOf('\r\n', at);
        if (line < 0) return 'more';
        if (line === at) return { end: line + 2, body: Buffer.concat(parts) };
        if (!HEADER_LINE.test(buf.subarray(at, line).toString('latin1'))) return 'bad trailer line';
        at = line + 2;
      }
    }
    if (buf.length < at + size + 2) return 'more';
    parts.push(buf.subarray(at, at + size));
    if (buf[at + size] !== 0x0d || buf[at + size + 1] !== 0x0a) return 'chunk data not followed by CRLF';
    at += size + 2;
  }
}

function one(buf: Buffer, start: number, closed: boolean, headRequest: boolean): Step {
  const end = buf.indexOf('\r\n\r\n', start);
  if (end < 0) {
    const sofar = buf.subarray(start, Math.min(buf.length, start + 12)).toString('latin1');
    if (!'HTTP/1.'.startsWith(sofar.slice(0, 7)) && !sofar.startsWith('HTTP/1.')) return { kind: 'bad', why: `not a status line: ${JSON.stringify(sofar)}` };
    return buf.length - start > 256 * 1024 ? { kind: 'bad', why: 'head longer than 256 KB' } : { kind: 'more' };
  }
  const lines = buf.subarray(start, end).toString('latin1').split('\r\n');
  const statusMatch = STATUS_LINE.exec(lines[0] ?? '');
  if (statusMatch === null) return { kind: 'bad', why: `bad status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}` };
  const status = Number(statusMatch[1]);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const m = HEADER_LINE.exec(line);
    if (m === null) return { kind: 'bad', why: `bad header line ${JSON.stringify(line.slice(0, 80))}` };
    const name = (m[1] ?? '').toLowerCase();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? (m[2] ?? '') : `${previous}, ${m[2] ?? ''}`);
  }
  const bodyStart = end + 4;
  const done = (bodyEnd: number, body: Buffer): Step => ({ kind: 'done', response: { status, headers, body, toHead: headRequest }, next: bodyEnd });
  if (status < 200 || status === 204 || status === 304 || headRequest) return done(bodyStart, Buffer.alloc(0));
  const te = headers.get('transfer-encoding');
  const cl = headers.get('content-length');
  if (te !== undefined && cl !== undefined) return { kind: 'bad', why: 'both Transfer-Encoding and Content-Length' };
  if (te !== undefined) {
    if (te.toLowerCase() !== 'chunked') return { kind: 'bad', why: `transfer-encoding ${te}` };
    const body = chunked(buf, bodyStart);
    if (body === 'more') return { kind: 'more' };
    if (typeof body === 'string') return { kind: 'bad', why: body };
    return done(body.end, body.body);
  }
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) return { kind: 'bad', why: `content-length ${cl}` };
    const length = Number(cl);
    return buf.length < bodyStart + length ? { kind: 'more' } : done(bodyStart + length, buf.subarray(bodyStart, bodyStart + length));
  }
  return closed ? done(buf.length, buf.subarray(bodyStart)) : { kind: 'more' };
}

/**
 * Read every complete response in `buf`. `closed`: the server closed, so a body without length
 * ends here. `methods`: the requests' methods in order; a HEAD's answer has a Content-Length but
 * no body.
 *
 * @example
 * parseResponses(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'), false, ['POST']).responses[0]?.status; // 204
 */
export function parseResponses(buf: Buffer, closed: boolean, methods: readonly string[]): ParseResult {
  const responses: ParsedResponse[] = [];
  let at = 0;
  while (at < buf.length) {
    const final = responses.filter((r) => r.status >= 200).length;
    const step = one(buf, at, closed, methods[final] === 'HEAD');
    if (step.kind === 'bad') return { responses, malformed: step.why, rest: buf.length - at };
    if (step.kind === 'more') break;
    responses.push(step.response);
    at = step.next;
  }
  return { responses, rest: buf.length - at };
}
