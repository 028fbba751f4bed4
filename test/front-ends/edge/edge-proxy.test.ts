/**
 * The local CloudFront over an in-memory InvokePort (the functions are plain JavaScript here) and
 * real origin servers on 127.0.0.1: which steps run in which case, and CloudFront's own answers.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFrontRequestEvent, CloudFrontResponseEvent } from 'aws-lambda';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { EdgeAssociation, EdgeDistribution, EdgeEventType } from '../../../src/config/edge-distributions.js';
import { ServiceError } from '../../../src/errors.js';
import { Readable } from 'node:stream';
import { createEdgeServer, MAX_EDGE_REQUEST_BYTES } from '../../../src/front-ends/edge/edge-server.js';
import type { InvokePort } from '../../../src/platform/invoke-types.js';

type Edge = (event: CloudFrontRequestEvent & CloudFrontResponseEvent) => unknown;

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An origin that records each request and answers `status` with a fixed body. */
async function origin(status = 200, body = 'from origin'): Promise<{ port: number; seen: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> }> {
  const seen: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
  const port = await listen(createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  }));
  return { port, seen };
}

/** Functions by name; each call's event type recorded in `calls`. A function that is an Error throws it from invoke. */
function edgePort(functions: Record<string, Edge | Error>): { port: InvokePort; calls: string[] } {
  const calls: string[] = [];
  const port: InvokePort = {
    invoke: async (req) => {
      const fn = functions[req.functionName];
      if (fn === undefined) throw new Error(`no function ${req.functionName}`);
      if (fn instanceof Error) throw fn;
      const event = JSON.parse(req.payload.toString()) as CloudFrontRequestEvent & CloudFrontResponseEvent;
      calls.push(event.Records[0]?.cf.config.eventType ?? '?');
      const out = fn(event);
      const payload = typeof out === 'string' ? Buffer.from(out) : Buffer.from(JSON.stringify(out));
      return { requestId: 'r', executedVersion: '1', result: { kind: 'response', payload, contentType: 'application/json' }, logs: () => '' };
    },
    accept: () => {
      throw new Error('not used');
    },
  };
  return { port, calls };
}

const assoc = (eventType: EdgeEventType, functionName: string, includeBody = false): EdgeAssociation => ({ eventType, functionName, qualifier: undefined, includeBody });

async function cdn(port: InvokePort, originPort: number, associations: EdgeAssociation[]): Promise<string> {
  const distribution: EdgeDistribution = {
    id: 'Cdn',
    origins: [{ id: 'Web', domainName: 'origin.test', path: '', protocol: 'http', port: 80 }],
    behaviors: [{ pathPattern: undefined, targetOriginId: 'Web', associations }],
  };
  const server = createEdgeServer({ distribution, port, originOverrides: new Map([['Web', { protocol: 'http', host: '127.0.0.1', port: originPort }]]) });
  return `http://127.0.0.1:${await listen(server)}`;
}

const passRequest: Edge = (e) => e.Records[0]?.cf.request;
const passResponse: Edge = (e) => e.Records[0]?.cf.response;

