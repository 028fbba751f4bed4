/**
 * Hostile clients and hostile functions against the real `lamina serve` HTTP front ends
 * (docs/http-front-ends.md, "Bad input"): malformed HTTP on raw sockets, oversized heads and
 * bodies, functions that answer garbage. After each attack the same server answers a normal
 * request correctly.
 */
import { mkdirSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rawConnection } from '../helpers/raw-connection.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Hostile:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: fn/
      Timeout: 30
      Events:
        Http:
          Type: HttpApi
          Properties: {Path: "/{proxy+}", Method: ANY}
        Rest:
          Type: Api
          Properties: {Path: "/{proxy+}", Method: ANY}
      FunctionUrlConfig: {AuthType: NONE}
`;

/** Answers what the last path segment names; `ok` echoes the event's essentials. */
const HANDLER = `export const handler = async (event) => {
  const path = event.rawPath ?? event.path;
  const what = path.split('/').pop();
  switch (what) {
    case 'not-json': return undefined;
    case 'status-inf': return JSON.parse('{"statusCode":1e309,"body":"x"}');
    case 'crlf-value': return { statusCode: 200, headers: { 'x-a': 'ok\\r\\nSet-Cookie: evil=1' }, body: 'split' };
    case 'crlf-name': return { statusCode: 200, headers: { 'x-a\\r\\nx-evil': '1' }, body: 'split' };
    case 'space-name': return { statusCode: 200, headers: { 'bad name': '1' }, body: 'x' };
    case 'bad-cookie': return { statusCode: 200, cookies: ['a=1\\r\\nx-evil: 1'], body: 'x' };
    case 'body-object': return { statusCode: 200, body: { not: 'a string' } };
    case 'bad-base64': return { statusCode: 200, isBase64Encoded: true, body: '%%%not base64!!!' };
    case 'huge-headers': { const h = {}; for (let i = 0; i < 5000; i++) h['x-h' + i] = 'v'.repeat(100); return { statusCode: 200, headers: h, body: 'many' }; }
    case 'big-answer': return { statusCode: 200, body: 'a'.repeat(7 * 1024 * 1024) };
    default: return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path, body: event.body ?? null, b64: event.isBase64Encoded, q: event.rawQueryString ?? null, cookies: event.cookies?.length ?? 0 }) };
  }
};
`;

let serve: ServeProcess;
const base = { http: '', rest: '', url: '' };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-hostile-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'fn'), { mode: 0o755 });
  writeFileSync(join(dir, 'fn', 'index.mjs'), HANDLER);
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  const args = ['--template', join(dir, 'template.yaml'), '--port', '0', '--api-port', '0', '--url-port', '0', '--host-node'];
  ({ serve, match: base.http } = await startServe(args, dir, /ServerlessHttpApi \(HTTP API, stage \$default\): (http:\/\/127\.0\.0\.1:\d+)/));
  const out = serve.output();
  base.rest = /ServerlessRestApi \(REST API, stage Prod\): (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
  base.url = /HostileUrl -> Hostile .*: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1] ?? '';
  expect([base.rest, base.url], out).not.toContain('');
}, 90_000);

afterAll(async () => {
  expect(await serve.stop()).toBe(0);
});

/** The server still answers a normal request correctly, on every listener. */
afterEach(async () => {
  for (const [name, url] of Object.entries(base)) {
    const res = await request(`${url}/ok/after?x=1`, { method: 'POST', body: 'hi', headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode, name).toBe(200);
    expect(await res.body.json(), name).toMatchObject({ body: 'hi', b64: false });
  }
  expect(serve.child.exitCode).toBeNull();
}, 60_000);

const portOf = (url: string): number => Number(new URL(url).port);

async function rawAnswer(url: string, bytes: string | Buffer): Promise<{ status: number | undefined; body: string; ended: boolean }> {
  const conn = await rawConnection(portOf(url));
  conn.socket.write(bytes);
  const parsed = await conn.until((p) => p.responses.length > 0);
  const first = parsed.responses[0];
  await Promise.race([conn.ended, new Promise((r) => setTimeout(r, 200))]);
  const ended = conn.isEnded();
  conn.socket.destroy();
  return { status: first?.status, body: first?.body.toString() ?? '', ended };
}

describe('malformed HTTP on raw sockets', () => {
  it('answers a garbage request line with 400 and closes, on every listener', async () => {
    for (const url of Object.values(base)) {
      const answer = await rawAnswer(url, 'THIS IS NOT HTTP\r\n\r\n');
      expect(answer.status).toBe(400);
      expect(answer.ended).toBe(true);
    }
  });

  it('answers bad chunked encoding with 400', async () => {
    for (const url of Object.values(base)) {
      const answer = await rawAnswer(url, 'POST /ok/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n');
      expect(answer.status).toBe(400);
    }
  });

  it('forgets a request that stops mid-body (the client leaves)', async () => {
    for (const url of Object.values(base)) {
      const socket = connect(portOf(url), '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((r) => socket.once('connect', r));
      socket.write('POST /ok/x HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nonly a little');
      await new Promise((r) => setTimeout(r, 100));
      socket.destroy();
    }
  });

  it('answers pipelined requests in order', async () => {
    for (const url of Object.values(base)) {
      const conn = await rawConnection(portOf(url));
      const one = (n: number): string => `POST /ok/p${n} HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\n${n}`;
      conn.socket.write(one(1) + one(2) + one(3) + 'GARBAGE\r\n\r\n');
      const parsed = await conn.until((p) => p.responses.length >= 4);
      expect(parsed.responses.map((r) => r.status)).toEqual([200, 200, 200, 400]);
      expect(parsed.responses.slice(0, 3).map((r) => (JSON.parse(r.body.toString()) as { body: string }).body)).toEqual(['1', '2', '3']);
      conn.socket.destroy();
    }
  }, 30_000);

  it('answers a head over API Gateway\'s 10,240 bytes with its 413, and a far bigger one with 431', async () => {
    const big = 'x'.repeat(11_000);
    const http = await request(`${base.http}/ok/h`, { headers: { 'x-big': big } });
    expect([http.statusCode, await http.body.text()]).toEqual([413, '{"message":"Request Entity Too Large"}']);
    const rest = await request(`${base.rest}/ok/h`, { headers: { 'x-big': big } });
    expect([rest.statusCode, await rest.body.text()]).toEqual([413, '{"message":"Request Too Long"}']);
    const longPath = await request(`${base.http}/${'p'.repeat(11_000)}`);
    expect(longPath.statusCode).toBe(413);
    await longPath.body.dump();
    const query = await request(`${base.http}/ok/q?${'a=1&'.repeat(3000)}`);
    expect(query.statusCode).toBe(413);
    await query.body.dump();
    const huge = await rawAnswer(base.http, `GET /ok/h HTTP/1.1\r\nHost: h\r\nX-Huge: ${'y'.repeat(100_000)}\r\n\r\n`);
    expect(huge.status).toBe(431);
    expect(huge.ended).toBe(true);
  });

  it('passes many cookies (under the head limit)', async () => {
    const cookie = Array.from({ length: 300 }, (_, i) => `c${i}=${i}`).join('; ');
    const res = await request(`${base.http}/ok/c`, { headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toMatchObject({ cookies: 300 });
  });

  it('refuses a 10 MB + 1 chunked body at the limit, before the client has finished sending', async () => {
    const conn = await rawConnection(portOf(base.http));
    conn.socket.write('POST /ok/big HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(1024 * 1024, 97);
    for (let i = 0; i < 10; i++) conn.socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
    conn.socket.write('1\r\nb\r\n');
    // The last chunk is never sent: the answer must not wait for it.
    const parsed = await conn.until((p) => p.responses.length > 0);
    expect(parsed.responses[0]?.status).toBe(413);
    expect(parsed.responses[0]?.body.toString()).toBe('{"message":"Request Entity Too Large"}');
    conn.socket.destroy();
  }, 30_000);

  it('cuts a slowloris client that never finishes its head', async () => {
    const conn = await rawConnection(portOf(base.http));
    conn.socket.write('GET /ok/slow HTTP/1.1\r\nHost: h\r\n');
    const drip = setInterval(() => conn.socket.write('X-Drip: 1\r\n'), 500);
    await conn.ended;
    clearInterval(drip);
    expect(conn.isEnded()).toBe(true);
  }, 60_000);

  it('survives a client that never reads a large answer', async () => {
    const socket = connect(portOf(base.http), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.pause();
    for (let i = 0; i < 20; i++) socket.write(`GET /ok/r${i} HTTP/1.1\r\nHost: h\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 500));
    socket.destroy();
  });
});

