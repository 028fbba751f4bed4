/**
 * The official Node.js runtime interface client (`aws-lambda-ric@4`) as the runtime, called
 * through Lamina's front door with the real @aws-sdk/client-lambda: Lamina's Runtime API must be
 * good enough for AWS's own client (docs/runtime-api.md, docs/invoke-api.md, docs/log-format.md, docs/node-handler.md, docs/peers.md).
 */
import { InvokeCommand, InvokeWithResponseStreamCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { officialRicFunction, officialRicUnavailable } from '../helpers/official-ric.js';

const unavailable = officialRicUnavailable();
if (unavailable !== undefined) console.warn(`[official-ric.e2e] skipped: ${unavailable}`);

const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString();
const payload = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));
const tail = (logResult: string | undefined): string => Buffer.from(logResult ?? '', 'base64').toString();

describe.skipIf(unavailable !== undefined)('the official aws-lambda-ric behind Lamina', () => {
  let lamina: RunningLamina;
  let client: LambdaClient;

  beforeAll(async () => {
    lamina = await startLamina([
      officialRicFunction('ric-esm', 'esm.handler'),
      officialRicFunction('ric-cjs', 'cjs.handler'),
      officialRicFunction('ric-callback', 'cjs.callback'),
      officialRicFunction('ric-fails', 'esm.fails'),
      officialRicFunction('ric-logs', 'esm.logs'),
      officialRicFunction('ric-json-logs', 'esm.logs', { logFormat: 'JSON' }),
      officialRicFunction('ric-context', 'esm.context', { memorySize: 512, timeout: 7 }),
      officialRicFunction('ric-missing', 'esm.nothere'),
      officialRicFunction('ric-no-module', 'nowhere.handler'),
      officialRicFunction('ric-streams', 'esm.streams'),
      officialRicFunction('ric-slow', 'esm.slow'),
      officialRicFunction('ric-stream-throws', 'esm.streamsThenThrows'),
      officialRicFunction('ric-crashes', 'esm.crashes'),
    ]);
    client = localLambdaClient(lamina.url);
  });

  afterAll(async () => {
    client?.destroy();
    await lamina?.stop();
  });

  it('returns an async ESM handler result', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'ric-esm', Payload: payload({ a: 1 }) }));
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(text(out.Payload))).toEqual({ got: { a: 1 }, kind: 'esm' });
    // A warm second invoke on the same environment.
    const again = await client.send(new InvokeCommand({ FunctionName: 'ric-esm', Payload: payload('two') }));
    expect(JSON.parse(text(again.Payload))).toEqual({ got: 'two', kind: 'esm' });
  });

  it('returns a CommonJS handler result', async () => {
    const cjs = await client.send(new InvokeCommand({ FunctionName: 'ric-cjs', Payload: payload([1, 2]) }));
    expect(cjs.FunctionError).toBeUndefined();
    expect(JSON.parse(text(cjs.Payload))).toEqual({ got: [1, 2], kind: 'cjs' });
  });

  it('refuses a callback-style handler at init (aws-lambda-ric@4 is the Node 24 client)', async () => {
    // docs/node-handler.md calls callback handlers "deprecated, still common"; RIC 4 refuses any
    // non-streaming handler declaring 3 parameters, at init.
    const out = await client.send(new InvokeCommand({ FunctionName: 'ric-callback', Payload: payload(null), LogType: 'Tail' }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out.Payload)).errorType).toBe('Runtime.CallbackHandlerDeprecated');
    expect(tail(out.LogResult)).toMatch(/INIT_REPORT .*	Phase: invoke	Status: error	Error Type: Runtime.CallbackHandlerDeprecated/);
  });

  it('reports a thrown error as FunctionError Unhandled with the official error JSON', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'ric-fails', Payload: payload({ message: 'bad input' }), LogType: 'Tail' }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const error = JSON.parse(text(out.Payload)) as { errorType: string; errorMessage: string; trace: unknown };
    expect(error.errorType).toBe('TypeError');
    expect(error.errorMessage).toBe('bad input');
    expect(Array.isArray(error.trace)).toBe(true);
    const trace = error.trace as string[];
    expect(trace[0]).toBe('TypeError: bad input');
    expect(trace.some((line) => line.includes('esm.mjs'))).toBe(true);
    // The RIC logs the error itself, and the REPORT line marks the failure.
    const log = tail(out.LogResult);
    expect(log).toMatch(/\tERROR\tInvoke Error \t/);
    // The RIC posts /error without a Lambda-Runtime-Function-Error-Type header (aws-lambda-cpp
    // sends none), so the REPORT's Error Type is the platform's fallback, not TypeError.
    expect(log).toMatch(new RegExp(`REPORT RequestId: ${out.$metadata.requestId}\\t.*\\tStatus: error\\tError Type: \\S+`));
    // The environment survives a handled failure.
    const again = await client.send(new InvokeCommand({ FunctionName: 'ric-fails', Payload: payload({ message: 'second' }) }));
    expect(JSON.parse(text(again.Payload)).errorMessage).toBe('second');
  });

  it('writes console.log lines in the official Text format into the Tail log', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'ric-logs', Payload: payload({ line: 'hello from the RIC' }), LogType: 'Tail' }));
    expect(text(out.Payload)).toBe('"logged"');
    const requestId = out.$metadata.requestId!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const log = tail(out.LogResult);
    expect(log).toContain(`START RequestId: ${requestId} Version: $LATEST\n`);
    expect(log).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\\t${requestId}\\tINFO\\thello from the RIC$`, 'm'));
    expect(log).toContain(`END RequestId: ${requestId}\n`);
    expect(log).toContain(`REPORT RequestId: ${requestId}\t`);
  });

  it('turns newlines inside a log message into carriage returns', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'ric-logs', Payload: payload({ line: 'first\nsecond' }), LogType: 'Tail' }));
    expect(tail(out.LogResult)).toMatch(new RegExp(`\\t${out.$metadata.requestId}\\tINFO\\tfirst\\rsecond\\n`));
  });

  it('writes JSON log lines when the function asks for JSON logging', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'ric-json-logs', Payload: payload({ line: 'as json' }), LogType: 'Tail' }));
    const lines = tail(out.LogResult)
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"as json"'));
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'INFO', requestId: out.$metadata.requestId, message: 'as json' });
    expect(typeof record.timestamp).toBe('string');
  });

  it('hands the handler a context matching the function and the invoke', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'ric-context', Payload: payload({}) }));
    const context = JSON.parse(text(out.Payload)) as Record<string, unknown>;
    expect(context).toMatchObject({
      functionName: 'ric-context',
      functionVersion: '$LATEST',
      memoryLimitInMB: '512',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ric-context',
      awsRequestId: out.$metadata.requestId,
      logGroupName: '/aws/lambda/ric-context',
    });
    expect(context.logStreamName).toMatch(/\[\$LATEST\]/);
    expect(context.remainingMs).toBeGreaterThan(0);
    expect(context.remainingMs).toBeLessThanOrEqual(7000);
  });

  it('passes the ARN the caller used through as invokedFunctionArn', async () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:ric-context';
    const out = await client.send(new InvokeCommand({ FunctionName: arn, Payload: payload({}) }));
    const context = JSON.parse(text(out.Payload)) as Record<string, unknown>;
    expect(context.invokedFunctionArn).toBe(arn);
    expect(context.awsRequestId).toBe(out.$metadata.requestId);
  });

  it('reports a missing handler export as Runtime.HandlerNotFound with an INIT_REPORT', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'ric-missing', Payload: payload({}), LogType: 'Tail' }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const error = JSON.parse(text(out.Payload)) as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe('Runtime.HandlerNotFound');
    expect(error.errorMessage).toContain('nothere');
    const log = tail(out.LogResult);
    expect(log).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: error\tError Type: Runtime.HandlerNotFound/);
    // The init retried inside the invoke prints its `Init Error` line into the invocation's log.
    expect(log).toMatch(/\tERROR\tInit Error \t\{"errorType":"Runtime.HandlerNotFound"/);
    expect(log).toMatch(/Max Memory Used: [1-9]\d* MB/);
    // The failed cold init (Phase: init) is in the function's log, outside the invoke.
    const functionLog = lamina.output.join('');
    expect(functionLog).toMatch(/\tERROR\tInit Error \t\{"errorType":"Runtime.HandlerNotFound"/);
    expect(functionLog).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime.HandlerNotFound/);
  });

  it('reports a missing module as Runtime.ImportModuleError', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'ric-no-module', Payload: payload({}) }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out.Payload)).errorType).toBe('Runtime.ImportModuleError');
  });

  it('streams a streamifyResponse handler through InvokeWithResponseStream', async () => {
    const out = await client.send(
      new InvokeWithResponseStreamCommand({ FunctionName: 'ric-streams', Payload: payload({ chunks: ['one ', 'two ', 'three'], delayMs: 50 }) }),
    );
    expect(out.StatusCode).toBe(200);
    const chunks: string[] = [];
    let complete: { ErrorCode?: string } | undefined;
    for await (const event of out.EventStream ?? []) {
      if (event.PayloadChunk?.Payload) chunks.push(text(event.PayloadChunk.Payload));
      if (event.InvokeComplete) complete = event.InvokeComplete;
    }
    expect(chunks.join('')).toBe('one two three');
    expect(complete).toBeDefined();
    expect(complete?.ErrorCode).toBeUndefined();
  });

  it('ends a stream whose handler throws with an error in InvokeComplete', async () => {
    const out = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'ric-stream-throws', Payload: payload({}) }));
    const chunks: string[] = [];
    let complete: { ErrorCode?: string; ErrorDetails?: string } | undefined;
    for await (const event of out.EventStream ?? []) {
      if (event.PayloadChunk?.Payload) chunks.push(text(event.PayloadChunk.Payload));
      if (event.InvokeComplete) complete = event.InvokeComplete;
    }
    expect(chunks.join('')).toBe('partial');
    // The RIC's trailer says `RangeError`, which is not a valid (Runtime|Function).X type: the
    // caller sees Runtime.Unknown (docs/runtime-api.md).
    expect(complete?.ErrorCode).toBe('Runtime.Unknown');
    expect(complete?.ErrorDetails).toContain('stream broke');
  });

  it('reports an uncaught exception as a runtime exit, then serves the next invoke from a fresh runtime', async () => {
    // aws-lambda-ric@4 installs no uncaughtException handler (docs/node-handler.md describes the
    // older clients: report, then exit 129): node dies with exit status 1.
    const out = await client.send(new InvokeCommand({ FunctionName: 'ric-crashes', Payload: payload({ crash: true }), LogType: 'Tail' }));
    expect(out.FunctionError).toBe('Unhandled');
    const error = JSON.parse(text(out.Payload)) as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe('Runtime.ExitError');
    expect(error.errorMessage).toBe(`RequestId: ${out.$metadata.requestId} Error: Runtime exited with error: exit status 1`);
    expect(tail(out.LogResult)).toContain('uncaught, out of band');
    const again = await client.send(new InvokeCommand({ FunctionName: 'ric-crashes', Payload: payload({}) }));
    expect(again.FunctionError).toBeUndefined();
    expect(text(again.Payload)).toBe('"alive"');
  });

  it('serves concurrent invokes', async () => {
    const outs = await Promise.all(
      Array.from({ length: 4 }, (_, id) => client.send(new InvokeCommand({ FunctionName: 'ric-slow', Payload: payload({ id, sleepMs: 300 }) }))),
    );
    expect(outs.map((o) => o.FunctionError)).toEqual([undefined, undefined, undefined, undefined]);
    expect(outs.map((o) => text(o.Payload))).toEqual(['0', '1', '2', '3']);
    expect(new Set(outs.map((o) => o.$metadata.requestId)).size).toBe(4);
    expect(lamina.platform.pool('ric-slow')!.size).toBeGreaterThanOrEqual(2);
  });
});