describe('the local CloudFront', () => {
  it('runs all four steps in order, and viewer-response cannot change the status', async () => {
    const o = await origin();
    const { port, calls } = edgePort({
      vreq: passRequest, oreq: passRequest, ores: passResponse,
      vres: (e) => ({ ...e.Records[0]?.cf.response, status: '500', headers: { ...e.Records[0]?.cf.response.headers, 'x-vres': [{ key: 'X-Vres', value: '1' }] } }),
    });
    const base = await cdn(port, o.port, [assoc('viewer-request', 'vreq'), assoc('origin-request', 'oreq'), assoc('origin-response', 'ores'), assoc('viewer-response', 'vres')]);
    const res = await request(`${base}/x`);
    expect([res.statusCode, await res.body.text(), res.headers['x-vres']]).toEqual([200, 'from origin', '1']);
    expect(calls).toEqual(['viewer-request', 'origin-request', 'origin-response', 'viewer-response']);
  });

  it('answers HEAD with the origin\'s Content-Length and no body', async () => {
    const o = await origin(200, 'fourteen chars');
    const { port } = edgePort({ ores: passResponse });
    const res = await request(`${await cdn(port, o.port, [assoc('origin-response', 'ores')])}/x`, { method: 'HEAD' });
    expect([res.statusCode, res.headers['content-length'], await res.body.text()]).toEqual([200, '14', '']);
    expect(o.seen[0]?.headers['content-length']).toBeUndefined();
  });

  it('skips viewer-response for an origin error status, but runs origin-response for it', async () => {
    const o = await origin(404, 'missing');
    const { port, calls } = edgePort({ ores: passResponse, vres: passResponse });
    const base = await cdn(port, o.port, [assoc('origin-response', 'ores'), assoc('viewer-response', 'vres')]);
    const res = await request(`${base}/x`);
    expect([res.statusCode, await res.body.text()]).toEqual([404, 'missing']);
    expect(calls).toEqual(['origin-response']);
  });

  it('sends a viewer-request answer straight back; an origin-request answer still goes through viewer-response', async () => {
    const o = await origin();
    const gen: Edge = () => ({ status: '403', headers: { 'x-gen': [{ key: 'X-Gen', value: 'y' }] }, body: 'no' });
    const first = edgePort({ vreq: gen, vres: passResponse });
    const base = await cdn(first.port, o.port, [assoc('viewer-request', 'vreq'), assoc('viewer-response', 'vres')]);
    const res = await request(`${base}/x`);
    expect([res.statusCode, await res.body.text(), res.headers['x-gen'], res.headers['x-cache']]).toEqual([403, 'no', 'y', 'LambdaGeneratedResponse from cloudfront']);
    expect(first.calls).toEqual(['viewer-request']);
    const second = edgePort({ oreq: () => ({ status: 200, body: 'made here' }), ores: passResponse, vres: passResponse });
    const base2 = await cdn(second.port, o.port, [assoc('origin-request', 'oreq'), assoc('origin-response', 'ores'), assoc('viewer-response', 'vres')]);
    expect(await (await request(`${base2}/x`)).body.text()).toBe('made here');
    expect(second.calls).toEqual(['origin-request', 'viewer-response']);
    expect(o.seen).toHaveLength(0);
  });

  it('truncates an IncludeBody body past 40 KB for the function but sends the whole body to the origin', async () => {
    const o = await origin();
    let seenBody: unknown;
    const { port } = edgePort({ vreq: (e) => { seenBody = e.Records[0]?.cf.request.body; return passRequest(e); } });
    const base = await cdn(port, o.port, [assoc('viewer-request', 'vreq', true)]);
    const big = 'b'.repeat(50 * 1024);
    await (await request(`${base}/up`, { method: 'POST', body: big })).body.text();
    expect(seenBody).toMatchObject({ inputTruncated: true, action: 'read-only', encoding: 'base64' });
    expect(o.seen[0]?.body).toBe(big);
  });

  it('follows an origin-request function to another origin, with the path and query it set', async () => {
    const first = await origin(200, 'first');
    const other = await origin(200, 'other');
    const { port } = edgePort({
      oreq: (e) => {
        const req = e.Records[0]?.cf.request;
        return { ...req, uri: '/moved', querystring: 'k=v', origin: { custom: { ...req?.origin?.custom, domainName: '127.0.0.1', port: other.port, protocol: 'http' } } };
      },
    });
    const base = await cdn(port, first.port, [assoc('origin-request', 'oreq')]);
    expect(await (await request(`${base}/x`)).body.text()).toBe('other');
    expect(other.seen[0]?.url).toBe('/moved?k=v');
    expect(first.seen).toHaveLength(0);
  });

  it('answers CloudFront\'s pages: throttle 503 LambdaLimitExceeded, invalid JSON 502, unreachable origin 502', async () => {
    const o = await origin();
    const throttled = edgePort({ vreq: new ServiceError('LAMINA_ERR_TOO_MANY_REQUESTS', 'Rate Exceeded.') });
    const r1 = await request(`${await cdn(throttled.port, o.port, [assoc('viewer-request', 'vreq')])}/x`);
    expect([r1.statusCode, r1.headers['x-cache']]).toEqual([503, 'LambdaLimitExceeded from cloudfront']);
    expect(await r1.body.text()).toContain('<H1>503 ERROR</H1>');
    const garbage = edgePort({ ores: () => 'not json{' });
    const r2 = await request(`${await cdn(garbage.port, o.port, [assoc('origin-response', 'ores')])}/x`);
    expect([r2.statusCode, r2.headers['x-cache']]).toEqual([502, 'LambdaValidationError from cloudfront']);
    expect(await r2.body.text()).toContain('The Lambda function returned invalid JSON: The JSON output is not parsable.');
    const closed = await listen(createServer());
    servers.pop()?.close();
    const r3 = await request(`${await cdn(edgePort({}).port, closed, [])}/x`);
    expect([r3.statusCode, r3.headers['x-cache']]).toEqual([502, 'Error from cloudfront']);
    expect(await r3.body.text()).toContain("CloudFront wasn't able to connect to the origin");
  });

  it('refuses a body over its 50 MB bound with a 413 page as it arrives, calling neither function nor origin, and serves on', async () => {
    const o = await origin();
    const { port, calls } = edgePort({ vreq: passRequest });
    const base = await cdn(port, o.port, [assoc('viewer-request', 'vreq', true)]);
    const chunk = Buffer.alloc(1024 * 1024, 97);
    async function* body(): AsyncGenerator<Buffer> {
      for (let i = 0; i <= MAX_EDGE_REQUEST_BYTES / chunk.length; i++) yield chunk;
    }
    const refused = await request(`${base}/up`, { method: 'POST', body: Readable.from(body()) });
    expect(refused.statusCode).toBe(413);
    expect(await refused.body.text()).toContain('the local CloudFront buffers');
    expect(calls).toEqual([]);
    expect(o.seen).toEqual([]);
    const fine = await request(`${base}/after`);
    expect(fine.statusCode).toBe(200);
  });
});
