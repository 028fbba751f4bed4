import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HTTP_INTEGRATION_CONTENT_TYPE, MAX_PRELUDE_BYTES, parsePrelude, PreludeSplitter, readStreamHead } from '../../../src/front-ends/function-urls/stream-prelude.js';

const NULS = Buffer.alloc(8);
const chunksOf = (...parts: Array<string | Buffer>) => Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)))[Symbol.asyncIterator]();

describe('parsePrelude', () => {
  it('gives status, lower-cased headers and cookies as set-cookie', () => {
    expect(parsePrelude(Buffer.from('{"statusCode":201,"headers":{"Content-Type":"text/plain","X-N":3},"cookies":["a=1","b=2"]}'))).toEqual({
      status: 201,
      headers: [['content-type', 'text/plain'], ['x-n', '3'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']],
    });
    expect(parsePrelude(Buffer.from('{}'))).toEqual({ status: 200, headers: [] });
  });

  it('refuses what is not a prelude', () => {
    for (const bad of ['not json', '[1]', '{"statusCode":99}', '{"statusCode":"200"}', '{"headers":{"a":{}}}', '{"cookies":"a=1"}', '{"cookies":[1]}']) {
      expect(parsePrelude(Buffer.from(bad)), bad).toBeUndefined();
    }
  });
});

describe('PreludeSplitter', () => {
  it('finds the delimiter across chunks, byte by byte', () => {
    const whole = Buffer.concat([Buffer.from('{"statusCode":202}'), NULS, Buffer.from('body')]);
    const splitter = new PreludeSplitter();
    let found: ReturnType<PreludeSplitter['push']>;
    for (const byte of whole) {
      found = splitter.push(Buffer.from([byte]));
      if (found !== undefined) break;
    }
    expect(found).toEqual({ prelude: Buffer.from('{"statusCode":202}'), rest: Buffer.alloc(0) });
    expect(new PreludeSplitter().push(whole)).toEqual({ prelude: Buffer.from('{"statusCode":202}'), rest: Buffer.from('body') });
  });

  it('calls a NUL not followed by 7 more invalid, and a prelude past the bound too', () => {
    expect(new PreludeSplitter().push(Buffer.from('{"a":1}\0\0\0x\0\0\0\0'))).toBe('invalid');
    expect(new PreludeSplitter().push(Buffer.alloc(MAX_PRELUDE_BYTES + 9, 'a'))).toBe('invalid');
  });
});

describe('readStreamHead', () => {
  it('reads the prelude of an HttpResponseStream and keeps the body bytes that came with it', async () => {
    const chunks = chunksOf('{"statusCode":203,', Buffer.concat([Buffer.from('"headers":{"x-a":"1"}}'), NULS, Buffer.from('first')]), 'second');
    const read = await readStreamHead(chunks, HTTP_INTEGRATION_CONTENT_TYPE);
    expect(read).toEqual({ head: { status: 203, headers: [['x-a', '1']] }, first: Buffer.from('first') });
    expect((await chunks.next()).value).toEqual(Buffer.from('second'));
  });

  it('takes any other stream as the body, 200 with its content type, reading nothing', async () => {
    const chunks = chunksOf('data');
    expect(await readStreamHead(chunks, 'text/event-stream')).toEqual({ head: { status: 200, headers: [['content-type', 'text/event-stream']] }, first: Buffer.alloc(0) });
    expect((await chunks.next()).value).toEqual(Buffer.from('data'));
  });

  it('takes a prelude without delimiter at the end (nothing written), and refuses a broken prelude', async () => {
    expect(await readStreamHead(chunksOf('{"statusCode":204}'), HTTP_INTEGRATION_CONTENT_TYPE)).toEqual({ head: { status: 204, headers: [] }, first: Buffer.alloc(0) });
    expect(await readStreamHead(chunksOf(), HTTP_INTEGRATION_CONTENT_TYPE)).toEqual({ head: { status: 200, headers: [] }, first: Buffer.alloc(0) });
    expect(await readStreamHead(chunksOf(Buffer.concat([Buffer.from('{"statusCode":"x"}'), NULS])), HTTP_INTEGRATION_CONTENT_TYPE)).toBeUndefined();
  });
});