describe('odd request forms', () => {
  it('answers an absolute-form target, OPTIONS *, CONNECT and an Upgrade without failing', async () => {
    for (const url of Object.values(base)) {
      for (const head of ['GET http://evil.example/x HTTP/1.1\r\nHost: h\r\n\r\n', 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n', 'GET /ok/x HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n']) {
        const answer = await rawAnswer(url, head);
        expect(answer.status ?? 0, `${url} ${head.split('\r\n')[0] ?? ''}`).toBeLessThan(500);
      }
      const conn = await rawConnection(portOf(url));
      conn.socket.write('CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n');
      await conn.ended;
      expect(conn.parsed().responses.every((r) => r.status !== 200)).toBe(true);
    }
  });
});

describe('bodies and paths', () => {
  it('passes invalid UTF-8 on a text content type, gzip bodies as base64, unknown types as base64', async () => {
    const bad = Buffer.from([0x68, 0xff, 0xfe, 0x69]);
    const text = await request(`${base.http}/ok/u`, { method: 'POST', body: bad, headers: { 'content-type': 'text/plain' } });
    expect(text.statusCode).toBe(200);
    expect(await text.body.json()).toMatchObject({ body: 'h\ufffd\ufffdi', b64: false });
    const gz = gzipSync('hello');
    const gzip = await request(`${base.http}/ok/g`, { method: 'POST', body: gz, headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' } });
    expect(await gzip.body.json()).toMatchObject({ body: gz.toString('base64'), b64: true });
    const unknown = await request(`${base.http}/ok/t`, { method: 'POST', body: 'x', headers: { 'content-type': 'application/x-what-is-this' } });
    expect(await unknown.body.json()).toMatchObject({ body: 'eA==', b64: true });
    const none = await rawAnswer(base.http, 'POST /ok/n HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx');
    expect(JSON.parse(none.body)).toMatchObject({ body: 'eA==', b64: true });
  });

  it('routes percent-encoding garbage, NUL and .. segments without failing', async () => {
    for (const path of ['/%E0%A4%A', '/%00', '/a/../../etc/passwd', '/%2e%2e/%2e%2e', '/%']) {
      for (const url of [base.http, base.rest, base.url]) {
        const answer = await rawAnswer(url, `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`);
        expect([200, 400, 403, 404], `${url}${path}`).toContain(answer.status);
        expect(answer.status, `${url}${path}`).toBeLessThan(500);
      }
    }
  });
});

describe('hostile function answers', () => {
  const cases: Array<[string, number, number, number]> = [
    // path, HTTP API, REST API, function URL
    ['not-json', 200, 502, 200],
    ['status-inf', 500, 502, 502],
    ['crlf-value', 500, 502, 502],
    ['crlf-name', 500, 502, 502],
    ['space-name', 500, 502, 502],
    ['bad-cookie', 500, 200, 502], // payload 1.0 has no `cookies`
    ['body-object', 500, 502, 502],
    ['huge-headers', 500, 502, 502],
    ['big-answer', 500, 502, 502],
  ];
  for (const [what, http, rest, url] of cases) {
    it(`answers ${what} as each front end does, without splitting the answer`, async () => {
      for (const [target, status] of [[base.http, http], [base.rest, rest], [base.url, url]] as const) {
        const res = await request(`${target}/x/${what}`);
        const body = await res.body.text();
        expect(res.statusCode, `${target} ${what}: ${body.slice(0, 200)}`).toBe(status);
        expect(res.headers['set-cookie'], target).toBeUndefined();
        expect(res.headers['x-evil'], target).toBeUndefined();
      }
    }, 60_000);
  }

  it('decodes invalid base64 leniently, as Node does, without failing', async () => {
    const res = await request(`${base.http}/x/bad-base64`);
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });
});
