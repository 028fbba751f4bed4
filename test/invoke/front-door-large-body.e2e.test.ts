/**
 * A body far over a management route's limit (a 70 MB CreateFunction) always gets its answer:
 * 413 in Lambda's error shape, then the connection either stays usable or closes cleanly after
 * the answer; never a hang or a reset before the client read the answer.
 */
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../src/control/api/control-plane.js';
import { MemorySettingsStore } from '../../src/control/settings-store.js';
import { createFrontDoor, listen } from '../../src/invoke/front-door-server.js';
import type { InvokePort } from '../../src/platform/invoke-types.js';
import { registryFromFunctions } from '../../src/registry/template-load.js';

const NO_INVOKES: InvokePort = {
  invoke: () => Promise.reject(new Error('the management API must not invoke')),
  accept: () => Promise.reject(new Error('the management API must not invoke')),
};
const BODY_BYTES = 70 * 1024 * 1024;
const LIMIT_MESSAGE = 'Request must be smaller than 69905067 bytes for the CreateFunction operation';
const CHUNK = Buffer.alloc(1024 * 1024, 0x41);

let server: Server;
let port: number;

beforeAll(async () => {
  const registry = registryFromFunctions([], { accountConcurrency: 400 });
  const control = new ControlPlane({ registry, region: 'us-east-1', accountId: '123456789012', stateDir: '/nonexistent', now: () => new Date(), settings: new MemorySettingsStore() });
  server = createFrontDoor(NO_INVOKES, { management: control });
  port = (await listen(server, '127.0.0.1', 0)).port;
});
afterAll(() => {
  server.close();
  server.closeAllConnections();
});

interface Answer { status: number; errorType: string | undefined; body: string }

/** http.request writing the whole body as fast as the socket takes it (chunked when no length is given). */
function postWithHttp(declareLength: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/2015-03-31/functions', headers: { 'Content-Type': 'application/json', ...(declareLength ? { 'Content-Length': BODY_BYTES } : {}) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, errorType: res.headers['x-amzn-errortype'] as string | undefined, body: Buffer.concat(parts).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < BODY_BYTES) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** A raw socket: headers and a body of `bytes`, written while the answer is read. */
function postWithSocket(bytes = BODY_BYTES, then = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (part: Buffer) => {
      answer += part.toString('latin1');
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close once it answered; a reset is acceptable only after the whole answer arrived.
      if (answer.includes(LIMIT_MESSAGE)) resolve(answer);
      else reject(error);
    });
    socket.write(`POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n`);
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        sent += CHUNK.length;
        if (!socket.write(CHUNK)) return void socket.once('drain', pump);
      }
      socket.end(then);
    };
    pump();
  });
}

describe('a 70 MB CreateFunction body', () => {
  it('gets 413 RequestEntityTooLargeException through http.request, with and without Content-Length', async () => {
    for (const declared of [true, false]) {
      const answer = await postWithHttp(declared);
      expect(answer.status).toBe(413);
      expect(answer.errorType).toBe('RequestEntityTooLargeException');
      expect(JSON.parse(answer.body)).toEqual({ Type: 'User', message: LIMIT_MESSAGE });
    }
  }, 60_000);

  it('gets the whole answer on a raw socket, and the connection stays usable for the next request', async () => {
    for (let round = 0; round < 3; round += 1) {
      const answer = await postWithSocket(BODY_BYTES, 'GET /2016-08-19/account-settings HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).not.toContain('Connection: close');
      expect(answer).toContain(LIMIT_MESSAGE);
      expect(answer).toContain('HTTP/1.1 200 OK');
      expect(answer).toContain('"AccountLimit"');
    }
  }, 60_000);

  it('gets its answer through fetch, which writes the whole body before it reads', async () => {
    const body = JSON.stringify({ FunctionName: 'huge', Role: 'arn:aws:iam::123456789012:role/r', Runtime: 'provided.al2023', Handler: 'x', Code: { ZipFile: 'A'.repeat(70_000_000) } });
    for (let round = 0; round < 2; round += 1) {
      const res = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(413);
      expect(res.headers.get('x-amzn-errortype')).toBe('RequestEntityTooLargeException');
      expect(await res.json()).toEqual({ Type: 'User', message: LIMIT_MESSAGE });
    }
  }, 60_000);

  it('a body far over the drain budget (200 MB) still gets the whole answer, then the connection closes', async () => {
    for (let round = 0; round < 2; round += 1) {
      const answer = await postWithSocket(200 * 1024 * 1024);
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toContain('Connection: close');
      expect(answer).toContain(LIMIT_MESSAGE);
    }
  }, 60_000);

  it('is refused to the AWS SDK with RequestEntityTooLargeException', async () => {
    const client = new LambdaClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
    const zip = Buffer.alloc(52_428_801, 1);
    const error = await client.send(new CreateFunctionCommand({ FunctionName: 'big', Role: 'arn:aws:iam::123456789012:role/r', Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip } })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RequestEntityTooLargeException', message: LIMIT_MESSAGE, $metadata: { httpStatusCode: 413 } });
    client.destroy();
  }, 60_000);
});
