/**
 * The guards around a route, with an in-process InvokePort running an authorizer written here.
 */
import { describe, expect, it } from 'vitest';
import type { ApiDefinition } from '../../src/config/api-events.js';
import { createGatewayGuards, withAuthorizer } from '../../src/front-ends/gateway-guards.js';
import type { FrontRequest } from '../../src/front-ends/http-request.js';
import { RouteTable } from '../../src/front-ends/route-table.js';
import type { InvokePort } from '../../src/platform/invoke-types.js';

const tokens: string[] = [];
const port: InvokePort = {
  async invoke(request) {
    const event = JSON.parse(request.payload.toString('utf8')) as { authorizationToken: string; methodArn: string };
    tokens.push(event.authorizationToken);
    const answer = { principalId: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] } };
    return { requestId: 'r', executedVersion: '$LATEST', logs: () => '', result: { kind: 'response', payload: Buffer.from(JSON.stringify(answer)), contentType: 'application/json' } };
  },
  accept() {
    throw new Error('not used');
  },
};

const route = { method: 'GET', path: '/items', functionName: 'F', payloadFormatVersion: '1.0' as const, timeoutMs: 29_000, source: 't', authorizer: 'Tok' };
const tok = { name: 'Tok', functionName: 'Auth', type: 'TOKEN' as const, payloadFormatVersion: '1.0' as const, simpleResponses: false, headers: ['authorization'], queryStrings: [], validationExpression: undefined, ttlSeconds: 0 };
const cors = { allowOrigins: ['*'], allowMethods: [], allowHeaders: [], exposeHeaders: [], maxAge: undefined, allowCredentials: false };
const api = (authorizePreflight: boolean): ApiDefinition => ({ id: 'A', kind: 'rest', stageName: 'Prod', stageVariables: {}, binaryMediaTypes: [], routes: [route, { ...route, path: '/open', authorizer: undefined }], cors, auth: { authorizers: { Tok: tok }, defaultAuthorizer: 'Tok', authorizePreflight, ignored: [] } });
const request = (method: string, rawPath: string, headers: Array<[string, string]> = []): FrontRequest => ({ method, rawPath, rawQueryString: '', headers, body: Buffer.alloc(0), sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', receivedAt: 0 });
const context = (a: ApiDefinition) => ({ api: a, accountId: '123456789012', region: 'eu-west-1' });

describe('createGatewayGuards (REST)', () => {
  it('puts the default authorizer on SAM\'s preflight methods, unless AddDefaultAuthorizerToCorsPreflight is false', async () => {
    const guarded = createGatewayGuards(api(true), port, context(api(true)));
    expect(await guarded.preflight(request('OPTIONS', '/items'), 'id')).toBe('LAMINA_ERR_GW_REST_UNAUTHORIZED');
    const allowed = await guarded.preflight(request('OPTIONS', '/items', [['authorization', 'pre']]), 'id');
    expect(typeof allowed === 'object' && allowed.status).toBe(200);
    expect(tokens).toEqual(['pre']);
    const open = createGatewayGuards(api(false), port, context(api(false)));
    expect(typeof (await open.preflight(request('OPTIONS', '/items'), 'id'))).toBe('object');
    expect(tokens).toEqual(['pre']);
  });

  it('authorizes a route with an authorizer, and leaves an open route alone', async () => {
    const guards = createGatewayGuards(api(true), port, context(api(true)));
    const table = new RouteTable(api(true).routes);
    const items = table.match('GET', '/items');
    const open = table.match('GET', '/open');
    if (items === undefined || open === undefined) throw new Error('no match');
    expect(await guards.authorize(request('GET', '/items'), items, 'id')).toBe('LAMINA_ERR_GW_REST_UNAUTHORIZED');
    expect(await guards.authorize(request('GET', '/items', [['authorization', 'ok']]), items, 'id')).toEqual({ authorizer: { principalId: 'p', integrationLatency: expect.any(Number) } });
    expect(await guards.authorize(request('GET', '/open'), open, 'id')).toEqual({ authorizer: undefined });
    // A REST API's answers get no CORS headers added: they are the function's own.
    const answer = { status: 200, headers: [['x', '1']] as Array<[string, string]>, body: Buffer.alloc(0) };
    expect(guards.finish(request('GET', '/items', [['origin', 'https://a.io']]), answer)).toBe(answer);
  });
});

describe('withAuthorizer', () => {
  it('sets requestContext.authorizer and keeps the rest; no authorizer leaves the event as it was', () => {
    const event = { a: 1, requestContext: { stage: 'Prod' } };
    expect(withAuthorizer(event, { lambda: { u: 1 } })).toEqual({ a: 1, requestContext: { stage: 'Prod', authorizer: { lambda: { u: 1 } } } });
    expect(withAuthorizer(event, undefined)).toBe(event);
  });
});
