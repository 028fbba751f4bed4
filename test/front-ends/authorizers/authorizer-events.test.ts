import { describe, expect, it } from 'vitest';
import type { LambdaAuthorizer } from '../../../src/config/api-auth.js';
import type { ApiDefinition } from '../../../src/config/api-events.js';
import { authorizerEvent, identityValues } from '../../../src/front-ends/authorizers/authorizer-events.js';
import type { FrontRequest } from '../../../src/front-ends/http-request.js';
import { RouteTable } from '../../../src/front-ends/route-table.js';

const route = { method: 'GET', path: '/items/{id}', functionName: 'Items', payloadFormatVersion: '1.0' as const, timeoutMs: 29_000, source: 'test', authorizer: 'Tok' };
const restApi: ApiDefinition = { id: 'MyApi', kind: 'rest', stageName: 'Prod', stageVariables: { v: '1' }, binaryMediaTypes: [], routes: [route] };
const httpApi: ApiDefinition = { ...restApi, id: 'MyHttpApi', kind: 'http', stageName: '$default', stageVariables: {}, routes: [{ ...route, payloadFormatVersion: '2.0' }] };

const base: LambdaAuthorizer = { name: 'Tok', functionName: 'Auth', type: 'TOKEN', payloadFormatVersion: '1.0', simpleResponses: false, headers: ['authorization'], queryStrings: [], validationExpression: undefined, ttlSeconds: 300 };

function request(overrides: Partial<FrontRequest> = {}): FrontRequest {
  return { method: 'GET', rawPath: '/items/7', rawQueryString: 'tenant=acme', headers: [['host', 'localhost:3000'], ['authorization', 'Bearer good']], body: Buffer.from('secret body'), sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', receivedAt: 1_600_000_000_000, ...overrides };
}

function eventFor(authorizer: LambdaAuthorizer, api: ApiDefinition, req = request()) {
  const match = new RouteTable(api.routes).match(req.method, req.rawPath);
  if (match === undefined) throw new Error('no match');
  const identity = identityValues(authorizer, req);
  if (identity === undefined) throw new Error('no identity');
  return authorizerEvent(authorizer, req, match, { api, accountId: '123456789012', region: 'eu-west-1' }, 'req-1', identity);
}

describe('identityValues', () => {
  it('reads headers (any case, repeated ones joined) and query strings in order', () => {
    const both = { ...base, type: 'REQUEST' as const, headers: ['authorization', 'x-tenant'], queryStrings: ['tenant'] };
    expect(identityValues(both, request({ headers: [['Authorization'.toLowerCase(), 'a'], ['x-tenant', 't1'], ['x-tenant', 't2']] }))).toEqual(['a', 't1,t2', 'acme']);
  });

  it('is undefined when a source is missing or empty (API Gateway\'s 401 without invoking)', () => {
    expect(identityValues(base, request({ headers: [] }))).toBeUndefined();
    expect(identityValues(base, request({ headers: [['authorization', '']] }))).toBeUndefined();
    expect(identityValues({ ...base, type: 'REQUEST', headers: [], queryStrings: ['tenant'] }, request({ rawQueryString: 'tenant=' }))).toBeUndefined();
    expect(identityValues({ ...base, type: 'REQUEST', headers: [], queryStrings: [] }, request({ headers: [] }))).toEqual([]);
  });

  it('checks a TOKEN against its ValidationExpression, whole', () => {
    const checked = { ...base, validationExpression: 'Bearer [a-z]+' };
    expect(identityValues(checked, request())).toEqual(['Bearer good']);
    expect(identityValues(checked, request({ headers: [['authorization', 'Bearer BAD']] }))).toBeUndefined();
    expect(identityValues(checked, request({ headers: [['authorization', 'xBearer good']] }))).toBeUndefined();
  });
});

describe('authorizerEvent', () => {
  it('REST TOKEN: type, token and method ARN only', () => {
    expect(eventFor(base, restApi)).toEqual({ type: 'TOKEN', authorizationToken: 'Bearer good', methodArn: expect.stringMatching(/^arn:aws:execute-api:eu-west-1:123456789012:[a-z0-9]{10}\/Prod\/GET\/items\/7$/) });
  });

  it('REST REQUEST: the 1.0 request fields with the method ARN, and no body', () => {
    const event = eventFor({ ...base, type: 'REQUEST', headers: ['authorization'], queryStrings: ['tenant'] }, restApi);
    expect(event).toMatchObject({ type: 'REQUEST', resource: '/items/{id}', path: '/items/7', httpMethod: 'GET', headers: { authorization: 'Bearer good' }, queryStringParameters: { tenant: 'acme' }, pathParameters: { id: '7' }, stageVariables: { v: '1' }, requestContext: { stage: 'Prod', resourcePath: '/items/{id}' } });
    expect(event.methodArn).toMatch(/\/Prod\/GET\/items\/7$/);
    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('isBase64Encoded');
  });

  it('HTTP API 2.0: the 2.0 request fields with type, routeArn and identitySource, and no body', () => {
    const event = eventFor({ ...base, type: 'REQUEST', payloadFormatVersion: '2.0', headers: ['authorization'], queryStrings: ['tenant'] }, httpApi);
    expect(event).toMatchObject({ version: '2.0', type: 'REQUEST', identitySource: ['Bearer good', 'acme'], routeKey: 'GET /items/{id}', rawPath: '/items/7', rawQueryString: 'tenant=acme', pathParameters: { id: '7' }, requestContext: { stage: '$default', http: { method: 'GET' } } });
    expect(event.routeArn).toMatch(/^arn:aws:execute-api:eu-west-1:123456789012:[a-z0-9]{10}\/\$default\/GET\/items\/7$/);
    expect(event).not.toHaveProperty('body');
  });

  it('HTTP API 1.0: version 1.0, methodArn, identitySource joined, and the 1.0 fields', () => {
    const event = eventFor({ ...base, type: 'REQUEST', payloadFormatVersion: '1.0', headers: ['authorization'] }, httpApi);
    expect(event).toMatchObject({ version: '1.0', type: 'REQUEST', identitySource: 'Bearer good', authorizationToken: 'Bearer good', resource: '/items/{id}', httpMethod: 'GET' });
    expect(event.methodArn).toMatch(/\/\$default\/GET\/items\/7$/);
  });
});
