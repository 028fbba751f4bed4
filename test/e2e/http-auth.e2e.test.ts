/**
 * `lamina serve` with Lambda authorizers and CORS (docs/http-front-ends.md): a REST API with a
 * TOKEN authorizer and `Cors`, an HTTP API with a payload 2.0 simple-response authorizer and
 * `CorsConfiguration`; real Node functions behind them, driven with undici and curl. Authorizer
 * invocations are counted through the lines they log.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';

const run = promisify(execFile);

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Shop:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Cors: {AllowOrigin: "'https://app.example.com'", AllowHeaders: "'authorization'", MaxAge: "'600'"}
      Auth:
        DefaultAuthorizer: Tok
        AddDefaultAuthorizerToCorsPreflight: false
        Authorizers:
          Tok:
            FunctionArn: !GetAtt TokenAuth.Arn
  Portal:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: {AllowOrigins: [https://app.example.com], AllowMethods: [GET, POST], AllowHeaders: [authorization], ExposeHeaders: [x-total], MaxAge: 300}
      Auth:
        DefaultAuthorizer: Simple
        Authorizers:
          Simple:
            FunctionArn: !GetAtt SimpleAuth.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization]}
  TokenAuth:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs20.x, Handler: auth.token, CodeUri: code/}
  SimpleAuth:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs20.x, Handler: auth.simple, CodeUri: code/}
  App:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: code/
      Events:
        Items:
          Type: Api
          Properties: {RestApiId: !Ref Shop, Path: "/items/{id}", Method: ANY}
        ShopOpen:
          Type: Api
          Properties: {RestApiId: !Ref Shop, Path: /open, Method: GET, Auth: {Authorizer: NONE}}
        Me:
          Type: HttpApi
          Properties: {ApiId: !Ref Portal, Path: /me, Method: GET}
        PortalOpen:
          Type: HttpApi
          Properties: {ApiId: !Ref Portal, Path: /open, Method: GET, Auth: {Authorizer: NONE}}
`;

const AUTH = `export const token = async (event) => {
  console.log('TOKEN-AUTH-CALL ' + event.authorizationToken);
  const token = event.authorizationToken;
  if (token === 'boom') throw new Error('the user database is down');
  if (!['deny', 'get-only'].includes(token) && !token.startsWith('allow-')) throw new Error('Unauthorized');
  const [arn, stage] = event.methodArn.split('/');
  const method = token === 'get-only' ? 'GET' : '*';
  return {
    principalId: 'user-' + token,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: token === 'deny' ? 'Deny' : 'Allow', Resource: arn + '/' + stage + '/' + method + '/*' }] },
    context: { plan: 'pro', seats: 5 },
  };
};
export const simple = async (event) => {
  console.log('SIMPLE-AUTH-CALL ' + event.identitySource[0] + ' ' + event.routeArn);
  if (event.identitySource[0] === 'Bearer boom') throw new Error('oops');
  return { isAuthorized: event.identitySource[0].startsWith('Bearer good'), context: { user: 'ann', level: 2 } };
};
`;

const APP = `export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'access-control-allow-origin': '*', 'x-total': '3' },
  body: JSON.stringify({ authorizer: event.requestContext.authorizer ?? null }),
});
`;

let serve: ServeProcess;
let shop = '';
let portal = '';

const curl = async (...args: string[]): Promise<string> => (await run('curl', ['-sS', '-w', '\\n%{http_code}', ...args])).stdout;
/** How many lines of lamina serve's output (where the functions' logs go) hold `marker`. */
const count = (marker: string): number => serve.output().split('\n').filter((line) => line.includes(marker)).length;

/**
 * How many times an authorizer logged `marker`, counted once the log line of a later invocation
 * (made by `sentinel`, logging `sentinelMarker`) has arrived: lines of the earlier calls came first.
 */
async function calls(marker: string, sentinel: () => Promise<unknown>, sentinelMarker: string): Promise<number> {
  await sentinel();
  for (let i = 0; i < 100 && count(sentinelMarker) === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(count(sentinelMarker), serve.output()).toBe(1);
  return count(marker);
}
const shopSentinel = (token: string) => () => request(`${shop}/items/1`, { headers: { authorization: token } }).then((a) => a.body.dump());
const portalSentinel = (token: string) => () => request(`${portal}/me`, { headers: { authorization: token } }).then((a) => a.body.dump());

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-http-auth-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'code'), { mode: 0o755 });
  writeFileSync(join(dir, 'code', 'auth.mjs'), AUTH);
  writeFileSync(join(dir, 'code', 'app.mjs'), APP);
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  const args = ['--template', join(dir, 'template.yaml'), '--port', '0', '--api-port', '0', '--host-node'];
  ({ serve, match: shop } = await startServe(args, dir, /Shop \(REST API, stage dev\): (http:\/\/127\.0\.0\.1:\d+)/));
  portal = /Portal \(HTTP API, stage \$default\): (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.output())?.[1] ?? '';
  expect(portal, serve.output()).not.toBe('');
}, 90_000);

afterAll(async () => {
  expect(await serve.stop()).toBe(0);
});

