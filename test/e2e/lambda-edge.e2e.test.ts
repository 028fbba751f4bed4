/**
 * `lamina serve` with a CloudFront distribution and Lambda@Edge (docs/http-front-ends.md): the real
 * executable, Node functions, and an origin server run by the test (its traffic sent there with
 * `--edge-origin`). A viewer-request function adds headers the origin sees (with the body, by
 * IncludeBody), an origin-response function changes the status and headers (cold, then warm), a
 * custom runtime (shell bootstrap) generates an answer, an origin-request
 * function on a second cache behavior answers without the origin, and a function error and a
 * read-only header edit and a function past its timeout get CloudFront's error pages. Clients: undici and curl.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { shellBootstrap } from '../helpers/shell-bootstrap.js';

const run = promisify(execFile);

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Viewer:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs20.x, Handler: index.handler, CodeUri: viewer/, Timeout: 5}
  ViewerVersion:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Viewer}
  Resp:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs20.x, Handler: index.handler, CodeUri: resp/, AutoPublishAlias: live, Timeout: 30}
  Gen:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs20.x, Handler: index.handler, CodeUri: gen/}
  GenVersion:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Gen}
  Slow:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs20.x, Handler: index.handler, CodeUri: slow/, Timeout: 1}
  SlowVersion:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Slow}
  Shell:
    Type: AWS::Serverless::Function
    Properties: {Runtime: provided.al2023, Handler: unused, CodeUri: shell/}
  ShellVersion:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Shell}
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Origins:
          - Id: Web
            DomainName: origin.example.com
            CustomOriginConfig: {HTTPPort: 80, OriginProtocolPolicy: http-only}
        CacheBehaviors:
          - PathPattern: /generated/*
            TargetOriginId: Web
            LambdaFunctionAssociations:
              - {EventType: origin-request, LambdaFunctionARN: !Ref GenVersion}
          - PathPattern: /shell/*
            TargetOriginId: Web
            LambdaFunctionAssociations:
              - {EventType: origin-request, LambdaFunctionARN: !Ref ShellVersion}
          - PathPattern: /slow
            TargetOriginId: Web
            LambdaFunctionAssociations:
              - {EventType: viewer-request, LambdaFunctionARN: !Ref SlowVersion}
        DefaultCacheBehavior:
          TargetOriginId: Web
          LambdaFunctionAssociations:
            - {EventType: viewer-request, LambdaFunctionARN: !Ref ViewerVersion, IncludeBody: true}
            - {EventType: origin-response, LambdaFunctionARN: !Ref Resp.Version}
`;

const VIEWER = `export const handler = async (event) => {
  const { config, request } = event.Records[0].cf;
  if (request.uri === '/fail') throw new Error('on purpose');
  if (request.uri === '/readonly') { request.headers.host = [{ key: 'Host', value: 'evil.example' }]; return request; }
  request.headers['x-added-by-edge'] = [{ key: 'X-Added-By-Edge', value: config.eventType + ' ' + config.distributionId }];
  if (request.body) request.headers['x-body-seen'] = [{ key: 'X-Body-Seen', value: request.body.encoding + ':' + request.body.inputTruncated + ':' + Buffer.from(request.body.data, 'base64').toString() }];
  return request;
};
`;

const RESP = `export const handler = async (event) => {
  const { response } = event.Records[0].cf;
  response.headers['x-origin-response'] = [{ key: 'X-Origin-Response', value: 'seen-' + response.status }];
  if (response.status === '200') { response.status = '202'; response.statusDescription = 'Accepted'; }
  return response;
};
`;

const GEN = `export const handler = async (event) => {
  const { request } = event.Records[0].cf;
  return { status: '200', statusDescription: 'OK', headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain' }] }, body: 'generated for ' + request.uri + ' at ' + request.origin.custom.domainName };
};
`;

const SLOW = `export const handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return event.Records[0].cf.request;
};
`;

// A custom runtime (a shell bootstrap) generating a response from the event's uri.
const SHELL_BOOTSTRAP = shellBootstrap(`uri=$(sed -n 's/.*"uri":"\\([^"]*\\)".*/\\1/p' /tmp/event); printf '{"status":"200","body":"shell saw %s"}' "$uri"`);

