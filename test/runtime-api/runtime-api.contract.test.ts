/**
 * Every endpoint and every error row of the Runtime API (docs/runtime-api.md), played by hand
 * against a real environment of the real platform.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { Platform } from '../../src/platform/platform.js';
import { invokeRequest } from '../helpers/invoke-request.js';
import { manualFunction, runtimeCall } from '../helpers/manual-runtime.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

function payloadOf(outcome: InvokeOutcome): string {
  const result = outcome.result;
  if (result.kind === 'response') return result.payload.toString();
  if (result.kind === 'function-error') return result.error.payload.toString();
  throw new Error('unexpected stream');
}

const json = (text: string): unknown => JSON.parse(text);

/** Start a platform with one hand-driven function and an invocation waiting for it. */
async function setUp(event: string | Buffer = '{ "a" : 1 }', overrides = {}) {
  const manual = manualFunction('manual', overrides);
  platform = new Platform({ functions: [manual.fn], shutdownGraceMs: 100 });
  const request = invokeRequest('manual', null, { payload: Buffer.isBuffer(event) ? event : Buffer.from(event) });
  const outcome = platform.invoke(request);
  const address = await manual.address();
  return { address, outcome, platform, manual };
}

describe('GET /runtime/invocation/next', () => {
  it('delivers the event bytes untouched with the headers of docs/runtime-api.md', async () => {
    const { address, outcome } = await setUp('{ "a" : 1 }');
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    expect(next.status).toBe(200);
    expect(next.body).toBe('{ "a" : 1 }');
    const id = next.headers['lambda-runtime-aws-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(next.headers['lambda-runtime-deadline-ms'])).toBeGreaterThan(Date.now() + 25_000);
    expect(next.headers['lambda-runtime-invoked-function-arn']).toBe('arn:aws:lambda:us-east-1:000000000000:function:manual');
    expect(next.headers['lambda-runtime-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(next.headers['lambda-runtime-client-context']).toBeUndefined();
    expect(next.headers['lambda-runtime-cognito-identity']).toBeUndefined();
    const posted = await runtimeCall(address, 'POST', `/runtime/invocation/${id}/response`, '{"ok" :true}');
    expect(posted.status).toBe(202);
    expect(json(posted.body)).toEqual({ status: 'OK' });
    const done = await outcome;
    expect(done.requestId).toBe(id);
    expect(payloadOf(done)).toBe('{"ok" :true}');
  });

  it('answers 403 InvalidStateTransition while an invocation is outstanding', async () => {
    const { address } = await setUp();
    await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const again = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    expect(again.status).toBe(403);
    expect(json(again.body)).toMatchObject({ errorType: 'InvalidStateTransition' });
    expect(typeof (json(again.body) as { errorMessage: unknown }).errorMessage).toBe('string');
  });

  it('long-polls until an invocation arrives', async () => {
    const { address, outcome, platform: p } = await setUp('{"n":1}');
    const first = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const firstId = first.headers['lambda-runtime-aws-request-id'] as string;
    await runtimeCall(address, 'POST', `/runtime/invocation/${firstId}/response`, '1');
    await outcome;
    const parked = runtimeCall(address, 'GET', '/runtime/invocation/next');
    await new Promise((r) => setTimeout(r, 100));
    const second = p.invoke(invokeRequest('manual', { n: 2 }));
    const next = await parked;
    expect(next.body).toBe('{"n":2}');
    await runtimeCall(address, 'POST', `/runtime/invocation/${next.headers['lambda-runtime-aws-request-id'] as string}/response`, '2');
    expect(payloadOf(await second)).toBe('2');
  });
});

describe('POST /runtime/invocation/{id}/response', () => {
  it('answers 400 InvalidRequestID for an unknown id', async () => {
    const { address } = await setUp();
    await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const answer = await runtimeCall(address, 'POST', '/runtime/invocation/not-a-real-id/response', '{}');
    expect(answer.status).toBe(400);
    expect(json(answer.body)).toMatchObject({ errorType: 'InvalidRequestID' });
  });

  it('answers 403 InvalidStateTransition for a second answer', async () => {
    const { address, outcome } = await setUp();
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'] as string;
    expect((await runtimeCall(address, 'POST', `/runtime/invocation/${id}/response`, '1')).status).toBe(202);
    const twice = await runtimeCall(address, 'POST', `/runtime/invocation/${id}/response`, '2');
    expect(twice.status).toBe(403);
    expect(json(twice.body)).toMatchObject({ errorType: 'InvalidStateTransition' });
    const error = await runtimeCall(address, 'POST', `/runtime/invocation/${id}/error`, '{}');
    expect(error.status).toBe(403);
    expect(payloadOf(await outcome)).toBe('1');
  });

  it('answers 400 InvalidFunctionResponseMode for a mode other than streaming', async () => {
    const { address } = await setUp();
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'] as string;
    const answer = await runtimeCall(address, 'POST', `/runtime/invocation/${id}/response`, '1', { 'Lambda-Runtime-Function-Response-Mode': 'buffered' });
    expect(answer.status).toBe(400);
    expect(json(answer.body)).toMatchObject({ errorType: 'InvalidFunctionResponseMode' });
    // the invocation is still answerable
    expect((await runtimeCall(address, 'POST', `/runtime/invocation/${id}/response`, '1')).status).toBe(202);
  });

  it('answers 413 over 6,291,556 bytes and the caller gets Function.ResponseSizeTooLarge', async () => {
    const { address, outcome } = await setUp();
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'] as string;
    const answer = await runtimeCall(address, 'POST', `/runtime/invocation/${id}/response`, Buffer.alloc(6_291_557, 0x61));
    expect(answer.status).toBe(413);
    expect(json(answer.body)).toMatchObject({ errorType: 'RequestEntityTooLarge' });
    const done = await outcome;
    expect(done.result.kind).toBe('function-error');
    expect(json(payloadOf(done))).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  it('lets a runtime that hung up mid-body answer again', async () => {
    const { address, outcome } = await setUp();
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'] as string;
    const [host, port] = address.split(':');
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), host, () => {
        socket.write(`POST /2018-06-01/runtime/invocation/${id}/response HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"par`);
        setTimeout(() => { socket.destroy(); resolve(); }, 50);
      });
    });
    expect((await runtimeCall(address, 'POST', `/runtime/invocation/${id}/response`, '"whole"')).status).toBe(202);
    expect(payloadOf(await outcome)).toBe('"whole"');
  });
});

describe('POST /runtime/invocation/{id}/error', () => {
  it('accepts an error report and validates its type', async () => {
    const { address, outcome } = await setUp();
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'] as string;
    const body = '{"errorMessage":"boom","errorType":"MyError","stackTrace":["at x"]}';
    const answer = await runtimeCall(address, 'POST', `/runtime/invocation/${id}/error`, body, { 'Lambda-Runtime-Function-Error-Type': 'Function.MyError' });
    expect(answer.status).toBe(202);
    const done = await outcome;
    expect(done.result.kind === 'function-error' && done.result.error.errorType).toBe('Function.MyError');
    expect(payloadOf(done)).toBe(body);
  });

  it('reports a missing or malformed type as Runtime.Unknown and wraps a body that is not JSON', async () => {
    const { address, outcome } = await setUp();
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'] as string;
    expect((await runtimeCall(address, 'POST', `/runtime/invocation/${id}/error`, 'garbage \u0000 bytes')).status).toBe(202);
    const done = await outcome;
    expect(done.result.kind === 'function-error' && done.result.error.errorType).toBe('Runtime.Unknown');
    expect(json(payloadOf(done))).toEqual({ errorType: 'Runtime.Unknown', errorMessage: 'garbage \u0000 bytes' });
  });

  it('answers 400 InvalidRequestID for an unknown id', async () => {
    const { address } = await setUp();
    await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const answer = await runtimeCall(address, 'POST', '/runtime/invocation/nope/error', '{}');
    expect(answer.status).toBe(400);
    expect(json(answer.body)).toMatchObject({ errorType: 'InvalidRequestID' });
  });
});

describe('POST /runtime/init/error', () => {
  it('is accepted during init and the caller gets the init error after one retry', async () => {
    const { address, outcome, manual } = await setUp();
    const answer = await runtimeCall(address, 'POST', '/runtime/init/error', '{"errorMessage":"no db","errorType":"Runtime.NoDatabase"}', { 'Lambda-Runtime-Function-Error-Type': 'Runtime.NoDatabase' });
    expect(answer.status).toBe(202);
    // The platform retries the init once: the retried runtime reports the same failure.
    const retryAddress = await manual.address(address);
    expect((await runtimeCall(retryAddress, 'POST', '/runtime/init/error', '{"errorMessage":"no db again","errorType":"Runtime.NoDatabase"}', { 'Lambda-Runtime-Function-Error-Type': 'Runtime.NoDatabase' })).status).toBe(202);
    const done = await outcome;
    expect(done.result.kind === 'function-error' && done.result.error.errorType).toBe('Runtime.NoDatabase');
    expect(json(payloadOf(done))).toEqual({ errorMessage: 'no db again', errorType: 'Runtime.NoDatabase' });
    expect(done.logs()).toMatch(/INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: invoke\tStatus: error\tError Type: Runtime.NoDatabase/);
  });

  it('answers 403 InvalidStateTransition after init has finished', async () => {
    const { address } = await setUp();
    await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const answer = await runtimeCall(address, 'POST', '/runtime/init/error', '{}');
    expect(answer.status).toBe(403);
    expect(json(answer.body)).toMatchObject({ errorType: 'InvalidStateTransition' });
  });
});

describe('bad requests', () => {
  it('answers unknown paths with 404 and wrong methods with 405, and keeps working', async () => {
    const { address, outcome } = await setUp('{}');
    expect((await runtimeCall(address, 'GET', '/runtime/nothing')).status).toBe(404);
    expect((await runtimeCall(address, 'DELETE', '/runtime/invocation/next')).status).toBe(405);
    expect((await runtimeCall(address, 'GET', '/runtime/invocation/x/response')).status).toBe(405);
    expect((await runtimeCall(address, 'PUT', '/runtime/init/error')).status).toBe(405);
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    await runtimeCall(address, 'POST', `/runtime/invocation/${next.headers['lambda-runtime-aws-request-id'] as string}/response`, '0');
    expect(payloadOf(await outcome)).toBe('0');
  });

  it('survives huge headers and malformed HTTP', async () => {
    const { address, outcome } = await setUp('{}');
    const [host, port] = address.split(':');
    const raw = (text: string) => new Promise<string>((resolve) => {
      let answer = '';
      const socket = connect(Number(port), host, () => socket.write(text));
      socket.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
      socket.on('close', () => resolve(answer));
      socket.on('error', () => resolve(answer));
    });
    expect(await raw(`GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    expect(await raw('NONSENSE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    await runtimeCall(address, 'POST', `/runtime/invocation/${next.headers['lambda-runtime-aws-request-id'] as string}/response`, '"fine"');
    expect(payloadOf(await outcome)).toBe('"fine"');
  });
});

describe('isolation', () => {
  it('gives each environment its own Runtime API; a runtime cannot answer another one', async () => {
    const a = manualFunction('a');
    const b = manualFunction('b');
    platform = new Platform({ functions: [a.fn, b.fn], shutdownGraceMs: 100 });
    const outA = platform.invoke(invokeRequest('a', { who: 'a' }));
    const outB = platform.invoke(invokeRequest('b', { who: 'b' }));
    const [addressA, addressB] = [await a.address(), await b.address()];
    expect(addressA).not.toBe(addressB);
    const nextA = await runtimeCall(addressA, 'GET', '/runtime/invocation/next');
    const nextB = await runtimeCall(addressB, 'GET', '/runtime/invocation/next');
    expect(nextA.body).toBe('{"who":"a"}');
    const idB = nextB.headers['lambda-runtime-aws-request-id'] as string;
    const cross = await runtimeCall(addressA, 'POST', `/runtime/invocation/${idB}/response`, '"stolen"');
    expect(cross.status).toBe(400);
    await runtimeCall(addressB, 'POST', `/runtime/invocation/${idB}/response`, '"b"');
    await runtimeCall(addressA, 'POST', `/runtime/invocation/${nextA.headers['lambda-runtime-aws-request-id'] as string}/response`, '"a"');
    expect([payloadOf(await outA), payloadOf(await outB)]).toEqual(['"a"', '"b"']);
  });
});

