/**
 * The API listener (src/front-ends/api-server.ts) against hostile clients and functions, over an
 * in-memory InvokePort: every answer is API Gateway's, nothing splits the HTTP answer, and the
 * same listener serves a normal request after each attack (docs/http-front-ends.md, "Bad input").
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiDefinition, ApiKind } from '../../src/config/api-events.js';
import { createApiServer } from '../../src/front-ends/api-server.js';
import type { InvokePort, InvokeRequest } from '../../src/platform/invoke-types.js';
import { rawConnection } from '../helpers/raw-connection.js';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.close();
    server.closeAllConnections();
  }
});

function api(kind: ApiKind): ApiDefinition {
  return {
    id: kind === 'http' ? 'ServerlessHttpApi' : 'ServerlessRestApi',
    kind,
    stageName: kind === 'http' ? '$default' : 'Prod',
    stageVariables: {},
    binaryMediaTypes: [],
    routes: [{ method: 'ANY', path: '/{proxy+}', functionName: 'Fn', payloadFormatVersion: kind === 'http' ? '2.0' : '1.0', timeoutMs: 5000, source: 'test' }],
  };
}

/** A function that answers, for a path `/x/<name>`, the text the test gave that name; otherwise a normal answer. */
function portAnswering(answers: Record<string, string>): { port: InvokePort; seen: InvokeRequest[] } {
  const seen: InvokeRequest[] = [];
  const port: InvokePort = {
    invoke: async (req) => {
      seen.push(req);
      const event = JSON.parse(req.payload.toString()) as { rawPath?: string; path?: string; body?: string | null };
      const name = (event.rawPath ?? event.path ?? '').split('/').pop() ?? '';
      const payload = answers[name] ?? JSON.stringify({ statusCode: 200, body: `ok ${event.body ?? ''}` });
      return { requestId: 'r', executedVersion: '$LATEST', result: { kind: 'response', payload: Buffer.from(payload), contentType: 'application/json' }, logs: () => '' };
    },
    accept: () => {
      throw new Error('not used');
    },
  };
  return { port, seen };
}

async function serve(kind: ApiKind, answers: Record<string, string> = {}, timeouts = {}): Promise<{ base: string; port: number; seen: InvokeRequest[] }> {
  const { port, seen } = portAnswering(answers);
  const server = createApiServer({ api: api(kind), port, accountId: '123456789012', region: 'eu-west-1', timeouts });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return { base: `http://127.0.0.1:${bound}`, port: bound, seen };
}

async function stillServes(base: string): Promise<void> {
  const res = await request(`${base}/ok`, { method: 'POST', body: 'fine', headers: { 'content-type': 'text/plain' } });
  expect([res.statusCode, await res.body.text()]).toEqual([200, 'ok fine']);
}

const HOSTILE: Record<string, string> = {
  notJson: '{"statusCode": 200, "body": ',
  infinite: '{"statusCode":1e309,"body":"x"}',
  crlfValue: JSON.stringify({ statusCode: 200, headers: { 'x-a': 'ok\r\nSet-Cookie: evil=1' }, body: 'split' }),
  crlfName: JSON.stringify({ statusCode: 200, headers: { 'x-a\r\nx-evil': '1' }, body: 'split' }),
  nulValue: JSON.stringify({ statusCode: 200, headers: { 'x-a': 'a\u0000b' }, body: 'x' }),
  emptyName: JSON.stringify({ statusCode: 200, headers: { '': 'x' }, body: 'x' }),
  hugeHeaders: JSON.stringify({ statusCode: 200, headers: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, 'v'.repeat(100)])), body: 'x' }),
  bodyNumber: JSON.stringify({ statusCode: 200, body: 42 }),
  interim: JSON.stringify({ statusCode: 101, headers: { upgrade: 'websocket' }, body: 'x' }),
  continue: JSON.stringify({ statusCode: 100, body: 'x' }),
  headersArray: JSON.stringify({ statusCode: 200, headers: ['x'], body: 'x' }),
};

describe.each(['http', 'rest'] as const)('a %s API listener against hostile functions', (kind) => {
  const internal = kind === 'http' ? [500, '{"message":"Internal Server Error"}'] : [502, '{"message":"Internal server error"}'];
  for (const name of Object.keys(HOSTILE)) {
    it(`answers ${name} with its bad-answer error, nothing of the function's head sent`, async () => {
      const { base } = await serve(kind, HOSTILE);
      const res = await request(`${base}/x/${name}`);
      expect([res.statusCode, await res.body.text()]).toEqual(internal);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['x-evil']).toBeUndefined();
      expect(res.headers.upgrade).toBeUndefined();
      await stillServes(base);
    });
  }
});

