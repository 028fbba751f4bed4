/**
 * The real @aws-sdk/client-lambda against the real server and real runtime processes.
 */
import {
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
  RequestTooLargeException,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFunction } from '../helpers/function-config.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

let lamina: RunningLamina;
let client: LambdaClient;

beforeAll(async () => {
  lamina = await startLamina([
    bootstrapFunction('echo'),
    bootstrapFunction('slow', { timeout: 1 }),
    bootstrapFunction('single', { reservedConcurrency: 1 }),
  ]);
  client = localLambdaClient(lamina.url);
});

afterAll(async () => {
  client.destroy();
  await lamina.stop();
});

const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString();
const payload = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

describe('@aws-sdk/client-lambda against Lamina', () => {
  it('invokes RequestResponse with Tail logs', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: payload({ echo: 'hi', log: 'a line' }), LogType: 'Tail' }));
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.FunctionError).toBeUndefined();
    expect(text(out.Payload)).toBe('"hi"');
    const log = Buffer.from(out.LogResult ?? '', 'base64').toString();
    expect(log).toContain('a line\n');
    expect(log).toMatch(/END RequestId: [0-9a-f-]{36}\nREPORT RequestId: /);
  });

  it('accepts full and partial ARNs and $LATEST', async () => {
    for (const name of ['arn:aws:lambda:us-east-1:000000000000:function:echo', '000000000000:function:echo', 'echo:$LATEST']) {
      const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: payload({ echo: 1 }) }));
      expect(text(out.Payload)).toBe('1');
    }
    const out = await client.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: '$LATEST', Payload: payload({ echo: 2 }) }));
    expect(text(out.Payload)).toBe('2');
  });

  it('answers Event with 202 and DryRun with 204', async () => {
    const event = await client.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: payload({ log: 'async ran' }) }));
    expect(event.StatusCode).toBe(202);
    const dry = await client.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
    await expect.poll(() => lamina.output.join('')).toContain('[echo] async ran');
  });

  it('reports function errors with FunctionError: Unhandled', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: payload({ fail: 'bad' }) }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out.Payload))).toEqual({ errorType: 'Failed', errorMessage: 'bad' });
  });

  it('reports a timeout, then recovers', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'slow', Payload: payload({ sleepMs: 3000 }) }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out.Payload)).errorType).toBe('Sandbox.Timedout');
    const again = await client.send(new InvokeCommand({ FunctionName: 'slow', Payload: payload({ echo: 'back' }) }));
    expect(text(again.Payload)).toBe('"back"');
  });

  it('reports a crash, then recovers', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: payload({ exit: 2 }) }));
    expect(JSON.parse(text(out.Payload)).errorMessage).toMatch(/Runtime exited with error: exit status 2$/);
    const again = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: payload({ echo: 'ok' }) }));
    expect(text(again.Payload)).toBe('"ok"');
  });

  it('throws ResourceNotFoundException for an unknown function', async () => {
    await expect(client.send(new InvokeCommand({ FunctionName: 'missing' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('throws RequestTooLargeException over 6 MB', async () => {
    const big = Buffer.from(JSON.stringify('x'.repeat(6_291_456)));
    await expect(client.send(new InvokeCommand({ FunctionName: 'echo', Payload: big }))).rejects.toBeInstanceOf(RequestTooLargeException);
  });

  it('throttles past reserved concurrency with TooManyRequestsException', async () => {
    const busy = client.send(new InvokeCommand({ FunctionName: 'single', Payload: payload({ sleepMs: 500 }) }));
    await expect.poll(() => lamina.platform.admission.inFlight(lamina.platform.pool('single')!.fn)).toBe(1);
    const error = await client.send(new InvokeCommand({ FunctionName: 'single', Payload: payload({}) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect((error as TooManyRequestsException).Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect((error as TooManyRequestsException).$metadata.httpStatusCode).toBe(429);
    expect((await busy).StatusCode).toBe(200);
  });

  it('spreads concurrent invokes over several environments', async () => {
    const outs = await Promise.all(
      Array.from({ length: 4 }, (_, i) => client.send(new InvokeCommand({ FunctionName: 'echo', Payload: payload({ sleepMs: 300, echo: i }) }))),
    );
    expect(outs.map((o) => text(o.Payload))).toEqual(['0', '1', '2', '3']);
    expect(lamina.platform.pool('echo')!.size).toBeGreaterThanOrEqual(4);
  });

  it('streams with InvokeWithResponseStream as chunks arrive', async () => {
    const out = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'echo', Payload: payload({ stream: ['one ', 'two ', 'three'], delayMs: 100 }) }));
    expect(out.StatusCode).toBe(200);
    const chunks: string[] = [];
    let complete: unknown;
    for await (const event of out.EventStream ?? []) {
      if (event.PayloadChunk?.Payload) chunks.push(text(event.PayloadChunk.Payload));
      if (event.InvokeComplete) complete = event.InvokeComplete;
    }
    expect(chunks.join('')).toBe('one two three');
    expect(out.ResponseStreamContentType).toBe('text/plain');
    expect(chunks.length).toBeGreaterThan(1);
    expect(complete).toEqual({});
  });

  it('streams an error from the trailers into InvokeComplete', async () => {
    const out = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'echo', Payload: payload({ stream: ['part'], streamError: true }) }));
    let complete: { ErrorCode?: string; ErrorDetails?: string } | undefined;
    for await (const event of out.EventStream ?? []) if (event.InvokeComplete) complete = event.InvokeComplete;
    expect(complete?.ErrorCode).toBe('Function.StreamBroke');
  });
});
