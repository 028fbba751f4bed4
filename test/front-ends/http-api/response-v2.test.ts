import { describe, expect, it } from 'vitest';
import { httpApiResponseV2 } from '../../../src/front-ends/http-api/response-v2.js';

const map = (value: unknown) => {
  const answer = httpApiResponseV2(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
  return answer === undefined ? undefined : { status: answer.status, headers: answer.headers, body: answer.body.toString() };
};
// Unmappable: the front end answers its own 500 (test/e2e/http-api.e2e.test.ts).
const internal = undefined;

describe('httpApiResponseV2', () => {
  it('maps a structured response: status, headers (lower-cased, numbers as text), cookies, body', () => {
    expect(map({ statusCode: 201, headers: { 'X-Id': 7, 'Content-Type': 'text/plain' }, cookies: ['a=1', 'b=2; Path=/'], body: 'made' })).toEqual({
      status: 201,
      headers: [['x-id', '7'], ['content-type', 'text/plain'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2; Path=/']],
      body: 'made',
    });
  });

  it('decodes a base64 body', () => {
    expect(map({ statusCode: 200, isBase64Encoded: true, body: Buffer.from([0, 1, 2, 255]).toString('base64') })?.body).toBe(Buffer.from([0, 1, 2, 255]).toString());
    expect(httpApiResponseV2(Buffer.from(JSON.stringify({ statusCode: 200, isBase64Encoded: true, body: 'AAEC/w==' })))?.body).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('infers 200 and application/json for a bare value: a string is its own text, other JSON as returned', () => {
    expect(map('"Hello from Lambda!"')).toEqual({ status: 200, headers: [['content-type', 'application/json']], body: 'Hello from Lambda!' });
    expect(map('{"message":"hi"}')).toEqual({ status: 200, headers: [['content-type', 'application/json']], body: '{"message":"hi"}' });
    expect(map('[1,2]')?.body).toBe('[1,2]');
    expect(map('null')?.body).toBe('null');
  });

  it('has no answer for what cannot be mapped', () => {
    expect(map('not json')).toEqual(internal);
    expect(map({ statusCode: '200' })).toEqual(internal);
    expect(map({ statusCode: 99 })).toEqual(internal);
    expect(map({ statusCode: 200, headers: { a: { nested: true } } })).toEqual(internal);
    expect(map({ statusCode: 200, headers: 'x' })).toEqual(internal);
    expect(map({ statusCode: 200, cookies: [1] })).toEqual(internal);
    expect(map({ statusCode: 200, body: { not: 'a string' } })).toEqual(internal);
  });

  it('gives an empty body when the structured response has none', () => {
    expect(map({ statusCode: 204 })).toEqual({ status: 204, headers: [], body: '' });
  });
});
