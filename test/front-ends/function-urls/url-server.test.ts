import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { rawConnection } from '../../helpers/raw-connection.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionUrlDefinition } from '../../../src/config/function-urls.js';
import { ServiceError } from '../../../src/errors.js';
import { createUrlServer } from '../../../src/front-ends/function-urls/url-server.js';
import { HTTP_INTEGRATION_CONTENT_TYPE } from '../../../src/front-ends/function-urls/stream-prelude.js';
import type { FunctionErrorResult, InvocationResult, InvokePort, InvokeRequest } from '../../../src/platform/invoke-types.js';

const URL_DEF: FunctionUrlDefinition = { id: 'FnUrl', functionName: 'Fn', qualifier: 'live', authType: 'NONE', invokeMode: 'BUFFERED', cors: undefined };
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** An InvokePort that records what it is asked and answers what the test gives it. */
function portAnswering(answer: (request: InvokeRequest) => InvocationResult | Error): { port: InvokePort; seen: InvokeRequest[] } {
  const seen: InvokeRequest[] = [];
  const port: InvokePort = {
    invoke: async (req) => {
      seen.push(req);
      const result = answer(req);
      if (result instanceof Error) throw result;
      return { requestId: 'r', executedVersion: '$LATEST', result, logs: () => '' };
    },
    accept: () => {
      throw new Error('not used');
    },
  };
  return { port, seen };
}

