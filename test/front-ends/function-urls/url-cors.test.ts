import { describe, expect, it } from 'vitest';
import type { UrlCors } from '../../../src/config/function-urls.js';
import type { FrontRequest } from '../../../src/front-ends/http-request.js';
import { allowedOrigin, isPreflight, preflightHeaders, withCorsHeaders } from '../../../src/front-ends/function-urls/url-cors.js';

const cors: UrlCors = { allowOrigins: ['https://app.example'], allowMethods: ['GET', 'POST'], allowHeaders: ['x-custom', 'content-type'], exposeHeaders: ['X-Out'], maxAge: 600, allowCredentials: false };

function request(method: string, headers: Array<[string, string]>): FrontRequest {
  return { method, rawPath: '/', rawQueryString: '', headers, body: Buffer.alloc(0), sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', receivedAt: 0 };
}

const preflight = (origin: string, method: string, wanted?: string) =>
  request('OPTIONS', [['origin', origin], ['access-control-request-method', method], ...(wanted === undefined ? [] : [['access-control-request-headers', wanted] as [string, string]])]);

describe('allowedOrigin', () => {
  it('echoes a listed origin (any case), answers * for a wildcard, and the origin itself with credentials', () => {
    expect(allowedOrigin(cors, 'https://APP.example')).toBe('https://APP.example');
    expect(allowedOrigin(cors, 'https://evil.example')).toBeUndefined();
    expect(allowedOrigin(cors, undefined)).toBeUndefined();
    expect(allowedOrigin({ ...cors, allowOrigins: ['*'] }, 'https://any.example')).toBe('*');
    expect(allowedOrigin({ ...cors, allowOrigins: ['*'], allowCredentials: true }, 'https://any.example')).toBe('https://any.example');
  });
});

describe('preflights', () => {
  it('are OPTIONS with Origin and Access-Control-Request-Method only', () => {
    expect(isPreflight(preflight('https://app.example', 'POST'))).toBe(true);
    expect(isPreflight(request('OPTIONS', [['origin', 'https://app.example']]))).toBe(false);
    expect(isPreflight(request('GET', [['origin', 'https://app.example'], ['access-control-request-method', 'GET']]))).toBe(false);
  });

  it('allow a listed origin, method and headers with the configured lists and max age', () => {
    expect(preflightHeaders(cors, preflight('https://app.example', 'post', 'X-Custom'))).toEqual([
      ['access-control-allow-origin', 'https://app.example'],
      ['access-control-allow-methods', 'GET,POST'],
      ['access-control-allow-headers', 'x-custom,content-type'],
      ['access-control-max-age', '600'],
      ['vary', 'Origin'],
    ]);
  });

  it('echo the requested method and headers under wildcards, and say credentials when allowed', () => {
    const open: UrlCors = { ...cors, allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], maxAge: 0, allowCredentials: true };
    expect(preflightHeaders(open, preflight('https://x.example', 'DELETE', 'x-a, X-B'))).toEqual([
      ['access-control-allow-origin', 'https://x.example'],
      ['access-control-allow-methods', 'DELETE'],
      ['access-control-allow-headers', 'x-a,x-b'],
      ['access-control-allow-credentials', 'true'],
      ['vary', 'Origin'],
    ]);
  });

  it('give no CORS header to an origin, method or header that is not allowed', () => {
    expect(preflightHeaders(cors, preflight('https://evil.example', 'GET'))).toEqual([['vary', 'Origin']]);
    expect(preflightHeaders(cors, preflight('https://app.example', 'DELETE'))).toEqual([['vary', 'Origin']]);
    expect(preflightHeaders(cors, preflight('https://app.example', 'GET', 'x-secret'))).toEqual([['vary', 'Origin']]);
  });
});

describe('withCorsHeaders', () => {
  it('replaces the function\'s access-control headers with the URL\'s for an allowed origin', () => {
    const headers = withCorsHeaders(cors, request('GET', [['origin', 'https://app.example']]), [['content-type', 'text/plain'], ['Access-Control-Allow-Origin', '*']]);
    expect(headers).toEqual([['content-type', 'text/plain'], ['access-control-allow-origin', 'https://app.example'], ['access-control-expose-headers', 'X-Out'], ['vary', 'Origin']]);
  });

  it('drops them for an origin not allowed, and leaves the answer alone without Cors', () => {
    const theirs: Array<[string, string]> = [['access-control-allow-origin', '*']];
    expect(withCorsHeaders(cors, request('GET', [['origin', 'https://evil.example']]), theirs)).toEqual([]);
    expect(withCorsHeaders(undefined, request('GET', [['origin', 'https://evil.example']]), theirs)).toEqual(theirs);
  });
});
