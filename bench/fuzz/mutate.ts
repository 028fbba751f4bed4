/**
 * Mutations of corpus requests: on the parts (methods, targets, headers, framing, bodies) and on
 * the bytes (bit flips, truncation, NUL bytes), plus how the bytes are delivered (slow pieces,
 * half-close, reset). Every choice comes from the case's own `Rng`, so a case replays from its seed.
 */
import { Buffer } from 'node:buffer';
import type { Rng } from './prng.js';
import { chunkedBody, type RawRequest } from './http-request.js';

type PartMutation = (rng: Rng, request: RawRequest) => string;

const NAME_SEGMENT = /(\/functions\/|\/invocation\/)[^/?]*/;

const ODD_NAMES = [
  '..%2F..%2F..%2Fetc%2Fpasswd', '../../etc/passwd', '%2e%2e', '..', '.', '%00', 'a%00b', '%', '%E0%A4%A', '%ff%fe%fd',
  'fn%20name', 'arn:aws:lambda:us-east-1:000000000000:function:Echo:1:2', 'Echo:', ':', '$LATEST', '%24LATEST',
  '\u00e9', '%F0%9F%98%80', 'a'.repeat(171), 'x'.repeat(70), 'Echo:prod', 'Echo:9999', 'next', 'init',
];
const METHODS = ['GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'post', 'CONNECT', 'TRACE', 'X'.repeat(40), 'PO\u00dfT'];
const VERSIONS = ['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', 'http/1.1', 'HTTP/1.1 extra', '', 'HTTP/11'];
const QUERIES = ['?Qualifier=', '?Qualifier=a&Qualifier=b', '?%zz', '?Qualifier=%24LATEST%00', '?Qualifier=' + 'q'.repeat(200), '#frag', '?=&&=', '?Qualifier=1'];
const HEADER_VALUES: Record<string, readonly string[]> = {
  'X-Amz-Invocation-Type': ['Event', 'DryRun', 'RequestResponse', 'event', '', ' Event', 'Event\u00ff', 'x'.repeat(300)],
  'X-Amz-Log-Type': ['Tail', 'tail', 'None', 'All', ''],
  'X-Amz-Client-Context': ['!!!', 'e30=', 'W10=', 'bnVsbA==', 'eyJhIjox', 'A', Buffer.from(JSON.stringify({ pad: 'p'.repeat(3600) })).toString('base64'), '===='],
  'X-Amz-Tenant-Id': ['t', '', 'x'.repeat(500)],
  'X-Amzn-Trace-Id': ['Root=1-00000000-000000000000000000000000', 'garbage', ''],
  'Lambda-Runtime-Function-Response-Mode': ['streaming', 'Streaming', 'buffered', '', 'streaming, streaming'],
  'Lambda-Runtime-Function-Error-Type': ['Runtime.Unknown', '', 'x'.repeat(2000), 'a\u00ffb'],
  'Content-Type': ['application/json', 'text/plain; charset=utf-16', '', 'multipart/form-data; boundary=x'],
  Connection: ['close', 'keep-alive', 'Upgrade', 'TE, close'],
  Upgrade: ['websocket', 'h2c'],
  Host: ['', 'a'.repeat(300), '[::1]:80'],
};
const BAD_LENGTHS = (n: number): string[] => [String(n + 1), String(n + 100), String(Math.max(0, n - 1)), '0', '-1', '99999999999999999999', '1e3', ' 5', '0x10', '', '4294967296', '18446744073709551616', `${n}, ${n}`];
const BAD_CHUNKED = [
  'zz\r\nab\r\n0\r\n\r\n', 'ffffffffffffffff\r\nab\r\n', '5\r\nab\r\n0\r\n\r\n', '2\r\nabcdef\r\n0\r\n\r\n', '-1\r\n\r\n',
  '2;ext=\x01\r\nab\r\n0\r\n\r\n', '0\r\nBad Trailer\r\n\r\n', '2\nab\n0\n\n', '2\r\nab\r\n', '0\r\n' + 'T: v\r\n'.repeat(3000) + '\r\n',
  '00000000000000000000002\r\nab\r\n0\r\n\r\n', '2 \r\nab\r\n0\r\n\r\n',
];

function nested(depth: number, open: string, close: string, middle = '1'): Buffer {
  return Buffer.from(open.repeat(depth) + middle + close.repeat(depth));
}

const BODIES: ReadonlyArray<(rng: Rng) => Buffer> = [
  (rng) => nested(rng.pick([100, 5000, 200_000]), '[', ']'),
  (rng) => nested(rng.pick([100, 5000, 100_000]), '{"a":', '}'),
  () => Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
  () => Buffer.from('{"a":"\u0000\u0000"}\u0000'),
  () => Buffer.from('"\\ud800"'),
  () => Buffer.from('\ufeff{"echo":"bom"}'),
  () => Buffer.from('1e999999'),
  () => Buffer.from('{"a":1,"a":2}'),
  () => Buffer.from('{"echo":' + '9'.repeat(5000) + '}'),
  () => Buffer.from('{"unterminated":'),
  () => Buffer.from('null'),
  (rng) => rng.bytes(rng.range(1, 300)),
  (rng) => Buffer.alloc(rng.pick([1_048_577, 6_291_457, 262_145]), 0x20),
];

function setHeader(request: RawRequest, name: string, value: string): void {
  request.headers = request.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
  request.headers.push([name, value]);
}

/** Drop the honest framing and send `body` with whatever framing header the mutation chose. */
function rawBody(request: RawRequest, body: Buffer): void {
  delete request.chunks;
  delete request.trailers;
  request.body = body;
}

const PART_MUTATIONS: ReadonlyArray<[string, PartMutation]> = [
  ['method', (rng, r) => (r.method = rng.pick(METHODS))],
  ['version', (rng, r) => (r.version = rng.pick(VERSIONS))],
  ['name', (rng, r) => (r.target = r.target.replace(NAME_SEGMENT, (_m, prefix: string) => prefix + rng.pick(ODD_NAMES)))],
  ['query', (rng, r) => (r.target += rng.pick(QUERIES))],
  ['target', (rng, r) => (r.target = rng.pick(['*', `http://127.0.0.1${r.target}`, r.target.replace(/\//g, '//'), r.target.toUpperCase(), '/', '']))],
  ['dup-header', (rng, r) => {
    const [name, value] = rng.pick(r.headers);
    for (let i = rng.range(1, 40); i > 0; i -= 1) r.headers.push([name, rng.chance(0.5) ? value : `${value}x`]);
    return name;
  }],
  ['big-header', (rng, r) => {
    const size = rng.pick([8000, 16_500, 70_000, 200_000]);
    r.headers.push(['X-Fuzz-Pad', 'p'.repeat(size)]);
    return String(size);
  }],
  ['many-headers', (rng, r) => {
    const count = rng.pick([200, 2100, 5000]);
    for (let i = 0; i < count; i += 1) r.headers.push([`X-F${i}`, 'v']);
    return String(count);
  }],
  ['header-value', (rng, r) => {
    const name = rng.pick(Object.keys(HEADER_VALUES));
    setHeader(r, name, rng.pick(HEADER_VALUES[name] ?? ['']));
    return name;
  }],
  ['content-length', (rng, r) => {
    const body = r.chunks === undefined ? r.body : chunkedBody(r.chunks, r.trailers);
    rawBody(r, body);
    const value = rng.pick(BAD_LENGTHS(body.length));
    setHeader(r, 'Content-Length', value);
    if (rng.chance(0.3)) r.headers.push(['Transfer-Encoding', 'chunked']);
    return value;
  }],
  ['chunked', (rng, r) => {
    const body = rng.pick(BAD_CHUNKED);
    r.headers = r.headers.filter(([n]) => n.toLowerCase() !== 'content-length');
    setHeader(r, 'Transfer-Encoding', rng.pick(['chunked', 'chunked', 'gzip, chunked', 'chunked, identity', 'Chunked', ' chunked']));
    rawBody(r, Buffer.from(body, 'latin1'));
    return JSON.stringify(body.slice(0, 30));
  }],
  ['body', (rng, r) => {
    const make = rng.pick(BODIES);
    const body = make(rng);
    if (r.chunks !== undefined) r.chunks = [body];
    else {
      rawBody(r, body);
      setHeader(r, 'Content-Length', String(body.length));
    }
    return `#${BODIES.indexOf(make)} (${body.length} bytes)`;
  }],
];

const FRAMING = new Set(['version', 'content-length', 'chunked', 'big-header', 'many-headers', 'target']);

function byteMutation(rng: Rng, bytes: Buffer): [string, Buffer] {
  const at = rng.int(Math.max(1, bytes.length));
  switch (rng.int(5)) {
    case 0: {
      const out = Buffer.from(bytes);
      const flips = rng.range(1, 8);
      for (let i = 0; i < flips && out.length > 0; i += 1) {
        const pos = rng.int(out.length);
        out[pos] = (out[pos] ?? 0) ^ (1 << rng.int(8));
      }
      return [`bit-flip x${flips}`, out];
    }
    case 1:
      return [`truncate@${at}`, bytes.subarray(0, at)];
    case 2:
      return [`nul@${at}`, Buffer.concat([bytes.subarray(0, at), Buffer.alloc(rng.range(1, 4)), bytes.subarray(at)])];
    case 3:
      return [`junk@${at}`, Buffer.concat([bytes.subarray(0, at), rng.bytes(rng.range(1, 16)), bytes.subarray(at)])];
    default: {
      const crlf = bytes.indexOf('\r\n', at);
      if (crlf < 0) return ['bare-lf (none)', bytes];
      return [`bare-lf@${crlf}`, Buffer.concat([bytes.subarray(0, crlf), bytes.subarray(crlf + 1)])];
    }
  }
}

/** Apply 0-3 part mutations; returns their labels and whether the framing is still honest. */
export function mutateParts(rng: Rng, request: RawRequest): { labels: string[]; honest: boolean } {
  const labels: string[] = [];
  let honest = true;
  const count = rng.chance(0.25) ? 0 : rng.range(1, 3);
  for (let i = 0; i < count; i += 1) {
    const [name, mutate] = rng.pick(PART_MUTATIONS);
    labels.push(`${name}:${mutate(rng, request)}`);
    if (FRAMING.has(name)) honest = false;
  }
  return { labels, honest };
}

/**
 * Apply byte mutations with probability `p`; any one makes the framing dishonest.
 *
 * @example
 * const { bytes, labels } = mutateBytes(rng, serialize(request), 0.3);
 */
export function mutateBytes(rng: Rng, bytes: Buffer, p: number): { bytes: Buffer; labels: string[] } {
  const labels: string[] = [];
  let out = bytes;
  while (rng.chance(labels.length === 0 ? p : 0.3)) {
    const [label, next] = byteMutation(rng, out);
    labels.push(label);
    out = next;
  }
  return { bytes: out, labels };
}
