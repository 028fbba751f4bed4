/**
 * The authorize step against an in-process InvokePort that runs handler functions written here
 * (each test's authorizer is real code; the step under test reads what it answers).
 */
import { describe, expect, it } from 'vitest';
import type { LambdaAuthorizer } from '../../../src/config/api-auth.js';
import type { ApiDefinition } from '../../../src/config/api-events.js';
import { functionErrorBody } from '../../../src/errors.js';
import { AuthorizerCache } from '../../../src/front-ends/authorizers/authorizer-cache.js';
import { createAuthorizeStep, readAnswer, type AuthorizerAnswer } from '../../../src/front-ends/authorizers/authorize.js';
import type { FrontRequest } from '../../../src/front-ends/http-request.js';
import { RouteTable } from '../../../src/front-ends/route-table.js';
import type { InvokePort } from '../../../src/platform/invoke-types.js';

type Handler = (event: Record<string, unknown>) => unknown;

/** Runs `handler` for every invoke; a thrown Error becomes a function error, as Lambda reports it. */
function portFor(handler: Handler): InvokePort & { events: Array<Record<string, unknown>> } {
  const events: Array<Record<string, unknown>> = [];
  return {
    events,
    async invoke(request) {
      const event = JSON.parse(request.payload.toString('utf8')) as Record<string, unknown>;
      events.push(event);
      const base = { requestId: `r${events.length}`, executedVersion: '$LATEST', logs: () => '' };
      try {
        const answer = handler(event);
        return { ...base, result: { kind: 'response', payload: Buffer.from(JSON.stringify(answer)), contentType: 'application/json' } };
      } catch (error) {
        return { ...base, result: { kind: 'function-error', error: functionErrorBody('Error', (error as Error).message) } };
      }
    },
    accept() {
      throw new Error('not used');
    },
  };
}

const route = { method: 'ANY', path: '/items/{id}', functionName: 'Items', payloadFormatVersion: '1.0' as const, timeoutMs: 29_000, source: 'test' };
const rest: ApiDefinition = { id: 'MyApi', kind: 'rest', stageName: 'Prod', stageVariables: {}, binaryMediaTypes: [], routes: [route] };
const http: ApiDefinition = { ...rest, id: 'MyHttpApi', kind: 'http', stageName: '$default' };
const token: LambdaAuthorizer = { name: 'Tok', functionName: 'Auth', type: 'TOKEN', payloadFormatVersion: '1.0', simpleResponses: false, headers: ['authorization'], queryStrings: [], validationExpression: undefined, ttlSeconds: 300 };
const simple: LambdaAuthorizer = { ...token, name: 'Simple', type: 'REQUEST', payloadFormatVersion: '2.0', simpleResponses: true };