describe('a REST API with a TOKEN authorizer', () => {
  it('prints each route\'s authorizer in the banner', () => {
    expect(serve.output()).toContain('ANY /items/{id} -> App (authorizer Tok)');
    expect(serve.output()).toMatch(/GET \/open -> App\n/);
    expect(serve.output()).toContain('GET /me -> App (authorizer Simple)');
  });

  it('answers 401 without a token or for the authorizer\'s "Unauthorized", 403 for a Deny, 500 for a failing authorizer (curl)', async () => {
    expect(await curl(`${shop}/items/1`)).toBe('{"message":"Unauthorized"}\n401');
    expect(await curl(`${shop}/items/1`, '-H', 'Authorization: stranger')).toBe('{"message":"Unauthorized"}\n401');
    expect(await curl(`${shop}/items/1`, '-H', 'Authorization: deny')).toBe('{"message":"User is not authorized to access this resource with an explicit deny"}\n403');
    expect(await curl(`${shop}/items/1`, '-H', 'Authorization: boom')).toBe('{"message":null}\n500');
  }, 60_000);

  it('passes an allowed request with the context, as text, and the principal; the authorizer runs once per token', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await request(`${shop}/items/7`, { headers: { authorization: 'allow-cached' } });
      expect(answer.statusCode).toBe(200);
      expect(await answer.body.json()).toEqual({ authorizer: { plan: 'pro', seats: '5', principalId: 'user-allow-cached', integrationLatency: expect.any(Number) } });
    }
    expect(await calls('TOKEN-AUTH-CALL allow-cached', shopSentinel('allow-sentinel-1'), 'TOKEN-AUTH-CALL allow-sentinel-1')).toBe(1);
  }, 60_000);

  it('checks a cached policy against each method: GET allowed, POST denied, still one invocation', async () => {
    expect((await request(`${shop}/items/7`, { headers: { authorization: 'get-only' } })).statusCode).toBe(200);
    expect(await curl(`${shop}/items/7`, '-X', 'POST', '-H', 'Authorization: get-only')).toBe('{"message":"User is not authorized to access this resource"}\n403');
    expect(await calls('TOKEN-AUTH-CALL get-only', shopSentinel('allow-sentinel-2'), 'TOKEN-AUTH-CALL allow-sentinel-2')).toBe(1);
  }, 60_000);

  it('leaves Authorizer: NONE routes open and answers SAM\'s CORS preflight (curl)', async () => {
    expect(await curl(`${shop}/open`)).toBe('{"authorizer":null}\n200');
    const { stdout } = await run('curl', ['-sS', '-i', '-X', 'OPTIONS', `${shop}/items/1`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(stdout).toMatch(/access-control-allow-origin: https:\/\/app\.example\.com\r\n/i);
    expect(stdout).toMatch(/access-control-allow-methods: DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT\r\n/i);
    expect(stdout).toMatch(/access-control-allow-headers: authorization\r\n/i);
    expect(stdout).toMatch(/access-control-max-age: 600\r\n/i);
  }, 60_000);
});

describe('an HTTP API with a simple-response authorizer', () => {
  it('answers 401 without the identity header, 403 for isAuthorized false, 500 for a failing authorizer (curl)', async () => {
    expect(await curl(`${portal}/me`)).toBe('{"message":"Unauthorized"}\n401');
    expect(await curl(`${portal}/me`, '-H', 'Authorization: Bearer bad')).toBe('{"message":"Forbidden"}\n403');
    expect(await curl(`${portal}/me`, '-H', 'Authorization: Bearer boom')).toBe('{"message":"Internal Server Error"}\n500');
  }, 60_000);

  it('passes the context under lambda, with the configured CORS headers in place of the function\'s; cached per identity', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await request(`${portal}/me`, { headers: { authorization: 'Bearer good-1', origin: 'https://app.example.com' } });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(answer.headers['access-control-expose-headers']).toBe('x-total');
      expect(await answer.body.json()).toEqual({ authorizer: { lambda: { user: 'ann', level: 2 } } });
    }
    expect(await calls('SIMPLE-AUTH-CALL Bearer good-1 ', portalSentinel('Bearer good-sentinel-1'), 'SIMPLE-AUTH-CALL Bearer good-sentinel-1 ')).toBe(1);
    expect(serve.output()).toMatch(/SIMPLE-AUTH-CALL Bearer good-1 arn:aws:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]{10}\/\$default\/GET\/me/);
    // Another origin gets no CORS header at all (the function's own is dropped).
    const other = await request(`${portal}/me`, { headers: { authorization: 'Bearer good-1', origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    await other.body.dump();
  }, 60_000);

  it('answers a preflight itself (204), before the authorizer, and leaves NONE routes open (curl)', async () => {
    const before = count('SIMPLE-AUTH-CALL');
    const { stdout } = await run('curl', ['-sS', '-i', '-X', 'OPTIONS', `${portal}/me`, '-H', 'Origin: https://app.example.com', '-H', 'Access-Control-Request-Method: POST']);
    expect(stdout).toMatch(/^HTTP\/1\.1 204/);
    expect(stdout).toMatch(/access-control-allow-origin: https:\/\/app\.example\.com\r\n/i);
    expect(stdout).toMatch(/access-control-allow-methods: GET,POST\r\n/i);
    expect(stdout).toMatch(/access-control-allow-headers: authorization\r\n/i);
    expect(stdout).toMatch(/access-control-max-age: 300\r\n/i);
    expect(await curl(`${portal}/open`)).toBe('{"authorizer":null}\n200');
    // The sentinel's own call is the only one since.
    expect(await calls('SIMPLE-AUTH-CALL', portalSentinel('Bearer good-sentinel-2'), 'SIMPLE-AUTH-CALL Bearer good-sentinel-2 ')).toBe(before + 1);
  }, 60_000);
});
