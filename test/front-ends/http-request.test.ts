import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { frontRequest, originForm } from '../../src/front-ends/http-request.js';

describe('originForm', () => {
  it.each([
    ['/x?a=1', '/x?a=1'],
    ['http://evil.example/x?a=1', '/x?a=1'],
    ['HTTPS://evil.example:8443/a/b', '/a/b'],
    ['http://evil.example', '/'],
    ['http://evil.example?q=1', '/?q=1'],
    ['*', '*'],
    ['/http://not-absolute/x', '/http://not-absolute/x'],
  ])('%s is routed as %s', (target, path) => {
    expect(originForm(target)).toBe(path);
  });

  it('gives the function the path of an absolute-form request, not the host', () => {
    const req = { url: 'http://evil.example/users/1?x=2', method: 'GET', rawHeaders: ['Host', 'h'], httpVersion: '1.1', socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
    const request = frontRequest(req, Buffer.alloc(0), 0);
    expect([request.rawPath, request.rawQueryString]).toEqual(['/users/1', 'x=2']);
  });
});
