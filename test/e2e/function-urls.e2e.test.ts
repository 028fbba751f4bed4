/**
 * `lamina serve` with Lambda function URLs (docs/http-front-ends.md): the real executable and Node
 * functions behind a NONE URL (undici and curl, cold and warm, CORS), an AWS_IAM URL (signed with
 * @smithy/signature-v4, the AWS SDK's signer), and a RESPONSE_STREAM URL whose first chunk reaches
 * the client while the function still waits for the test to release it.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { Sha256 } from '../helpers/sha256.js';
import { shellBootstrap } from '../helpers/shell-bootstrap.js';

const run = promisify(execFile);
const KEY = { accessKeyId: 'AKIDURLTEST', secretAccessKey: 'url-secret' };

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: hello/
      FunctionUrlConfig:
        AuthType: NONE
        Cors:
          AllowOrigins: [https://app.example]
          AllowMethods: [GET, POST]
          AllowHeaders: [x-custom]
          ExposeHeaders: [x-seen]
          MaxAge: 60
  Secure:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: secure/
  SecureUrl:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !GetAtt Secure.Arn
      AuthType: AWS_IAM
  Shell:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: shell/
      FunctionUrlConfig:
        AuthType: NONE
  Streamer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: streamer/
      Timeout: 30
      FunctionUrlConfig:
        AuthType: NONE
        InvokeMode: RESPONSE_STREAM
`;

const HELLO = `export const handler = async (event) => {
  if (event.rawPath === '/fail') throw new Error('on purpose');
  return { statusCode: 201, headers: { 'x-seen': event.rawPath, 'access-control-allow-origin': '*' }, cookies: ['a=1'], body: JSON.stringify({ routeKey: event.routeKey, domainName: event.requestContext.domainName, apiId: event.requestContext.apiId, stage: event.requestContext.stage, q: event.queryStringParameters, body: event.body }) };
};
`;

const SECURE = `export const handler = async (event) => ({ iam: event.requestContext.authorizer?.iam, body: event.body });
`;

// Writes its first chunk, then waits until the test creates /var/task/release (the code directory
// is seen live by the function), then writes the rest.
const STREAMER = `import { existsSync } from 'node:fs';
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const http = awslambda.HttpResponseStream.from(responseStream, { statusCode: 207, headers: { 'content-type': 'text/plain', 'x-streamed': 'yes' }, cookies: ['s=1'] });
  http.write('first chunk\\n');
  const release = process.env.LAMBDA_TASK_ROOT + '/release';
  while (!existsSync(release)) await new Promise((r) => setTimeout(r, 20));
  http.write('second chunk\\n');
  http.end();
});
`;

let serve: ServeProcess;
let dir = '';
const urls: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lamina-urls-'));
  chmodSync(dir, 0o755);
  for (const [sub, code] of [['hello', HELLO], ['secure', SECURE], ['streamer', STREAMER]] as const) {
    mkdirSync(join(dir, sub), { mode: 0o777 });
    chmodSync(join(dir, sub), 0o777);
    writeFileSync(join(dir, sub, 'index.mjs'), code);
  }
  // A custom runtime in sh: answers the URL event's rawPath as a bare value (the 2.0 inference).
  mkdirSync(join(dir, 'shell'), { mode: 0o755 });
  writeFileSync(join(dir, 'shell', 'bootstrap'), shellBootstrap(`grep -o '"rawPath":"[^"]*"' /tmp/event | cut -d'"' -f4 | sed 's/.*/"&"/'`), { mode: 0o755 });
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  writeFileSync(join(dir, 'credentials'), `[default]\naws_access_key_id = ${KEY.accessKeyId}\naws_secret_access_key = ${KEY.secretAccessKey}\n`);
  const args = ['--template', join(dir, 'template.yaml'), '--port', '0', '--api-port', '0', '--url-port', '0', '--credentials-file', join(dir, 'credentials'), '--host-node'];
  ({ serve } = await startServe(args, dir, /StreamerUrl -> Streamer \(NONE, RESPONSE_STREAM\): (http:\/\/127\.0\.0\.1:\d+\/)/));
  for (const id of ['HelloUrl', 'SecureUrl', 'StreamerUrl', 'ShellUrl']) {
    urls[id] = new RegExp(`${id} -> \\S+ \\([^)]*\\): (http://127\\.0\\.0\\.1:\\d+)/`).exec(serve.output())?.[1] ?? '';
    expect(urls[id], serve.output()).not.toBe('');
  }
}, 90_000);

afterAll(async () => {
  expect(await serve.stop()).toBe(0);
});