async function serve(port: InvokePort, url: Partial<FunctionUrlDefinition> = {}): Promise<string> {
  const server = createUrlServer({ url: { ...URL_DEF, ...url }, port, accountId: '123456789012', region: 'eu-west-1', verifier: undefined });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function streamed(contentType: string, parts: Buffer[], failure?: { errorType: string }): InvocationResult {
  const body = new PassThrough();
  for (const part of parts) body.write(part);
  body.end();
  const completion = new Promise<FunctionErrorResult | undefined>((resolve) => body.on('end', () => resolve(failure === undefined ? undefined : { ...failure, payload: Buffer.from('{}') })));
  return { kind: 'stream', stream: { contentType, body, completion } };
}

describe('a function URL listener', () => {
  it('invokes the URL\'s function and qualifier, unstreamed for BUFFERED, and maps a 2.0 answer', async () => {
    const { port, seen } = portAnswering(() => ({ kind: 'response', payload: Buffer.from('{"statusCode":202,"body":"ok"}'), contentType: 'application/json' }));
    const res = await request(`${await serve(port)}/p?q=1`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect([res.statusCode, await res.body.text()]).toEqual([202, 'ok']);
    expect(seen[0]).toMatchObject({ functionName: 'Fn', qualifier: 'live', invocationType: 'RequestResponse', streaming: false });
    expect(JSON.parse(seen[0]?.payload.toString() ?? '{}')).toMatchObject({ rawPath: '/p', rawQueryString: 'q=1', body: 'x', requestContext: { http: { method: 'PUT' } } });
  });

  it('answers Lambda\'s own errors: throttle 429, function error and bad answers 502, body over 6 MB 413 (without invoking)', async () => {
    const throttled = await serve(portAnswering(() => new ServiceError('LAMINA_ERR_TOO_MANY_REQUESTS', 'Rate Exceeded.')).port);
    const res = await request(throttled);
    expect([res.statusCode, res.headers['x-amzn-errortype'], await res.body.text()]).toEqual([429, 'TooManyRequestsException', '{"Message":"Rate Exceeded."}']);
    for (const result of [{ kind: 'function-error', error: { errorType: 'Runtime.ExitError', payload: Buffer.from('{}') } }, { kind: 'response', payload: Buffer.from('not json'), contentType: 'text/plain' }] as InvocationResult[]) {
      const failed = await request(await serve(portAnswering(() => result).port));
      expect([failed.statusCode, await failed.body.text()]).toEqual([502, 'Internal Server Error']);
    }
    const { port, seen } = portAnswering(() => ({ kind: 'response', payload: Buffer.from('1'), contentType: 'application/json' }));
    const big = await request(await serve(port), { method: 'POST', body: Buffer.alloc(6 * 1024 * 1024 + 1) });
    expect([big.statusCode, await big.body.text()]).toEqual([413, '{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}']);
    expect(seen).toEqual([]);
  });

  it('streams for RESPONSE_STREAM: the prelude\'s head, or 200 with the stream\'s own content type', async () => {
    const prelude = Buffer.concat([Buffer.from('{"statusCode":418,"headers":{"x-t":"1"}}'), Buffer.alloc(8), Buffer.from('tea')]);
    const { port, seen } = portAnswering(() => streamed(HTTP_INTEGRATION_CONTENT_TYPE, [prelude, Buffer.from('pot')]));
    const res = await request(await serve(port, { invokeMode: 'RESPONSE_STREAM' }));
    expect([res.statusCode, res.headers['x-t'], await res.body.text()]).toEqual([418, '1', 'teapot']);
    expect(seen[0]?.streaming).toBe(true);
    const plain = await request(await serve(portAnswering(() => streamed('text/csv', [Buffer.from('a,b\n')])).port, { invokeMode: 'RESPONSE_STREAM' }));
    expect([plain.statusCode, plain.headers['content-type'], await plain.body.text()]).toEqual([200, 'text/csv', 'a,b\n']);
  });

  it('answers 502 for a broken prelude or a stream that fails before any byte, and cuts one that fails midway', async () => {
    const broken = Buffer.concat([Buffer.from('{"statusCode":"x"}'), Buffer.alloc(8)]);
    const bad = await request(await serve(portAnswering(() => streamed(HTTP_INTEGRATION_CONTENT_TYPE, [broken])).port, { invokeMode: 'RESPONSE_STREAM' }));
    expect([bad.statusCode, await bad.body.text()]).toEqual([502, 'Internal Server Error']);
    const early = await request(await serve(portAnswering(() => streamed('text/plain', [], { errorType: 'Sandbox.Timedout' })).port, { invokeMode: 'RESPONSE_STREAM' }));
    expect(early.statusCode).toBe(502);
    await early.body.text();
    const midway = await request(await serve(portAnswering(() => streamed('text/plain', [Buffer.from('part')], { errorType: 'Sandbox.Timedout' })).port, { invokeMode: 'RESPONSE_STREAM' }));
    expect(midway.statusCode).toBe(200);
    await expect(midway.body.text()).rejects.toThrow();
  });

  it('collects a streamed answer whole for a BUFFERED URL', async () => {
    const res = await request(await serve(portAnswering(() => streamed('application/json', [Buffer.from('{"statusCode":201,'), Buffer.from('"body":"whole"}')])).port));
    expect([res.statusCode, await res.body.text()]).toEqual([201, 'whole']);
  });

  it('drains the function\'s stream when the client goes away midway', async () => {
    const body = new PassThrough({ highWaterMark: 16 });
    const result: InvocationResult = { kind: 'stream', stream: { contentType: 'text/plain', body, completion: once(body, 'end').then(() => undefined) } };
    const url = await serve(portAnswering(() => result).port, { invokeMode: 'RESPONSE_STREAM' });
    body.write('first');
    const res = await request(url);
    const reader = res.body[Symbol.asyncIterator]();
    expect(Buffer.from((await reader.next()).value as Uint8Array).toString()).toBe('first');
    res.body.destroy();
    // Far more than any socket buffer: without draining, these writes would wait forever.
    for (let i = 0; i < 200; i++) if (!body.write(Buffer.alloc(64 * 1024))) await once(body, 'drain');
    body.end();
    await once(body, 'end');
  });
});

describe('a function URL listener against hostile functions and clients', () => {
  const prelude = (head: unknown): Buffer => Buffer.concat([Buffer.from(JSON.stringify(head)), Buffer.alloc(8), Buffer.from('body')]);

  it.each([
    ['a CR/LF header value', { statusCode: 200, headers: { 'x-a': 'ok\r\nx-evil: 1' }, body: 'x' }],
    ['a header name that is not a token', { statusCode: 200, headers: { 'x a': '1' }, body: 'x' }],
    ['a 1xx status', { statusCode: 101, headers: { upgrade: 'websocket' }, body: 'x' }],
  ])('answers %s with the 502, buffered or streamed, and keeps serving', async (_, answer) => {
    for (const invokeMode of ['BUFFERED', 'RESPONSE_STREAM'] as const) {
      const { port } = portAnswering((req) => {
        if (JSON.parse(req.payload.toString()).rawPath === '/ok') return { kind: 'response', payload: Buffer.from('"fine"'), contentType: 'application/json' };
        if (invokeMode === 'BUFFERED') return { kind: 'response', payload: Buffer.from(JSON.stringify(answer)), contentType: 'application/json' };
        const { statusCode, headers } = answer;
        return streamed(HTTP_INTEGRATION_CONTENT_TYPE, [prelude({ statusCode, headers })]);
      });
      const base = await serve(port, { invokeMode });
      const res = await request(`${base}/hostile`);
      expect([invokeMode, res.statusCode, await res.body.text()]).toEqual([invokeMode, 502, 'Internal Server Error']);
      expect(res.headers['x-evil']).toBeUndefined();
      const ok = await request(`${base}/ok`);
      expect([ok.statusCode, await ok.body.text()]).toEqual([200, 'fine']);
    }
  });

  it('refuses a chunked body over 6 MB at the limit, before the client has finished, without invoking', async () => {
    const { port, seen } = portAnswering(() => ({ kind: 'response', payload: Buffer.from('"x"'), contentType: 'application/json' }));
    const base = await serve(port);
    const conn = await rawConnection(Number(new URL(base).port));
    conn.socket.write('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n');
    const mb = Buffer.alloc(1024 * 1024, 97);
    for (let i = 0; i < 7; i++) conn.socket.write(Buffer.concat([Buffer.from('100000\r\n'), mb, Buffer.from('\r\n')]));
    const parsed = await conn.until((p) => p.responses.length > 0);
    expect(parsed.responses[0]?.status).toBe(413);
    expect(seen).toHaveLength(0);
    conn.socket.destroy();
  });
});
