import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { answerHeadersFit, headBytes, lengthHeader, MAX_ANSWER_HEAD_BYTES } from '../../src/front-ends/listener-limits.js';

describe('answerHeadersFit', () => {
  it('takes ordinary headers, repeated names included', () => {
    expect(answerHeadersFit([['content-type', 'text/plain'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2; Path=/']])).toBe(true);
  });

  it.each([
    ['CR/LF in a value', [['x-a', 'ok\r\nSet-Cookie: evil=1']]],
    ['a bare LF in a value', [['x-a', 'ok\nx-b: 1']]],
    ['NUL in a value', [['x-a', 'a\u0000b']]],
    ['CR/LF in a name', [['x-a\r\nx-evil', '1']]],
    ['a space in a name', [['bad name', '1']]],
    ['an empty name', [['', '1']]],
    ['a colon in a name', [['x:a', '1']]],
  ] as const)('refuses %s', (_, headers) => {
    expect(answerHeadersFit(headers)).toBe(false);
  });

  it('refuses a head past the bound, and takes one just under it', () => {
    const value = (n: number): string => 'v'.repeat(n);
    expect(answerHeadersFit([['x-a', value(MAX_ANSWER_HEAD_BYTES - 7)]])).toBe(true);
    expect(answerHeadersFit([['x-a', value(MAX_ANSWER_HEAD_BYTES - 6)]])).toBe(false);
  });
});

describe('headBytes', () => {
  it('counts the request line and the header values, not the names', () => {
    const req = { method: 'GET', url: '/a?b=1', rawHeaders: ['Host', 'h', 'X-Long-Name', 'é'] } as unknown as IncomingMessage;
    // 'GET /a?b=1 HTTP/1.1' is 19 bytes; 'h' 1, 'é' 2 in UTF-8.
    expect(headBytes(req)).toBe(19 + 1 + 2);
  });
});

describe('lengthHeader', () => {
  it('gives the length, except for a 204 or 304, which carry no body', () => {
    const body = Buffer.from('abc');
    expect([200, 204, 304, 404].map((status) => lengthHeader({ status, body }))).toEqual([['content-length', '3'], [], [], ['content-length', '3']]);
  });
});
