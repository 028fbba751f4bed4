import { describe, expect, it } from 'vitest';
import { headerPairs, isFinalStatus, parseAnswer } from '../../src/front-ends/answer-json.js';
import { albResponse } from '../../src/front-ends/alb/alb-response.js';
import { httpApiResponseV2 } from '../../src/front-ends/http-api/response-v2.js';
import { proxyResponseV1 } from '../../src/front-ends/rest-api/response-v1.js';
import { parsePrelude } from '../../src/front-ends/function-urls/stream-prelude.js';

describe('reading a function\'s answer', () => {
  it('parses JSON, null included, and nothing else', () => {
    expect(parseAnswer(Buffer.from('null'))).toEqual({ value: null });
    expect(parseAnswer(Buffer.from('{"a":1}'))).toEqual({ value: { a: 1 } });
    expect(parseAnswer(Buffer.from('{"a":'))).toBeUndefined();
  });

  it('takes final statuses only: integers 200-599', () => {
    for (const ok of [200, 204, 418, 599]) expect(isFinalStatus(ok)).toBe(true);
    for (const bad of [100, 101, 199, 600, 200.5, '200', 1e309, null]) expect(isFinalStatus(bad)).toBe(false);
  });

  it('reads single- and multi-value header maps, refusing values HTTP headers cannot be', () => {
    expect(headerPairs({ 'X-A': 1, 'X-B': true }, false)).toEqual([['x-a', '1'], ['x-b', 'true']]);
    expect(headerPairs({ 'Set-Cookie': ['a=1', 'b=2'] }, true)).toEqual([['set-cookie', 'a=1'], ['set-cookie', 'b=2']]);
    expect(headerPairs({ a: { nested: 1 } }, false)).toBeUndefined();
    expect(headerPairs({ a: 'not a list' }, true)).toBeUndefined();
    expect(headerPairs({ a: [null] }, true)).toBeUndefined();
  });

  it('refuses a 1xx statusCode in every payload format (2.0, 1.0, ALB, a stream prelude)', () => {
    const answer = Buffer.from('{"statusCode":101,"body":"x"}');
    expect(httpApiResponseV2(answer)).toBeUndefined();
    expect(proxyResponseV1(answer, { decodeBase64: () => true })).toBeUndefined();
    expect(albResponse(answer, false)).toBeUndefined();
    expect(albResponse(answer, true)).toBeUndefined();
    expect(parsePrelude(Buffer.from('{"statusCode":101}'))).toBeUndefined();
    expect(albResponse(Buffer.from('{"statusCode":200,"body":"x"}'), false)?.status).toBe(200);
  });
});
