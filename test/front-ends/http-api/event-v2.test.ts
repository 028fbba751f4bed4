import { describe, expect, it } from 'vitest';
import type { ApiDefinition } from '../../../src/config/api-events.js';
import { apiIdOf, gatewayRequestId, gatewayTime, httpApiEventV2 } from '../../../src/front-ends/http-api/event-v2.js';
import type { FrontRequest } from '../../../src/front-ends/http-request.js';
import { RouteTable } from '../../../src/front-ends/route-table.js';

const api: ApiDefinition = {
  id: 'ServerlessHttpApi',
  kind: 'http',
  stageName: '$default',
  stageVariables: {},
  binaryMediaTypes: [],
  routes: [
    { method: 'GET', path: '/users/{id}', functionName: 'Users', payloadFormatVersion: '2.0', timeoutMs: 30_000, source: 'test' },
    { method: 'ANY', path: '$default', functionName: 'Fallback', payloadFormatVersion: '2.0', timeoutMs: 30_000, source: 'test' },
  ],
};
const context = { api, accountId: '123456789012', region: 'eu-west-1' };
const table = new RouteTable(api.routes);

function request(overrides: Partial<FrontRequest>): FrontRequest {
  return { method: 'GET', rawPath: '/users/42', rawQueryString: '', headers: [['host', '127.0.0.1:3000']], body: Buffer.alloc(0), sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', receivedAt: Date.UTC(2020, 2, 12, 19, 3, 58), ...overrides };
}

function event(req: FrontRequest) {
  const match = table.match(req.method, req.rawPath);
  if (match === undefined) throw new Error('no match');
  return httpApiEventV2(req, match, context, 'JKJaXmPLvHcESHA=');
}

describe('httpApiEventV2', () => {
  it('has the fields of AWS\'s published 2.0 sample event, with their types', () => {
    const e = event(request({ rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value', headers: [['host', 'localhost:3000'], ['header1', 'value1'], ['header2', 'value1'], ['header2', 'value2'], ['cookie', 'cookie1; cookie2'], ['user-agent', 'agent'], ['content-type', 'application/json']], body: Buffer.from('{"a":1}') }));
    expect(Object.keys(e).sort()).toEqual(['body', 'cookies', 'headers', 'isBase64Encoded', 'pathParameters', 'queryStringParameters', 'rawPath', 'rawQueryString', 'requestContext', 'routeKey', 'version'].sort());
    expect(Object.keys(e.requestContext).sort()).toEqual(['accountId', 'apiId', 'domainName', 'domainPrefix', 'http', 'requestId', 'routeKey', 'stage', 'time', 'timeEpoch']);
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: 'GET /users/{id}',
      rawPath: '/users/42',
      rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
      cookies: ['cookie1', 'cookie2'],
      headers: { host: 'localhost:3000', header1: 'value1', header2: 'value1,value2', 'user-agent': 'agent', 'content-type': 'application/json' },
      queryStringParameters: { parameter1: 'value1,value2', parameter2: 'value' },
      pathParameters: { id: '42' },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '123456789012',
        apiId: apiIdOf('ServerlessHttpApi'),
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: { method: 'GET', path: '/users/42', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'agent' },
        requestId: 'JKJaXmPLvHcESHA=',
        routeKey: 'GET /users/{id}',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: Date.UTC(2020, 2, 12, 19, 3, 58),
      },
    });
    expect(e.headers.cookie).toBeUndefined();
  });

  it('leaves out optional fields that have nothing, and keys the $default route as $default', () => {
    const e = event(request({ rawPath: '/nothing/here' }));
    expect(e.routeKey).toBe('$default');
    expect(e.requestContext.routeKey).toBe('$default');
    for (const key of ['cookies', 'queryStringParameters', 'pathParameters', 'stageVariables', 'body']) expect(e).not.toHaveProperty(key);
    expect(e.isBase64Encoded).toBe(false);
  });

  it('base64-encodes a body that is not text, and one without a content type', () => {
    const bytes = Buffer.from([0, 159, 146, 150]);
    expect(event(request({ method: 'GET', body: bytes, headers: [['content-type', 'application/octet-stream']] }))).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
    expect(event(request({ body: Buffer.from('a=1'), headers: [['content-type', 'application/x-www-form-urlencoded']] }))).toMatchObject({ body: 'YT0x', isBase64Encoded: true });
    expect(event(request({ body: Buffer.from('plain'), headers: [] }))).toMatchObject({ body: 'cGxhaW4=', isBase64Encoded: true });
    expect(event(request({ body: Buffer.from('<a/>'), headers: [['content-type', 'application/atom+xml']] }))).toMatchObject({ body: '<a/>', isBase64Encoded: false });
  });

  it('carries stage variables and decodes the path in http.path only', () => {
    const withVars = { ...context, api: { ...api, stageName: 'prod', stageVariables: { table: 'users' } } };
    const req = request({ rawPath: '/users/a%20b' });
    const match = table.match(req.method, req.rawPath);
    if (match === undefined) throw new Error('no match');
    const e = httpApiEventV2(req, match, withVars, 'x');
    expect(e).toMatchObject({ rawPath: '/users/a%20b', stageVariables: { table: 'users' }, pathParameters: { id: 'a b' }, requestContext: { stage: 'prod', http: { path: '/users/a b' } } });
  });

  it('makes API Gateway-shaped ids and times', () => {
    expect(apiIdOf('ServerlessHttpApi')).toMatch(/^[a-z0-9]{10}$/);
    expect(apiIdOf('ServerlessHttpApi')).toBe(apiIdOf('ServerlessHttpApi'));
    expect(apiIdOf('Other')).not.toBe(apiIdOf('ServerlessHttpApi'));
    expect(gatewayRequestId()).toMatch(/^[A-Za-z0-9+/]{14}==$|^[A-Za-z0-9+/]{15}=$/);
    expect(gatewayTime(Date.UTC(2021, 0, 5, 4, 5, 6))).toBe('05/Jan/2021:04:05:06 +0000');
  });
});
