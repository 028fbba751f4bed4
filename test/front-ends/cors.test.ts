import { describe, expect, it } from 'vitest';
import type { CorsSettings } from '../../src/config/api-auth.js';
import type { ApiDefinition } from '../../src/config/api-events.js';
import { httpApiPreflight, originAllowed, restPreflight, withHttpApiCors } from '../../src/front-ends/cors.js';
import type { FrontRequest } from '../../src/front-ends/http-request.js';

const cors: CorsSettings = { allowOrigins: ['https://app.example.com', 'https://*.test.dev'], allowMethods: ['GET', 'POST'], allowHeaders: ['authorization', 'content-type'], exposeHeaders: ['x-total'], maxAge: 600, allowCredentials: true };

function request(method: string, headers: Array<[string, string]>, rawPath = '/items/7'): FrontRequest {
  return { method, rawPath, rawQueryString: '', headers, body: Buffer.alloc(0), sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', receivedAt: 0 };
}
const preflightHeaders = (origin: string): Array<[string, string]> => [['origin', origin], ['access-control-request-method', 'POST']];

describe('originAllowed', () => {
  it('matches *, exact origins (any case) and wildcard patterns, nothing else', () => {
    expect(originAllowed(['*'], 'http://anything')).toBe(true);
    expect(originAllowed(cors.allowOrigins, 'https://APP.example.com')).toBe(true);
    expect(originAllowed(cors.allowOrigins, 'https://a.b.test.dev')).toBe(true);
    expect(originAllowed(cors.allowOrigins, 'https://app.example.com.evil.io')).toBe(false);
    expect(originAllowed(cors.allowOrigins, 'https://appXexample.com')).toBe(false);
    expect(originAllowed(cors.allowOrigins, 'http://app.example.com')).toBe(false);
  });
});

describe('HTTP API CORS', () => {
  it('answers a preflight itself with 204 and every configured header', () => {
    const answer = httpApiPreflight(cors, request('OPTIONS', preflightHeaders('https://app.example.com')));
    expect(answer?.status).toBe(204);
    expect(Object.fromEntries(answer?.headers ?? [])).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-expose-headers': 'x-total',
      'access-control-max-age': '600',
      'access-control-allow-credentials': 'true',
    });
  });

  it('answers a preflight from another origin with 204 and no CORS header; other requests are not preflights', () => {
    expect(httpApiPreflight(cors, request('OPTIONS', preflightHeaders('https://evil.io')))).toEqual({ status: 204, headers: [], body: Buffer.alloc(0) });
    expect(httpApiPreflight(cors, request('OPTIONS', [['origin', 'https://app.example.com']]))).toBeUndefined();
    expect(httpApiPreflight(cors, request('GET', preflightHeaders('https://app.example.com')))).toBeUndefined();
  });

  it('says * for any origin when credentials are not allowed', () => {
    const open: CorsSettings = { ...cors, allowOrigins: ['*'], allowCredentials: false };
    expect(httpApiPreflight(open, request('OPTIONS', preflightHeaders('https://x.io')))?.headers[0]).toEqual(['access-control-allow-origin', '*']);
  });

  it('adds the origin headers to an answer and drops the function\'s own CORS headers', () => {
    const answer = { status: 200, headers: [['access-control-allow-origin', '*'], ['x-total', '3']] as Array<[string, string]>, body: Buffer.from('ok') };
    expect(withHttpApiCors(cors, request('GET', [['origin', 'https://app.example.com']]), answer).headers).toEqual([
      ['x-total', '3'],
      ['access-control-allow-origin', 'https://app.example.com'],
      ['access-control-expose-headers', 'x-total'],
      ['access-control-allow-credentials', 'true'],
    ]);
    expect(withHttpApiCors(cors, request('GET', [['origin', 'https://evil.io']]), answer).headers).toEqual([['x-total', '3']]);
    expect(withHttpApiCors(cors, request('GET', []), answer).headers).toEqual([['x-total', '3']]);
  });
});

describe('REST API CORS (SAM\'s OPTIONS methods)', () => {
  const route = (method: string, path: string) => ({ method, path, functionName: 'F', payloadFormatVersion: '1.0' as const, timeoutMs: 29_000, source: 't' });
  const api: ApiDefinition = { id: 'A', kind: 'rest', stageName: 'Prod', stageVariables: {}, binaryMediaTypes: [], routes: [route('GET', '/items/{id}'), route('DELETE', '/items/{id}'), route('ANY', '/all'), route('OPTIONS', '/own')] };
  const restCors: CorsSettings = { allowOrigins: ['https://app.example.com'], allowMethods: [], allowHeaders: [], exposeHeaders: [], maxAge: undefined, allowCredentials: false };

  it('answers OPTIONS on a path of the API with 200, the origin, and the path\'s methods with OPTIONS, sorted', () => {
    const found = restPreflight(api, restCors, request('OPTIONS', []));
    expect(found?.resource).toBe('/items/{id}');
    expect(found?.answer.status).toBe(200);
    expect(found?.answer.headers).toEqual([['access-control-allow-origin', 'https://app.example.com'], ['access-control-allow-methods', 'DELETE,GET,OPTIONS']]);
    expect(restPreflight(api, restCors, request('OPTIONS', [], '/all'))?.answer.headers[1]).toEqual(['access-control-allow-methods', 'DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT']);
  });

  it('uses the configured methods, headers, max age and credentials', () => {
    const full = { ...restCors, allowMethods: ['GET'], allowHeaders: ['x-a'], maxAge: 60, allowCredentials: true };
    expect(restPreflight(api, full, request('OPTIONS', []))?.answer.headers).toEqual([
      ['access-control-allow-origin', 'https://app.example.com'],
      ['access-control-allow-methods', 'GET'],
      ['access-control-allow-headers', 'x-a'],
      ['access-control-max-age', '60'],
      ['access-control-allow-credentials', 'true'],
    ]);
  });

  it('leaves other methods, unknown paths and paths with their own OPTIONS method alone', () => {
    expect(restPreflight(api, restCors, request('GET', []))).toBeUndefined();
    expect(restPreflight(api, restCors, request('OPTIONS', [], '/nowhere'))).toBeUndefined();
    expect(restPreflight(api, restCors, request('OPTIONS', [], '/own'))).toBeUndefined();
  });
});
