import { describe, expect, it } from 'vitest';
import { proxyResponseV1 } from '../../../src/front-ends/rest-api/response-v1.js';

const map = (value: unknown, decode = true) => {
  const answer = proxyResponseV1(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), { decodeBase64: () => decode });
  return answer === undefined ? undefined : { status: answer.status, headers: answer.headers, body: answer.body.toString('latin1') };
};

describe('proxyResponseV1', () => {
  it('merges headers and multiValueHeaders, the multi-value ones winning for a name in both', () => {
    expect(map({ statusCode: 200, headers: { 'X-A': 'single', 'X-B': 1 }, multiValueHeaders: { 'x-a': ['m1', 'm2'], 'Set-Cookie': ['a=1', 'b=2'] }, body: 'ok' })).toEqual({
      status: 200,
      headers: [['x-a', 'm1'], ['x-a', 'm2'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-b', '1']],
      body: 'ok',
    });
  });

  it('decodes base64 only when told to', () => {
    expect(map({ statusCode: 200, isBase64Encoded: true, body: 'aGk=' })?.body).toBe('hi');
    expect(map({ statusCode: 200, isBase64Encoded: true, body: 'aGk=' }, false)?.body).toBe('aGk=');
  });

  it('infers nothing: a bare value or a broken response has no answer', () => {
    for (const bad of ['"hello"', '{"message":"no status"}', 'not json', '[1]']) expect(map(bad), bad).toBeUndefined();
    for (const bad of [{ statusCode: '200' }, { statusCode: 200, body: {} }, { statusCode: 200, headers: { a: [] } }, { statusCode: 200, multiValueHeaders: { a: 'x' } }]) expect(map(bad), JSON.stringify(bad)).toBeUndefined();
    expect(map({ statusCode: 204 })).toEqual({ status: 204, headers: [], body: '' });
  });
});
