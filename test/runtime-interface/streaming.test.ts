/**
 * Response streaming (awslambda.streamifyResponse / HttpResponseStream) against the fake Runtime
 * API, and once end to end through the real Lamina platform with the AWS SDK.
 */
import { InvokeWithResponseStreamCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { customRuntimeFunction } from '../helpers/function-config.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { startLamina } from '../helpers/lamina-server.js';
import { useRicHarness, FakeRuntimeApi, handlersDir, spawnRic } from './harness.js';

const streaming = `${handlersDir}/streaming`;

const track = useRicHarness();

async function invokeOnce(handler: string, body = '{}') {
  const api = await FakeRuntimeApi.start();
  const ric = spawnRic({ api, taskRoot: streaming, handler });
  track({ api, ric });
  api.enqueue({ requestId: 'req-s', body });
  return { api, ric, post: await api.nextPost() };
}

describe('streamifyResponse', () => {
  it('posts in streaming mode, each chunk reaching the server before the handler writes the next', async () => {
    // The handler waits (through the fake API's /test/wait-bytes) until its chunk has arrived: had
    // the client buffered anything, the handler would never finish and no post would be recorded.
    const { post, api } = await invokeOnce('index.chunks');
    expect(post).toMatchObject({ kind: 'response', requestId: 'req-s', body: 'one two three' });
    expect(post.headers['lambda-runtime-function-response-mode']).toBe('streaming');
    expect(post.headers['transfer-encoding']).toBe('chunked');
    expect(post.headers['trailer']).toBe('Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body');
    expect(post.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(post.headers['content-length']).toBeUndefined();
    expect(post.chunks?.map(String)).toEqual(['one ', 'two ', 'three']);
    expect(post.trailers).toEqual({});
    // Warm: the next GET /next comes after the stream.
    await api.waitForWaitingNext(1);
  });

  it('writes the HttpResponseStream prelude, 8 NUL bytes, then the body', async () => {
    const { post } = await invokeOnce('index.httpResponse');
    expect(post.headers['content-type']).toBe('application/vnd.awslambda.http-integration-response');
    const prelude = '{"statusCode":201,"headers":{"x-custom":"yes"},"cookies":["a=1"]}';
    expect(post.bytes).toEqual(Buffer.concat([Buffer.from(prelude), Buffer.alloc(8), Buffer.from('hello http')]));
  });

  it('writes the prelude when the stream is ended without a write (official client issue #97)', async () => {
    const { post } = await invokeOnce('index.httpEndOnly');
    expect(post.bytes).toEqual(Buffer.concat([Buffer.from('{"statusCode":404}'), Buffer.alloc(8)]));
  });

  it('ends a failed stream with the error trailers, the body trailer being base64 of the error JSON', async () => {
    const { post, ric } = await invokeOnce('index.midStreamError');
    expect(post.body).toBe('partial');
    expect(post.headers['content-type']).toBe('application/octet-stream');
    const trailers = post.trailers ?? {};
    expect(Object.keys(trailers).sort()).toEqual(['lambda-runtime-function-error-body', 'lambda-runtime-function-error-type']);
    expect(trailers['lambda-runtime-function-error-type']).toBe('TypeError');
    const error = JSON.parse(Buffer.from(trailers['lambda-runtime-function-error-body'] ?? '', 'base64').toString()) as { trace: string[] };
    expect(Object.keys(error)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(error).toMatchObject({ errorType: 'TypeError', errorMessage: 'broke mid-stream' });
    expect(error.trace[0]).toBe('TypeError: broke mid-stream');
    ric.child.kill('SIGKILL');
    await ric.exited;
    expect(ric.stdout()).toMatch(/\treq-s\tERROR\tInvoke Error \t\{"errorType":"TypeError","errorMessage":"broke mid-stream"/);
  });

  it('refuses setContentType after the first write, and sends non-byte chunks as JSON', async () => {
    const { post } = await invokeOnce('index.lateContentType');
    expect(post.body).toBe('{"an":"object"}|Runtime.InvalidStreamingOperation: Cannot set content-type, too late.');
    expect(post.headers['content-type']).toBe('application/octet-stream');
  });

  it('waits for a stream ended after the handler resolved; the context has no done/succeed/fail', async () => {
    const { post } = await invokeOnce('index.endsLater');
    expect(post).toMatchObject({ body: 'undefined|ended later', trailers: {} });
  });
});

describe('through the Lamina platform', () => {
  it('streams a node-ric function to InvokeWithResponseStream', async () => {
    const lamina = await startLamina([
      customRuntimeFunction('streamer', streaming, {
        runtime: 'nodejs20.x',
        handler: 'index.plain',
        launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath },
      }),
    ]);
    const client = localLambdaClient(lamina.url);
    try {
      const out = await client.send(
        new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: Buffer.from(JSON.stringify({ parts: ['alpha ', 'beta ', 'gamma'] })) }),
      );
      expect(out.StatusCode).toBe(200);
      let text = '';
      let complete: unknown;
      for await (const event of out.EventStream ?? []) {
        if (event.PayloadChunk?.Payload) text += Buffer.from(event.PayloadChunk.Payload).toString();
        if (event.InvokeComplete) complete = event.InvokeComplete;
      }
      expect(text).toBe('alpha beta gamma');
      expect(complete).toEqual({});
    } finally {
      client.destroy();
      await lamina.stop();
    }
  });
});
