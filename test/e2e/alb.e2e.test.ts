/**
 * `lamina serve` with an Application Load Balancer in the template and with `--alb`
 * (docs/http-front-ends.md): the real executable and Node functions behind a listener with rules,
 * target groups with multi-value headers off and on, driven with undici and curl, cold and warm.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ALBEvent } from 'aws-lambda';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { shellBootstrap } from '../helpers/shell-bootstrap.js';

const run = promisify(execFile);

const fn = (name: string) => `  ${name}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: node/
`;
const group = (name: string, target: string, multi: boolean) => `  ${name}:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      TargetType: lambda
      Targets: [{Id: !GetAtt ${target}.Arn}]
      TargetGroupAttributes: [{Key: lambda.multi_value_headers.enabled, Value: "${multi}"}]
`;
const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
${fn('Web')}${fn('Multi')}${fn('Plain')}  Shell:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: shell/
${group('WebTg', 'Web', false)}${group('MultiTg', 'Multi', true)}  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      Port: 80
      Protocol: HTTP
      DefaultActions: [{Type: forward, TargetGroupArn: !Ref WebTg}]
  MultiRule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Listener
      Priority: 10
      Conditions: [{Field: path-pattern, PathPatternConfig: {Values: ["/multi/*"]}}]
      Actions: [{Type: forward, TargetGroupArn: !Ref MultiTg}]
  TeapotRule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Listener
      Priority: 5
      Conditions: [{Field: http-header, HttpHeaderConfig: {HttpHeaderName: X-Brew, Values: ["te*"]}}]
      Actions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: "418", ContentType: text/plain, MessageBody: short and stout}}]
`;

const HANDLER = `export const handler = async (event) => {
  if (event.path.endsWith('/fail')) throw new Error('on purpose');
  if (event.path.endsWith('/bare')) return 'a bare value is not an ALB response';
  if (event.path.endsWith('/huge')) return { statusCode: 200, body: 'x'.repeat(1024 * 1024) };
  const body = JSON.stringify(event);
  if (event.multiValueHeaders) return { statusCode: 202, statusDescription: '202 Accepted', multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'], 'content-type': ['application/json'] }, headers: { 'x-ignored': 'yes' }, body };
  return { statusCode: 200, statusDescription: '200 OK', headers: { 'content-type': 'application/json', 'x-fn': 'web' }, multiValueHeaders: { 'x-ignored': ['yes'] }, body };
};
`;

let serve: ServeProcess;
let alb = '';
let plain = '';
let shell = '';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-alb-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'node'), { mode: 0o755 });
  writeFileSync(join(dir, 'node', 'index.mjs'), HANDLER);
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  // A custom runtime in sh: answers the ALB event's path as a text body.
  mkdirSync(join(dir, 'shell'), { mode: 0o755 });
  writeFileSync(join(dir, 'shell', 'bootstrap'), shellBootstrap(`p=$(grep -o '"path":"[^"]*"' /tmp/event | cut -d'"' -f4); printf '{"statusCode":200,"statusDescription":"200 OK","headers":{"content-type":"text/plain","x-runtime":"sh"},"body":"%s"}' "$p"`), { mode: 0o755 });
  const args = ['--template', join(dir, 'template.yaml'), '--port', '0', '--api-port', '0', '--alb-port', '0', '--alb', 'Plain', '--alb', 'Shell', '--host-node'];
  ({ serve, match: alb } = await startServe(args, dir, /Listener \(ALB listener, port 80\): (http:\/\/127\.0\.0\.1:\d+)/));
  plain = /AlbPlain \(ALB listener, port 80\): (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.output())?.[1] ?? '';
  expect(plain, serve.output()).not.toBe('');
  shell = /AlbShell \(ALB listener, port 80\): (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.output())?.[1] ?? '';
  expect(shell, serve.output()).not.toBe('');
}, 90_000);

afterAll(async () => {
  expect(await serve.stop()).toBe(0);
});

const curl = async (...args: string[]) => (await run('curl', ['-sS', '-w', '\\n%{http_code}', ...args])).stdout;

describe('an Application Load Balancer in front of functions', () => {
  it('prints the listener, its local URL and its rules in the banner', () => {
    expect(serve.output()).toContain('Application Load Balancers:');
    expect(serve.output()).toContain('priority 5: http-header x-brew: te* -> fixed-response 418');
    expect(serve.output()).toContain('priority 10: path-pattern /multi/* -> Multi (multi-value headers)');
    expect(serve.output()).toContain('default -> Web');
  });

  it('sends the ALB event with the last of repeated values, and maps headers (cold, then warm)', async () => {
    for (const round of ['cold', 'warm']) {
      const answer = await request(`${alb}/users/42?name=foo&name=bar&q=a%20b`, { headers: { 'x-tag': ['a', 'b'] } });
      expect(answer.statusCode, round).toBe(200);
      expect(answer.headers['x-fn']).toBe('web');
      // With multi-value headers off, the answer's multiValueHeaders are ignored.
      expect(answer.headers['x-ignored']).toBeUndefined();
      const event = (await answer.body.json()) as ALBEvent;
      expect(event.requestContext.elb.targetGroupArn).toMatch(/^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/WebTg\/[0-9a-f]{16}$/);
      expect(event).toMatchObject({ httpMethod: 'GET', path: '/users/42', queryStringParameters: { name: 'bar', q: 'a%20b' }, body: '', isBase64Encoded: false });
      expect(event.headers?.['x-tag']).toBe('b');
      expect(event.headers?.['x-forwarded-port']).toBe('80');
      expect(event.headers?.['x-forwarded-for']).toBe('127.0.0.1');
      expect(event.multiValueHeaders).toBeUndefined();
    }
  }, 60_000);

  it('with multi-value headers on: ?name=foo&name=bar reaches the function as a list, and multiValueHeaders answer', async () => {
    for (const round of ['cold', 'warm']) {
      const answer = await request(`${alb}/multi/x?name=foo&name=bar`, { method: 'POST', body: Buffer.from([0, 1, 2, 255]), headers: { 'content-type': 'application/octet-stream' } });
      expect(answer.statusCode, round).toBe(202);
      expect(answer.statusText).toBe('Accepted');
      expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(answer.headers['x-ignored']).toBeUndefined();
      const event = (await answer.body.json()) as ALBEvent;
      expect(event.multiValueQueryStringParameters).toEqual({ name: ['foo', 'bar'] });
      expect(event.queryStringParameters).toBeUndefined();
      expect(event.headers).toBeUndefined();
      expect(event.multiValueHeaders?.['content-type']).toEqual(['application/octet-stream']);
      expect(event).toMatchObject({ httpMethod: 'POST', path: '/multi/x', body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true });
      expect(event.requestContext.elb.targetGroupArn).toContain('targetgroup/MultiTg/');
    }
  }, 60_000);

  it('answers as the load balancer when it is not the function\'s answer: 502 pages, 413, 400, fixed responses (curl)', async () => {
    const page = (status: string) => `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n</body>\r\n</html>\r\n`;
    expect(await curl(`${alb}/fail`)).toBe(`${page('502 Bad Gateway')}\n502`);
    expect(await curl(`${alb}/bare`)).toBe(`${page('502 Bad Gateway')}\n502`);
    expect(await curl(`${alb}/huge`)).toBe(`${page('502 Bad Gateway')}\n502`);
    const big = join(mkdtempSync(join(tmpdir(), 'lamina-big-')), 'big');
    writeFileSync(big, Buffer.alloc(1024 * 1024 + 1, 97));
    expect(await curl(alb, '--data-binary', `@${big}`, '-H', 'content-type: text/plain')).toBe(`${page('413 Request Entity Too Large')}\n413`);
    expect(await curl(alb, '-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket')).toBe(`${page('400 Bad Request')}\n400`);
    expect(await curl(alb, '-H', 'X-Brew: TEA')).toBe('short and stout\n418');
    const headers = (await run('curl', ['-sS', '-D', '-', '-o', '/dev/null', `${alb}/fail`])).stdout.toLowerCase();
    expect(headers).toContain('server: awselb/2.0');
    expect(headers).toContain('content-type: text/html');
    // And it keeps serving.
    expect((await request(`${alb}/after`)).statusCode).toBe(200);
  }, 60_000);

  it('serves --alb FUNCTION for a function without a listener in the template (curl)', async () => {
    const [body = '', status] = (await curl(`${plain}/p?x=%2F`)).split('\n');
    expect(status).toBe('200');
    const event = JSON.parse(body) as ALBEvent;
    expect(event.queryStringParameters).toEqual({ x: '%2F' });
    expect(event.requestContext.elb.targetGroupArn).toContain('targetgroup/Plain/');
  }, 60_000);
});

describe('an ALB listener in front of a custom runtime', () => {
  it('hands a plain shell runtime the ALB event and maps its answer (cold, then warm; undici and curl)', async () => {
    const cold = await request(`${shell}/from/shell?x=1`);
    expect(cold.statusCode).toBe(200);
    expect(cold.headers['x-runtime']).toBe('sh');
    expect(await cold.body.text()).toBe('/from/shell');
    const warm = (await run('curl', ['-sS', '-i', `${shell}/again`])).stdout;
    expect(warm).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(warm.endsWith('/again')).toBe(true);
  }, 60_000);
});
