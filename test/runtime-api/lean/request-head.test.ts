/**
 * The lean listener's head parser takes only what it is sure of; everything else is 'other' (served
 * by node:http on the same connection). docs/runtime-api-listener.md.
 */
import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, parseLeanHead } from '../../../src/runtime-api/lean/request-head.js';
import { MAX_BUFFERED_RESPONSE_BYTES } from '../../../src/runtime-api/routes.js';

const NEXT = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1';
const RESPONSE = 'POST /2018-06-01/runtime/invocation/8f2c-11/response HTTP/1.1';
const head = (...lines: string[]): Buffer => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);

describe('parseLeanHead', () => {
  it('reads a GET /next, a buffered response and an error report', () => {
    expect(parseLeanHead(head(NEXT, 'Host: x', 'User-Agent: aws-lambda-ric/4'))).toEqual({
      kind: 'next', requestId: '', bodyLength: 0, contentType: undefined, errorType: undefined, headBytes: head(NEXT, 'Host: x', 'User-Agent: aws-lambda-ric/4').length,
    });
    const response = Buffer.concat([head(RESPONSE, 'host: x', 'content-type:  text/plain ', 'Content-Length: 2'), Buffer.from('ok')]);
    expect(parseLeanHead(response)).toMatchObject({ kind: 'response', requestId: '8f2c-11', bodyLength: 2, contentType: 'text/plain', headBytes: response.length - 2 });
    const error = head('POST /2018-06-01/runtime/invocation/abc/error HTTP/1.1', 'Host: x', 'Lambda-Runtime-Function-Error-Type: Runtime.Oops', 'Content-Length: 10');
    expect(parseLeanHead(error)).toMatchObject({ kind: 'error', requestId: 'abc', bodyLength: 10, errorType: 'Runtime.Oops' });
  });

  it('waits for the end of the head', () => {
    expect(parseLeanHead(Buffer.from(`${NEXT}\r\nHost: x\r\n`))).toBe('incomplete');
    expect(parseLeanHead(Buffer.from('GET'))).toBe('incomplete');
  });

  it.each([
    ['another path', head('GET /2018-06-01/runtime/invocation/nextt HTTP/1.1', 'Host: x')],
    ['a query', head('GET /2018-06-01/runtime/invocation/next?x=1 HTTP/1.1', 'Host: x')],
    ['the Extensions API', head('POST /2020-01-01/extension/register HTTP/1.1', 'Host: x')],
    ['init/error', head('POST /2018-06-01/runtime/init/error HTTP/1.1', 'Host: x')],
    ['HTTP/1.0', head('GET /2018-06-01/runtime/invocation/next HTTP/1.0', 'Host: x')],
    ['a lower-case method', head('get /2018-06-01/runtime/invocation/next HTTP/1.1', 'Host: x')],
    ['an escaped request id', head('POST /2018-06-01/runtime/invocation/a%20b/response HTTP/1.1', 'Host: x')],
    ['a request id with a slash', head('POST /2018-06-01/runtime/invocation/a/b/response HTTP/1.1', 'Host: x')],
    ['no Host', head(NEXT)],
    ['two Hosts', head(NEXT, 'Host: x', 'Host: y')],
    ['a chunked body', head(RESPONSE, 'Host: x', 'Transfer-Encoding: chunked')],
    ['Expect: 100-continue', head(RESPONSE, 'Host: x', 'Expect: 100-continue', 'Content-Length: 2')],
    ['a streamed response', head(RESPONSE, 'Host: x', 'Lambda-Runtime-Function-Response-Mode: streaming')],
    ['Connection: close', head(NEXT, 'Host: x', 'Connection: close')],
    ['an upgrade', head(NEXT, 'Host: x', 'Upgrade: websocket')],
    ['two Content-Lengths', head(RESPONSE, 'Host: x', 'Content-Length: 2', 'Content-Length: 2')],
    ['a signed Content-Length', head(RESPONSE, 'Host: x', 'Content-Length: +2')],
    ['a GET /next with a body', head(NEXT, 'Host: x', 'Content-Length: 5')],
    ['a body over the limit', head(RESPONSE, 'Host: x', `Content-Length: ${MAX_BUFFERED_RESPONSE_BYTES + 1}`)],
    ['a folded header', head(NEXT, 'Host: x', 'X-A: 1', ' continued')],
    ['a space before the colon', head(NEXT, 'Host : x')],
    ['a control character in a value', head(NEXT, 'Host: x', 'X-A: a\x01b')],
    ['a bare LF', Buffer.from(`${NEXT}\nHost: x\r\n\r\n`)],
    ['a header without a colon', head(NEXT, 'Host: x', 'nonsense')],
    ['two error types', head(RESPONSE.replace('response', 'error'), 'Host: x', 'Lambda-Runtime-Function-Error-Type: a', 'Lambda-Runtime-Function-Error-Type: b')],
  ])('leaves %s to node:http', (_what, bytes) => {
    expect(parseLeanHead(bytes)).toBe('other');
  });

  it('leaves a head longer than node:http allows to node:http (its 431), whole or not', () => {
    const long = `X-Pad: ${'a'.repeat(MAX_HEAD_BYTES)}`;
    expect(parseLeanHead(head(NEXT, 'Host: x', long))).toBe('other');
    expect(parseLeanHead(Buffer.from(`${NEXT}\r\nHost: x\r\n${long}`))).toBe('other');
  });
});
