import { describe, expect, it } from 'vitest';
import type { ApiDefinition } from '../../../src/config/api-events.js';
import { apiIdOf } from '../../../src/front-ends/http-api/event-v2.js';
import type { FrontRequest } from '../../../src/front-ends/http-request.js';
import { isBinaryFor, proxyEventV1 } from '../../../src/front-ends/rest-api/event-v1.js';
import { RouteTable } from '../../../src/front-ends/route-table.js';

const rest: ApiDefinition = {
  id: 'ServerlessRestApi',
  kind: 'rest',
  stageName: 'Prod',
  stageVariables: {},
  binaryMediaTypes: ['image/*'],
  routes: [{ method: 'GET', path: '/users/{id}', functionName: 'Users', payloadFormatVersion: '1.0', timeoutMs: 29_000, source: 'test' }],
};
const context = { api: rest, accountId: '123456789012', region: 'eu-west-1' };

function request(overrides: Partial<FrontRequest>): FrontRequest {
  const headers: Array<readonly [string, string]> = [['host', 'localhost:3000'], ['x-tag', 'a'], ['x-tag', 'b'], ['user-agent', 'curl/8']];
  return { method: 'GET', rawPath: '/users/42', rawQueryString: 'q=1&q=2&one=x', headers, rawNames: new Map([['host', 'Host'], ['x-tag', 'X-Tag'], ['user-agent', 'User-Agent']]), body: Buffer.alloc(0), sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', receivedAt: Date.UTC(2015, 3, 9, 12, 34, 56), ...overrides };
}

function event(api: ApiDefinition, req: FrontRequest) {
  const match = new RouteTable(api.routes).match(req.method, req.rawPath);
  if (match === undefined) throw new Error('no match');
  return proxyEventV1(req, match, { ...context, api }, 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef');
}

describe('proxyEventV1', () => {
  it('has the fields of AWS\'s published REST proxy sample event, with their types', () => {
    const e = event(rest, request({}));
    expect(Object.keys(e).sort()).toEqual(['body', 'headers', 'httpMethod', 'isBase64Encoded', 'multiValueHeaders', 'multiValueQueryStringParameters', 'path', 'pathParameters', 'queryStringParameters', 'requestContext', 'resource', 'stageVariables']);
    expect(e).toMatchObject({
      resource: '/users/{id}',
      path: '/users/42',
      httpMethod: 'GET',
      headers: { Host: 'localhost:3000', 'X-Tag': 'b', 'User-Agent': 'curl/8' },
      multiValueHeaders: { Host: ['localhost:3000'], 'X-Tag': ['a', 'b'], 'User-Agent': ['curl/8'] },
      queryStringParameters: { q: '2', one: 'x' },
      multiValueQueryStringParameters: { q: ['1', '2'], one: ['x'] },
      pathParameters: { id: '42' },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {
        accountId: '123456789012',
        apiId: apiIdOf('ServerlessRestApi'),
        domainName: 'localhost',
        httpMethod: 'GET',
        path: '/Prod/users/42',
        protocol: 'HTTP/1.1',
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        requestTime: '09/Apr/2015:12:34:56 +0000',
        requestTimeEpoch: Date.UTC(2015, 3, 9, 12, 34, 56),
        resourcePath: '/users/{id}',
        stage: 'Prod',
        identity: { sourceIp: '127.0.0.1', userAgent: 'curl/8', accessKey: null, user: null, userArn: null, cognitoIdentityId: null },
      },
    });
    expect(e.requestContext.resourceId).toMatch(/^[a-z0-9]{6}$/);
  });

  it('makes empty maps null', () => {
    const e = event(rest, request({ rawQueryString: '' }));
    expect(e.queryStringParameters).toBeNull();
    expect(e.multiValueQueryStringParameters).toBeNull();
  });

  it('base64-encodes a REST body only for the API\'s binary media types, an HTTP API\'s for non-text types', () => {
    const png = Buffer.from([137, 80, 78, 71]);
    expect(event(rest, request({ body: png, headers: [['content-type', 'image/png']] }))).toMatchObject({ body: png.toString('base64'), isBase64Encoded: true });
    expect(event(rest, request({ body: Buffer.from('a=1'), headers: [['content-type', 'application/x-www-form-urlencoded']] }))).toMatchObject({ body: 'a=1', isBase64Encoded: false });
    const http: ApiDefinition = { ...rest, id: 'ServerlessHttpApi', kind: 'http', stageName: '$default', binaryMediaTypes: [] };
    const e = event(http, request({ body: Buffer.from('a=1'), headers: [['content-type', 'application/x-www-form-urlencoded'], ['x-up', 'v']] }));
    expect(e).toMatchObject({ body: 'YT0x', isBase64Encoded: true, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-up': 'v' }, requestContext: { path: '/users/42', stage: '$default' } });
  });

  it('matches binary media types with wildcards', () => {
    expect(isBinaryFor('image/png', ['image/*'])).toBe(true);
    expect(isBinaryFor('application/pdf; q=1', ['*/*'])).toBe(true);
    expect(isBinaryFor('text/plain', ['image/*'])).toBe(false);
    expect(isBinaryFor(undefined, ['*/*'])).toBe(false);
  });
});