interface Seen {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let serve: ServeProcess;
let origin: Server;
const seen: Seen[] = [];
let base = '';

beforeAll(async () => {
  origin = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-origin': 'yes' });
      res.end('origin says hi');
    });
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originPort = (origin.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'lamina-edge-'));
  chmodSync(dir, 0o755);
  for (const [sub, code] of [['viewer', VIEWER], ['resp', RESP], ['gen', GEN], ['slow', SLOW]] as const) {
    mkdirSync(join(dir, sub), { mode: 0o777 });
    chmodSync(join(dir, sub), 0o777);
    writeFileSync(join(dir, sub, 'index.mjs'), code);
  }
  mkdirSync(join(dir, 'shell'), { mode: 0o755 });
  writeFileSync(join(dir, 'shell', 'bootstrap'), SHELL_BOOTSTRAP, { mode: 0o755 });
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  const args = ['--template', join(dir, 'template.yaml'), '--port', '0', '--api-port', '0', '--url-port', '0', '--edge-port', '0', '--edge-origin', `Web=http://127.0.0.1:${originPort}`, '--host-node'];
  ({ serve, match: base } = await startServe(args, dir, /Cdn \(CloudFront\): (http:\/\/127\.0\.0\.1:\d+)/));
}, 90_000);

afterAll(async () => {
  expect(await serve.stop()).toBe(0);
  await new Promise<void>((resolve) => origin.close(() => resolve()));
});

describe('a CloudFront distribution with Lambda@Edge', () => {
  it('prints the distribution, its behaviors and associations in the banner', () => {
    expect(serve.output()).toContain('CloudFront distributions (Lambda@Edge):');
    expect(serve.output()).toMatch(/\/generated\/\* -> Web \(http:\/\/127\.0\.0\.1:\d+\): origin-request Gen/);
    expect(serve.output()).toMatch(/\* -> Web \(http:\/\/127\.0\.0\.1:\d+\): viewer-request Viewer \(body\), origin-response Resp:1/);
  });

  it('runs viewer-request (headers and the body, base64) before the origin, and origin-response after it (cold, then warm)', async () => {
    for (const round of ['cold', 'warm']) await checkPage(round);
  });

  async function checkPage(round: string): Promise<void> {
    const res = await request(`${base}/page?a=1`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello edge' });
    expect(res.statusCode, round).toBe(202);
    expect(await res.body.text()).toBe('origin says hi');
    expect(res.headers['x-origin-response']).toBe('seen-200');
    expect(res.headers['x-origin']).toBe('yes');
    expect(res.headers['x-cache']).toBe('Miss from cloudfront');
    expect(String(res.headers.via)).toMatch(/\.cloudfront\.net \(CloudFront\)/);
    const last = seen.at(-1);
    expect(last?.url).toBe('/page?a=1');
    expect(last?.body).toBe('hello edge');
    expect(last?.headers['x-added-by-edge']).toMatch(/^viewer-request E[0-9A-Z]{13}$/);
    expect(last?.headers['x-body-seen']).toBe('base64:false:hello edge');
    // CloudFront sends the origin's own domain as Host, and says who asked.
    expect(last?.headers.host).toBe('origin.example.com');
    expect(last?.headers['x-forwarded-for']).toBe('127.0.0.1');
  }

  it('serves a custom runtime (shell bootstrap) generating the answer at origin-request', async () => {
    const before = seen.length;
    const { stdout } = await run('curl', ['-sS', `${base}/shell/x`]);
    expect(stdout).toBe('shell saw /shell/x');
    expect(seen.length).toBe(before);
  });

  it('lets an origin-request function answer without calling the origin (curl)', async () => {
    const before = seen.length;
    const { stdout } = await run('curl', ['-sS', '-i', `${base}/generated/page`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(stdout).toMatch(/x-cache: LambdaGeneratedResponse from cloudfront/i);
    expect(stdout).toContain('generated for /generated/page at origin.example.com');
    expect(seen.length).toBe(before);
  });

  it('answers a function error with CloudFront\'s 503 and a read-only header edit with its 502', async () => {
    const before = seen.length;
    const failed = await request(`${base}/fail`);
    expect(failed.statusCode).toBe(503);
    expect(failed.headers['x-cache']).toBe('LambdaExecutionError from cloudfront');
    const page = await failed.body.text();
    expect(page).toContain('<H1>503 ERROR</H1>');
    expect(page).toContain("The Lambda function associated with the CloudFront distribution is invalid or doesn't have the required permissions");
    const { stdout } = await run('curl', ['-sS', '-w', '\\n%{http_code}', `${base}/readonly`]);
    expect(stdout).toContain('The Lambda function result failed validation: The function tried to add, delete, or change a read-only header.');
    expect(stdout.endsWith('\n502')).toBe(true);
    expect(seen.length).toBe(before);
  });

  it('answers a function that runs past its timeout with CloudFront\'s 503, without calling the origin', async () => {
    const before = seen.length;
    const res = await request(`${base}/slow`);
    expect([res.statusCode, res.headers['x-cache']]).toEqual([503, 'LambdaExecutionError from cloudfront']);
    expect(await res.body.text()).toContain('<H1>503 ERROR</H1>');
    expect(seen.length).toBe(before);
  });
});