describe('a listener against hostile clients', () => {
  it('answers a head over 10,240 bytes (request line and values) with the API\'s 413, without invoking', async () => {
    const http = await serve('http');
    const res = await request(`${http.base}/ok`, { headers: { 'x-a': 'a'.repeat(6000), 'x-b': 'b'.repeat(4300) } });
    expect([res.statusCode, await res.body.text()]).toEqual([413, '{"message":"Request Entity Too Large"}']);
    expect(http.seen).toHaveLength(0);
    const rest = await serve('rest');
    const long = await request(`${rest.base}/${'p'.repeat(10_300)}`);
    expect([long.statusCode, await long.body.text()]).toEqual([413, '{"message":"Request Too Long"}']);
    await stillServes(http.base);
    await stillServes(rest.base);
  });

  it('passes a head just under the limit', async () => {
    const { base } = await serve('http');
    const res = await request(`${base}/ok`, { headers: { 'x-a': 'a'.repeat(10_000) } });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });

  it('refuses a chunked body at 10 MB + 1 while the client is still sending, and never invokes', async () => {
    const { port, seen, base } = await serve('http');
    const conn = await rawConnection(port);
    conn.socket.write('POST /ok HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n');
    const mb = Buffer.alloc(1024 * 1024, 97);
    for (let i = 0; i < 10; i++) conn.socket.write(Buffer.concat([Buffer.from('100000\r\n'), mb, Buffer.from('\r\n')]));
    conn.socket.write('1\r\nb\r\n');
    const parsed = await conn.until((p) => p.responses.length > 0);
    expect(parsed.responses[0]?.status).toBe(413);
    expect(seen).toHaveLength(0);
    conn.socket.destroy();
    await stillServes(base);
  });

  it('closes at once on a declared Content-Length past what it drains', async () => {
    const { port } = await serve('rest');
    const conn = await rawConnection(port);
    conn.socket.write(`POST /ok HTTP/1.1\r\nHost: h\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\nabc`);
    const parsed = await conn.until((p) => p.responses.length > 0);
    expect(parsed.responses[0]?.status).toBe(413);
    expect(parsed.responses[0]?.headers.get('connection')).toBe('close');
    await conn.ended;
  });

  it('answers pipelined requests in order, then the 400 for the garbage after them', async () => {
    const { port, base } = await serve('http');
    const conn = await rawConnection(port);
    const one = (n: number): string => `POST /ok HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\n${n}`;
    conn.socket.write(`${one(1)}${one(2)}NOT HTTP\r\n\r\n`);
    const parsed = await conn.until((p) => p.responses.length >= 3);
    expect(parsed.responses.map((r) => [r.status, r.body.toString()])).toEqual([[200, 'ok 1'], [200, 'ok 2'], [400, '']]);
    await stillServes(base);
  });

  it('refuses request smuggling (Content-Length with Transfer-Encoding) and forgets a client that leaves mid-body', async () => {
    const { port, seen, base } = await serve('http');
    const conn = await rawConnection(port);
    conn.socket.write('POST /ok HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    const parsed = await conn.until((p) => p.responses.length > 0);
    expect(parsed.responses[0]?.status).toBe(400);
    const gone = await rawConnection(port);
    gone.socket.write('POST /ok HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc');
    gone.socket.destroy();
    await stillServes(base);
    expect(seen).toHaveLength(1);
  });

  it('sends no body (and no length) with a 204 or 304 whose function gave one, so the next pipelined answer stays whole', async () => {
    const answers = { none: JSON.stringify({ statusCode: 204, body: 'abc' }), same: JSON.stringify({ statusCode: 304, body: 'abcdef' }) };
    const { port } = await serve('http', answers);
    const conn = await rawConnection(port);
    conn.socket.write('GET /x/none HTTP/1.1\r\nHost: h\r\n\r\nGET /x/same HTTP/1.1\r\nHost: h\r\n\r\nPOST /ok HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\n3');
    const parsed = await conn.until((p) => p.responses.length >= 3);
    expect(parsed.responses.map((r) => [r.status, r.body.toString()])).toEqual([[204, ''], [304, ''], [200, 'ok 3']]);
    expect(parsed.responses[0]?.headers.get('content-length')).toBeUndefined();
    expect(parsed.responses[0]?.headers.get('transfer-encoding')).toBeUndefined();
    conn.socket.destroy();
  });

  it('cuts a client that pipelines requests for large answers and never reads them, once idle', async () => {
    const { port, base } = await serve('http', { big: JSON.stringify({ statusCode: 200, body: 'a'.repeat(4 * 1024 * 1024) }) }, { idleTimeoutMs: 300 });
    const conn = await rawConnection(port);
    conn.socket.pause();
    for (let i = 0; i < 10; i++) conn.socket.write('GET /x/big HTTP/1.1\r\nHost: h\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Reading now gets what was in flight, then the end: not the 40 MB owed.
    conn.socket.resume();
    await conn.ended;
    expect(conn.parsed().responses.length).toBeLessThan(10);
    await stillServes(base);
  });

  it('cuts a client that drips its head past the headers timeout', async () => {
    const { port, base } = await serve('http', {}, { headersTimeoutMs: 300 });
    const conn = await rawConnection(port);
    conn.socket.write('GET /ok HTTP/1.1\r\nHost: h\r\n');
    const drip = setInterval(() => conn.socket.write('X-Drip: 1\r\n'), 50);
    await conn.ended;
    clearInterval(drip);
    expect(conn.parsed().responses[0]?.status).toBe(408);
    await stillServes(base);
  });
});
