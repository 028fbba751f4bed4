/**
 * Clients that half-close their socket (TCP FIN after the whole request, `socket.end()`) still get
 * their answers; clients that really go away are still noticed. Real server, real functions.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfClosedCall } from '../helpers/half-closed-call.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

let lamina: RunningLamina;
let port: number;

beforeAll(async () => {
  lamina = await startLamina([bootstrapFunction('echo')]);
  port = Number(new URL(lamina.url).port);
});

afterAll(async () => {
  await lamina.stop();
});

const call = (path: string, body: string, headers: Record<string, string> = {}): Promise<string> => halfClosedCall(port, path, body, headers);

const ROUNDS = 10;

describe('half-closed clients', () => {
  it('get the buffered answer', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const answer = await call('/2015-03-31/functions/echo/invocations', JSON.stringify({ echo: { round } }));
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer.endsWith(`\r\n\r\n{"round":${round}}`)).toBe(true);
    }
  });

  it('get the 202 of an Event invoke', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const answer = await call('/2015-03-31/functions/echo/invocations', JSON.stringify({ log: `event ${round}` }), { 'X-Amz-Invocation-Type': 'Event' });
      expect(answer).toMatch(/^HTTP\/1\.1 202 Accepted\r\n/);
      expect(answer).toMatch(/\r\nx-amzn-RequestId: [0-9a-f-]{36}\r\n/i);
    }
  });

  it('get the whole streamed answer, up to InvokeComplete', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const answer = await call('/2021-11-15/functions/echo/response-streaming-invocations', JSON.stringify({ stream: ['one ', `two ${round}`], delayMs: 5 }));
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer).toContain('one ');
      expect(answer).toContain(`two ${round}`);
      expect(answer).toContain('InvokeComplete');
      // The chunked body is finished (the last chunk), not cut.
      expect(answer.endsWith('\r\n0\r\n\r\n')).toBe(true);
    }
  });

  it('notices a streaming client that destroys its socket, on the next chunk', async () => {
    const socket = connect(port, '127.0.0.1');
    const body = JSON.stringify({ stream: Array.from({ length: 40 }, (_, i) => `chunk ${i} `), delayMs: 50 });
    socket.write(`POST /2021-11-15/functions/echo/response-streaming-invocations HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const head = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
    socket.destroy();
    const requestId = /x-amzn-RequestId: ([0-9a-f-]{36})/i.exec(head)?.[1];
    expect(requestId).toBeDefined();
    const reported = (): boolean => lamina.output.join('').includes(`REPORT RequestId: ${requestId ?? '?'}`);
    // The server's side of the connection closes while the function is still streaming (40
    // chunks 50 ms apart), found by writing the next chunk to the dead peer.
    let open = 1;
    while (open > 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      open = await lamina.connections();
    }
    expect(reported()).toBe(false);
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (!reported()) return;
        clearInterval(poll);
        resolve();
      }, 50);
      setTimeout(() => reject(new Error('the stream never finished')), 10_000).unref();
    });
  });
});
