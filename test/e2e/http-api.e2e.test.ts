/**
 * `lamina serve` with SAM `HttpApi` events (docs/http-front-ends.md): the real executable, a Node
 * function and a plain shell custom runtime (curl), driven with undici and with curl; cold and warm.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellBootstrap } from '../helpers/shell-bootstrap.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';

const run = promisify(execFile);

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Users:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: node/
      Events:
        Get:
          Type: HttpApi
          Properties: {Path: "/users/{id}", Method: GET}
        Fail:
          Type: HttpApi
          Properties: {Path: /fail, Method: ANY}
        Slow:
          Type: HttpApi
          Properties: {Path: /slow, Method: GET, TimeoutInMillis: 300}
        Bare:
          Type: HttpApi
          Properties: {Path: /bare, Method: GET}
  Rest:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: rest/
      Events:
        Item:
          Type: Api
          Properties: {Path: "/items/{id}", Method: GET}
        Bad:
          Type: Api
          Properties: {Path: /bad, Method: ANY}
        Legacy:
          Type: HttpApi
          Properties: {Path: /legacy, Method: GET, PayloadFormatVersion: "1.0"}
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: shell/
      Events:
        Proxy:
          Type: HttpApi
          Properties: {Path: "/echo/{proxy+}", Method: ANY}
        RestProxy:
          Type: Api
          Properties: {Path: "/shell/{proxy+}", Method: ANY}
`;

const HANDLER = `export const handler = async (event) => {
  if (event.rawPath === '/fail') throw new Error('on purpose');
  if (event.rawPath === '/slow') { await new Promise((r) => setTimeout(r, 1500)); return 'late'; }
  if (event.rawPath === '/bare') return { message: 'bare object' };
  return { statusCode: 201, headers: { 'x-user': event.pathParameters.id }, cookies: ['a=1', 'b=2'], body: JSON.stringify({ id: event.pathParameters.id, q: event.queryStringParameters }) };
};
`;

const REST_HANDLER = `export const handler = async (event) => {
  if (event.path === '/bad') return 'a bare value is not a 1.0 response';
  return { statusCode: 200, multiValueHeaders: { 'x-ids': [event.pathParameters?.id ?? '-', 'z'] }, body: JSON.stringify({ version: event.version, resource: event.resource, stage: event.requestContext.stage, path: event.requestContext.path, q: event.multiValueQueryStringParameters, h: event.headers['X-Case'] ?? event.headers['x-case'] }) };
};
`;

// Echoes an HTTP API event back as a bare value; a REST event (which has `httpMethod`) gets a 1.0
// response whose body is the event's `resource` and `path`.
const SHELL_BOOTSTRAP = shellBootstrap(
  `if grep -q '"httpMethod"' /tmp/event; then r=$(grep -o '"resource":"[^"]*"' /tmp/event | cut -d'"' -f4); p=$(grep -o '"path":"[^"]*"' /tmp/event | head -1 | cut -d'"' -f4); printf '{"statusCode":200,"multiValueHeaders":{"x-runtime":["sh"]},"body":"%s %s"}' "$r" "$p"; else cat /tmp/event; fi`,
);

let serve: ServeProcess;
let api = '';
let restApi = '';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-http-api-'));
  chmodSync(dir, 0o755);
  for (const sub of ['node', 'shell', 'rest']) mkdirSync(join(dir, sub), { mode: 0o755 });
  writeFileSync(join(dir, 'node', 'index.mjs'), HANDLER);
  writeFileSync(join(dir, 'rest', 'index.mjs'), REST_HANDLER);
  writeFileSync(join(dir, 'shell', 'bootstrap'), SHELL_BOOTSTRAP, { mode: 0o755 });
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  const args = ['--template', join(dir, 'template.yaml'), '--port', '0', '--api-port', '0', '--host-node'];
  ({ serve, match: api } = await startServe(args, dir, /ServerlessHttpApi \(HTTP API, stage \$default\): (http:\/\/127\.0\.0\.1:\d+)/));
  restApi = /ServerlessRestApi \(REST API, stage Prod\): (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.output())?.[1] ?? '';
  expect(restApi, serve.output()).not.toBe('');
}, 90_000);

afterAll(async () => {
  expect(await serve.stop()).toBe(0);
});

describe('an HTTP API in front of functions', () => {
  it('prints every route in the banner', () => {
    expect(serve.output()).toContain('GET /users/{id} -> Users');
    expect(serve.output()).toContain('ANY /echo/{proxy+} -> Echo');
  });

  it('maps a Node function\'s structured response: status, headers, cookies, body (cold, then warm)', async () => {
    for (const round of ['cold', 'warm']) {
      const answer = await request(`${api}/users/42?tag=a&tag=b`);
      expect(answer.statusCode, round).toBe(201);
      expect(answer.headers['x-user']).toBe('42');
      expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(answer.headers['apigw-requestid']).toMatch(/^[A-Za-z0-9+/=]{16}$/);
      expect(await answer.body.json()).toEqual({ id: '42', q: { tag: 'a,b' } });
    }
  }, 60_000);

  it('hands a shell runtime the whole 2.0 event (echoed back as a bare value)', async () => {
    const answer = await request(`${api}/echo/a/b%20c?x=1`, { method: 'POST', body: '{"hello":"world"}', headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'x-multi': 'one' } });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    const event = (await answer.body.json()) as APIGatewayProxyEventV2;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'ANY /echo/{proxy+}',
      rawPath: '/echo/a/b%20c',
      rawQueryString: 'x=1',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { x: '1' },
      pathParameters: { proxy: 'a/b c' },
      body: '{"hello":"world"}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/echo/a/b c', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' }, stage: '$default', routeKey: 'ANY /echo/{proxy+}' },
    });
    expect(event.headers['x-multi']).toBe('one');
    expect(event.headers.cookie).toBeUndefined();
  }, 60_000);

  it('answers as API Gateway when it is not the function\'s answer: 500, 503, 404, 413 (curl)', async () => {
    const curl = async (...args: string[]) => (await run('curl', ['-sS', '-w', '\\n%{http_code}', ...args])).stdout;
    expect(await curl(`${api}/fail`)).toBe('{"message":"Internal Server Error"}\n500');
    expect(await curl(`${api}/slow`)).toBe('{"message":"Service Unavailable"}\n503');
    expect(await curl(`${api}/nowhere`)).toBe('{"message":"Not Found"}\n404');
    expect(await curl(`${api}/users/1`, '-X', 'DELETE')).toBe('{"message":"Not Found"}\n404');
    const big = join(mkdtempSync(join(tmpdir(), 'lamina-big-')), 'big');
    writeFileSync(big, Buffer.alloc(10 * 1024 * 1024 + 1, 97));
    expect(await curl(`${api}/echo/x`, '--data-binary', `@${big}`)).toBe('{"message":"Request Entity Too Large"}\n413');
    expect(await curl(`${api}/bare`)).toBe('{"message":"bare object"}\n200');
  }, 60_000);

  it('serves an HTTP API route that asks for payload 1.0 with the 1.0 event (version 1.0, lower-case headers)', async () => {
    const answer = await request(`${api}/legacy?a=1&a=2`, { headers: { 'X-Case': 'kept' } });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['x-ids']).toEqual(['-', 'z']);
    expect(await answer.body.json()).toEqual({ version: '1.0', resource: '/legacy', stage: '$default', path: '/legacy', q: { a: ['1', '2'] }, h: 'kept' });
  }, 60_000);
});

describe('a REST API in front of functions', () => {
  it('sends the 1.0 event and maps multiValueHeaders (cold, then warm)', async () => {
    for (const round of ['cold', 'warm']) {
      const answer = await request(`${restApi}/items/7?x=1`, { headers: { 'X-Case': 'Kept' } });
      expect(answer.statusCode, round).toBe(200);
      expect(answer.headers['x-ids']).toEqual(['7', 'z']);
      expect(answer.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
      expect(await answer.body.json()).toEqual({ resource: '/items/{id}', stage: 'Prod', path: '/Prod/items/7', q: { x: ['1'] }, h: 'Kept' });
    }
  }, 60_000);

  it('answers as API Gateway: 403 Missing Authentication Token, 502 for a bad answer (curl)', async () => {
    const curl = async (...args: string[]) => (await run('curl', ['-sS', '-w', '\\n%{http_code}', ...args])).stdout;
    expect(await curl(`${restApi}/nowhere`)).toBe('{"message":"Missing Authentication Token"}\n403');
    expect(await curl(`${restApi}/items/1`, '-X', 'POST')).toBe('{"message":"Missing Authentication Token"}\n403');
    expect(await curl(`${restApi}/bad`)).toBe('{"message":"Internal server error"}\n502');
  }, 60_000);

  it('hands a plain shell runtime the 1.0 event through the REST API (cold, then warm; undici and curl)', async () => {
    const cold = await request(`${restApi}/shell/a/b`);
    expect(cold.statusCode).toBe(200);
    expect(cold.headers['x-runtime']).toBe('sh');
    expect(await cold.body.text()).toBe('/shell/{proxy+} /shell/a/b');
    const curl = async (...args: string[]) => (await run('curl', ['-sS', '-w', '\\n%{http_code}', ...args])).stdout;
    expect(await curl(`${restApi}/shell/c`)).toBe('/shell/{proxy+} /shell/c\n200');
  }, 60_000);
});