function request(method: string, auth: string | undefined): FrontRequest {
  return { method, rawPath: '/items/7', rawQueryString: '', headers: auth === undefined ? [] : [['authorization', auth]], body: Buffer.alloc(0), sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', receivedAt: 0 };
}

/** An IAM policy allowing (or denying) `methods` on every path, like a typical TOKEN authorizer. */
const policyAuthorizer: Handler = (event) => {
  const token = String(event.authorizationToken ?? (event.identitySource as string[] | undefined)?.[0]);
  if (token === 'Bearer boom') throw new Error('database down');
  if (token !== 'Bearer good' && token !== 'Bearer evil' && token !== 'Bearer get-only') throw new Error('Unauthorized');
  const arn = String(event.methodArn ?? event.routeArn);
  const base = arn.split('/').slice(0, 2).join('/');
  const method = token === 'Bearer get-only' ? 'GET' : '*';
  return { principalId: 'user-1', policyDocument: { Version: '2012-10-17', Statement: [{ Effect: token === 'Bearer evil' ? 'Deny' : 'Allow', Action: 'execute-api:Invoke', Resource: `${base}/${method}/*` }] }, context: { tier: 'gold', n: 3, ok: true } };
};

async function run(api: ApiDefinition, authorizer: LambdaAuthorizer, handler: Handler, calls: Array<[string, string | undefined]>, cache?: AuthorizerCache<AuthorizerAnswer>) {
  const port = portFor(handler);
  const step = createAuthorizeStep(port, cache);
  const outcomes = [];
  for (const [method, auth] of calls) {
    const req = request(method, auth);
    const match = new RouteTable(api.routes).match(method, req.rawPath);
    if (match === undefined) throw new Error('no match');
    outcomes.push(await step({ authorizer, request: req, match, context: { api, accountId: '123456789012', region: 'eu-west-1' }, requestId: 'id' }));
  }
  return { outcomes, port };
}

describe('createAuthorizeStep: REST APIs', () => {
  it('allows with the context as text, the principal and the latency for requestContext.authorizer', async () => {
    const { outcomes } = await run(rest, token, policyAuthorizer, [['GET', 'Bearer good']]);
    expect(outcomes[0]).toEqual({ kind: 'allow', authorizer: { tier: 'gold', n: '3', ok: 'true', principalId: 'user-1', integrationLatency: expect.any(Number) } });
  });

  it('answers 401 without invoking when the token is missing, and 401 for the authorizer\'s "Unauthorized"', async () => {
    const { outcomes, port } = await run(rest, token, policyAuthorizer, [['GET', undefined], ['GET', 'Bearer nobody']]);
    expect(outcomes).toEqual([{ kind: 'refuse', code: 'LAMINA_ERR_GW_REST_UNAUTHORIZED' }, { kind: 'refuse', code: 'LAMINA_ERR_GW_REST_UNAUTHORIZED' }]);
    expect(port.events).toHaveLength(1);
  });

  it('answers the explicit deny, and the authorizer failure for any other error or a bad answer', async () => {
    expect((await run(rest, token, policyAuthorizer, [['GET', 'Bearer evil']])).outcomes[0]).toEqual({ kind: 'refuse', code: 'LAMINA_ERR_GW_REST_EXPLICIT_DENY' });
    expect((await run(rest, token, policyAuthorizer, [['GET', 'Bearer boom']])).outcomes[0]).toEqual({ kind: 'refuse', code: 'LAMINA_ERR_GW_REST_AUTHORIZER_FAILURE' });
    expect((await run(rest, token, () => ({ policyDocument: { Statement: [] } }), [['GET', 'x']])).outcomes[0]).toEqual({ kind: 'refuse', code: 'LAMINA_ERR_GW_REST_AUTHORIZER_FAILURE' });
    expect((await run(rest, token, () => 'yes', [['GET', 'x']])).outcomes[0]).toEqual({ kind: 'refuse', code: 'LAMINA_ERR_GW_REST_AUTHORIZER_FAILURE' });
  });

  it('invokes once per token within the TTL, and checks the cached policy against each method', async () => {
    const { outcomes, port } = await run(rest, token, policyAuthorizer, [['GET', 'Bearer get-only'], ['GET', 'Bearer get-only'], ['POST', 'Bearer get-only'], ['GET', 'Bearer good']]);
    expect(outcomes.map((o) => (o.kind === 'allow' ? 'allow' : o.code))).toEqual(['allow', 'allow', 'LAMINA_ERR_GW_REST_IMPLICIT_DENY', 'allow']);
    expect(port.events.map((e) => e.authorizationToken)).toEqual(['Bearer get-only', 'Bearer good']);
  });

  it('invokes again once the TTL has passed, and every time with ReauthorizeEvery 0', async () => {
    let now = 0;
    const cache = new AuthorizerCache<AuthorizerAnswer>(() => now);
    const port = portFor(policyAuthorizer);
    const step = createAuthorizeStep(port, cache);
    const req = request('GET', 'Bearer good');
    const match = new RouteTable(rest.routes).match('GET', '/items/7');
    if (match === undefined) throw new Error('no match');
    const context = { api: rest, accountId: '1', region: 'r' };
    await step({ authorizer: { ...token, ttlSeconds: 10 }, request: req, match, context, requestId: 'a' });
    now = 9_999;
    await step({ authorizer: { ...token, ttlSeconds: 10 }, request: req, match, context, requestId: 'b' });
    expect(port.events).toHaveLength(1);
    now = 10_000;
    await step({ authorizer: { ...token, ttlSeconds: 10 }, request: req, match, context, requestId: 'c' });
    expect(port.events).toHaveLength(2);
    await step({ authorizer: { ...token, ttlSeconds: 0 }, request: req, match, context, requestId: 'd' });
    await step({ authorizer: { ...token, ttlSeconds: 0 }, request: req, match, context, requestId: 'e' });
    expect(port.events).toHaveLength(4);
  });
});

describe('createAuthorizeStep: HTTP APIs', () => {
  it('takes simple responses: isAuthorized true passes the context under lambda, false is 403 Forbidden', async () => {
    const handler: Handler = (event) => ({ isAuthorized: (event.identitySource as string[])[0] === 'Bearer good', context: { user: { id: 7 } } });
    const { outcomes, port } = await run(http, simple, handler, [['GET', 'Bearer good'], ['GET', 'Bearer bad'], ['GET', undefined]]);
    expect(outcomes).toEqual([{ kind: 'allow', authorizer: { lambda: { user: { id: 7 } } } }, { kind: 'refuse', code: 'LAMINA_ERR_GW_HTTP_FORBIDDEN' }, { kind: 'refuse', code: 'LAMINA_ERR_GW_HTTP_UNAUTHORIZED' }]);
    expect(port.events[0]).toMatchObject({ version: '2.0', type: 'REQUEST', routeKey: 'ANY /items/{id}' });
  });

  it('evaluates IAM policies too (a Deny is 403 Forbidden), and answers 500 for a failing authorizer', async () => {
    const iam = { ...simple, simpleResponses: false };
    const { outcomes } = await run(http, iam, policyAuthorizer, [['GET', 'Bearer good'], ['GET', 'Bearer evil'], ['GET', 'Bearer boom'], ['GET', 'Bearer who']]);
    expect(outcomes.map((o) => (o.kind === 'allow' ? o.authorizer : o.code))).toEqual([{ lambda: { tier: 'gold', n: 3, ok: true } }, 'LAMINA_ERR_GW_HTTP_FORBIDDEN', 'LAMINA_ERR_GW_HTTP_INTERNAL', 'LAMINA_ERR_GW_HTTP_UNAUTHORIZED']);
  });
});

describe('readAnswer', () => {
  it('refuses what API Gateway cannot use', () => {
    const read = (value: unknown, kind: 'rest' | 'http' = 'rest') => readAnswer(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), token, kind);
    expect(read('not json')).toBeUndefined();
    expect(read([1])).toBeUndefined();
    expect(read({ principalId: 'p', policyDocument: {}, context: { nested: { a: 1 } } })).toBeUndefined();
    expect(read({ principalId: 'p', policyDocument: {}, context: 'ctx' })).toBeUndefined();
    // A simple response is only read when simple responses are enabled.
    expect(read({ isAuthorized: true }, 'http')).toBeUndefined();
    expect(read({ principalId: 'p', policyDocument: { Statement: [] } })).toEqual({ principalId: 'p', isAuthorized: undefined, policyDocument: { Statement: [] }, context: {} });
  });
});
