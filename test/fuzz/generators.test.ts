/** The fuzz suite's own parts: replayable generation, the strict response reader, the oracle. */
import { describe, expect, it } from 'vitest';
import { caseSeed, generateCase, type FuzzCase } from '../../bench/fuzz/cases.js';
import { INVOKE_CORPUS, RUNTIME_CORPUS } from '../../bench/fuzz/corpus.js';
import { chunkedBody, serialize, framed } from '../../bench/fuzz/http-request.js';
import { parseResponses } from '../../bench/fuzz/http-response.js';
import { INVOKE_EXPECTATIONS, RUNTIME_EXPECTATIONS, judge } from '../../bench/fuzz/oracle.js';
import { Rng } from '../../bench/fuzz/prng.js';

const ctx = { host: '127.0.0.1:9000', functions: ['Echo', 'Hello'], requestId: 'c0ffee00-0000-4000-8000-000000000000' };

describe('generation', () => {
  it('replays: the same seed gives the same bytes, another seed other bytes', () => {
    const a = generateCase(caseSeed(5, 17), INVOKE_CORPUS, ctx);
    const b = generateCase(caseSeed(5, 17), INVOKE_CORPUS, ctx);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    expect(b.labels).toEqual(a.labels);
    const others = [18, 19, 20].map((i) => generateCase(caseSeed(5, i), INVOKE_CORPUS, ctx).bytes);
    expect(others.some((bytes) => !bytes.equals(a.bytes))).toBe(true);
    expect(new Rng(1).next()).toBe(new Rng(1).next());
  });

  it('leaves a share of cases untouched and mutates most, on both corpora', () => {
    for (const corpus of [INVOKE_CORPUS, RUNTIME_CORPUS]) {
      const cases = Array.from({ length: 400 }, (_, i) => generateCase(caseSeed(9, i), corpus, ctx));
      const honest = cases.filter((c) => c.honest).length;
      expect(honest).toBeGreaterThan(40);
      expect(honest).toBeLessThan(360);
      expect(cases.some((c) => c.requests > 1)).toBe(true);
      expect(cases.some((c) => c.delivery.finish === 'reset')).toBe(true);
    }
  });

  it('frames honestly before any mutation: Content-Length or chunked with trailers', () => {
    expect(serialize(framed('POST', '/x', [['Host', 'h']], '{}')).toString()).toBe('POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}');
    expect(chunkedBody([Buffer.from('ab')], [['T', 'v']]).toString()).toBe('2\r\nab\r\n0\r\nT: v\r\n\r\n');
  });
});

describe('the response reader', () => {
  it('reads pipelined responses of each framing', () => {
    const bytes = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n');
    const parsed = parseResponses(bytes, false, ['POST', 'POST']);
    expect(parsed.malformed).toBeUndefined();
    expect(parsed.responses.map((r) => [r.status, r.body.toString()])).toEqual([[100, ''], [200, 'hi'], [202, 'a']]);
    expect(parsed.rest).toBe(0);
  });

  it('tells a response cut short from a malformed one', () => {
    expect(parseResponses(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhi'), true, ['POST']).rest).toBeGreaterThan(0);
    expect(parseResponses(Buffer.from('HTTP/1.1 200 OK\r\nBad Header\r\n\r\n'), true, ['POST']).malformed).toMatch(/bad header/);
    expect(parseResponses(Buffer.from('garbage\r\n\r\n'), true, ['POST']).malformed).toMatch(/status line/);
    expect(parseResponses(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), true, ['POST']).malformed).toMatch(/chunk size/);
  });
});

describe('the oracle', () => {
  const kept = (bytes: string): FuzzCase => ({ ...generateCase(1, INVOKE_CORPUS, ctx), methods: ['POST'], requests: 1, delivery: { pieces: 1, delayMs: 0, finish: 'keep', resetAt: 0 }, bytes: Buffer.from(bytes) });
  const answer = (received: string, extra = {}) => ({ received: Buffer.from(received), closedByServer: false, clientEnded: false, hung: false, ...extra });

  it('fails a 500, an error in the wrong shape, a hang and a response cut on a kept connection', () => {
    const c = kept('POST / HTTP/1.1\r\n\r\n');
    const error = (status: number, body: string) => `HTTP/1.1 ${status} X\r\nx-amzn-ErrorType: E\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    expect(judge(c, answer(error(500, '{"Type":"Service","message":"m"}')), INVOKE_EXPECTATIONS)).toMatch(/^status 500/);
    expect(judge(c, answer(error(400, '{"errorMessage":"m"}')), INVOKE_EXPECTATIONS)).toMatch(/lacks Type and message/);
    expect(judge(c, answer(''), INVOKE_EXPECTATIONS)).toMatch(/no answer/);
    expect(judge(c, answer('', { hung: true }), INVOKE_EXPECTATIONS)).toMatch(/^hang/);
    expect(judge(c, answer('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'), INVOKE_EXPECTATIONS)).toMatch(/incomplete/);
    expect(judge(c, answer('HTTP/1.1 500 X\r\nContent-Length: 47\r\n\r\n{"errorType":"Runtime.Other","errorMessage":""}'), RUNTIME_EXPECTATIONS)).toMatch(/500 Runtime.Other/);
  });

  it('passes a Lambda-shaped error, a bare 400 for bytes that are not HTTP, and a close', () => {
    const c = kept('POST / HTTP/1.1\r\n\r\n');
    const body = '{"Type":"User","message":"Function not found"}';
    expect(judge(c, answer(`HTTP/1.1 404 X\r\nx-amzn-ErrorType: ResourceNotFoundException\r\nContent-Length: ${body.length}\r\n\r\n${body}`), INVOKE_EXPECTATIONS)).toBeUndefined();
    expect(judge(c, answer('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', { closedByServer: true }), INVOKE_EXPECTATIONS)).toBeUndefined();
    expect(judge(c, answer('', { closedByServer: true }), INVOKE_EXPECTATIONS)).toBeUndefined();
  });
});