describe('a NONE function URL', () => {
  it('prints each URL with its function in the banner', () => {
    expect(serve.output()).toContain('HelloUrl -> Hello (NONE, BUFFERED, CORS)');
    expect(serve.output()).toContain('SecureUrl -> Secure (AWS_IAM, BUFFERED)');
  });

  it('sends the URL\'s 2.0 event and maps the answer (cold, then warm), with CORS headers for an allowed origin', async () => {
    for (const round of ['cold', 'warm']) {
      const res = await request(`${urls.HelloUrl}/some/path?x=1&x=2`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://app.example' }, body: '{"n":1}' });
      const body = (await res.body.json()) as Record<string, unknown>;
      expect(res.statusCode, round).toBe(201);
      expect(body).toMatchObject({ routeKey: '$default', stage: '$default', q: { x: '1,2' }, body: '{"n":1}' });
      expect(body.domainName).toBe(`${String(body.apiId)}.lambda-url.us-east-1.on.aws`);
      expect(body.apiId).toMatch(/^[a-z0-9]{32}$/);
      expect(res.headers['x-seen']).toBe('/some/path');
      expect(res.headers['set-cookie']).toBe('a=1');
      // The URL's CORS settings replace the function's own access-control headers.
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(res.headers['access-control-expose-headers']).toBe('x-seen');
      expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('answers through curl too, and a function error with Lambda\'s 502', async () => {
    const { stdout } = await run('curl', ['-sS', '-i', `${urls.HelloUrl}/curl`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 201/);
    expect(stdout).toContain('"routeKey":"$default"');
    const failed = await run('curl', ['-sS', '-w', '\\n%{http_code}', `${urls.HelloUrl}/fail`]);
    expect(failed.stdout).toBe('Internal Server Error\n502');
  });

  it('answers a CORS preflight itself, and gives no CORS header to an origin it does not allow', async () => {
    const ok = await request(`${urls.HelloUrl}/x`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'X-Custom' } });
    await ok.body.text();
    expect(ok.statusCode).toBe(200);
    expect(ok.headers).toMatchObject({ 'access-control-allow-origin': 'https://app.example', 'access-control-allow-methods': 'GET,POST', 'access-control-allow-headers': 'x-custom', 'access-control-max-age': '60' });
    const refused = await request(`${urls.HelloUrl}/x`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    await refused.body.text();
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const plain = await request(`${urls.HelloUrl}/x`, { headers: { origin: 'https://evil.example' } });
    await plain.body.text();
    expect(plain.statusCode).toBe(201);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('an AWS_IAM function URL', () => {
  async function signed(key: { accessKeyId: string; secretAccessKey: string }, body: string, sentBody = body, service = 'lambda') {
    const url = new URL(urls.SecureUrl ?? '');
    const signer = new SignatureV4({ credentials: key, region: 'us-east-1', service, sha256: Sha256 });
    const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/invoke', query: { a: 'b c' }, headers: { host: url.host, 'content-type': 'text/plain' }, body });
    const res = await request(`${urls.SecureUrl}/invoke?a=b%20c`, { method: 'POST', headers: req.headers as Record<string, string>, body: sentBody });
    return { status: res.statusCode, type: res.headers['x-amzn-errortype'], text: await res.body.text() };
  }

  it('lets a request signed with a known key through, naming the signer in authorizer.iam', async () => {
    const res = await signed(KEY, 'hello');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ body: 'hello', iam: { accessKey: KEY.accessKeyId, accountId: expect.stringMatching(/^\d{12}$/) } });
  });

  it('refuses unsigned, wrongly signed, tampered and other-service requests with 403 {"Message":"Forbidden"}', async () => {
    const unsigned = await request(`${urls.SecureUrl}/invoke`, { method: 'POST', body: 'hello' });
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(await unsigned.body.text()).toBe('{"Message":"Forbidden"}');
    expect(await signed({ ...KEY, secretAccessKey: 'wrong' }, 'hello')).toEqual({ status: 403, type: 'AccessDeniedException', text: '{"Message":"Forbidden"}' });
    expect(await signed({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' }, 'hello')).toMatchObject({ status: 403 });
    expect(await signed(KEY, 'hello', 'jello')).toMatchObject({ status: 403, text: '{"Message":"Forbidden"}' });
    expect(await signed(KEY, 'hello', 'hello', 'execute-api')).toMatchObject({ status: 403, text: '{"Message":"Forbidden"}' });
    const { stdout } = await run('curl', ['-sS', '-w', '\\n%{http_code}', `${urls.SecureUrl}/`]);
    expect(stdout).toBe('{"Message":"Forbidden"}\n403');
  });
});

describe('a RESPONSE_STREAM function URL', () => {
  it('sends the prelude\'s status and headers and the first chunk before the function has finished', async () => {
    const res = await request(`${urls.StreamerUrl}/`);
    expect(res.statusCode).toBe(207);
    expect(res.headers).toMatchObject({ 'content-type': 'text/plain', 'x-streamed': 'yes', 'set-cookie': 's=1', 'transfer-encoding': 'chunked' });
    const reader = res.body[Symbol.asyncIterator]();
    let seen = '';
    while (!seen.includes('first chunk\n')) {
      const next = await reader.next();
      expect(next.done).toBe(false);
      seen += Buffer.from(next.value as Uint8Array).toString();
    }
    // The function is still waiting: nothing more has come.
    expect(seen).toBe('first chunk\n');
    writeFileSync(join(dir, 'streamer', 'release'), '');
    for (let next = await reader.next(); next.done !== true; next = await reader.next()) seen += Buffer.from(next.value as Uint8Array).toString();
    expect(seen).toBe('first chunk\nsecond chunk\n');
  }, 30_000);
});

describe('a function URL in front of a custom runtime', () => {
  it('hands a plain shell runtime the URL event; its bare answer is inferred as 200 JSON (cold, then warm)', async () => {
    const cold = await request(`${urls.ShellUrl}/from/shell`);
    expect(cold.statusCode).toBe(200);
    expect(cold.headers['content-type']).toBe('application/json');
    expect(await cold.body.text()).toBe('/from/shell');
    expect((await run('curl', ['-sS', '-w', '\\n%{http_code}', `${urls.ShellUrl}/again`])).stdout).toBe('/again\n200');
  }, 60_000);
});
