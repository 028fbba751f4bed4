/**
 * End-to-end tests of the compiled runtime interface client against a fake
 * Runtime API. Build: `npx tsc -p runtime-interface` (done in beforeAll).
 */
import { describe, expect, it } from 'vitest';
import { useRicHarness, FUNCTION_ARN, FakeRuntimeApi, handlersDir, spawnRic, type RicProcess } from './harness.js';

const cjs = `${handlersDir}/cjs`;
const esm = `${handlersDir}/esm`;
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

const track = useRicHarness();

async function run(taskRoot: string, handler: string, env: Record<string, string> = {}): Promise<{ api: FakeRuntimeApi; ric: RicProcess }> {
  const api = await FakeRuntimeApi.start();
  const ric = spawnRic({ api, taskRoot, handler, env });
  const started = { api, ric };
  track(started);
  return started;
}

/** Stop the client and return everything it wrote to stdout. */
async function stdoutAfterStop(ric: RicProcess): Promise<string> {
  ric.child.kill('SIGKILL');
  await ric.exited;
  return ric.stdout();
}

async function invokeOnce(taskRoot: string, handler: string, body = '{}') {
  const { api, ric } = await run(taskRoot, handler);
  api.enqueue({ requestId: 'req-1', body });
  const post = await api.nextPost();
  return { api, ric, post };
}

describe('responses', () => {
  it('posts an async handler result as JSON, and stays warm for the next invoke', async () => {
    const { api, ric } = await run(cjs, 'index.asyncEcho');
    api.enqueue({ requestId: 'req-1', body: '{"n":1}' }, { requestId: 'req-2', body: '[2]' });
    const first = await api.nextPost();
    expect(first).toMatchObject({ kind: 'response', requestId: 'req-1' });
    expect(first.headers['content-type']).toBe('application/json');
    expect(JSON.parse(first.body)).toEqual({ echo: { n: 1 }, invokeCount: 1 });
    const second = await api.nextPost();
    expect(second).toMatchObject({ kind: 'response', requestId: 'req-2', body: '{"echo":[2],"invokeCount":2}' });
    expect(ric.child.exitCode).toBeNull();
  });

  it('posts a callback handler result', async () => {
    const { post } = await invokeOnce(cjs, 'index.callbackEcho', '"x"');
    expect(post).toMatchObject({ kind: 'response', body: '{"echo":"x"}' });
  });

  it('waits for the empty event loop before posting a callback result', async () => {
    const { post } = await invokeOnce(cjs, 'index.callbackWaits');
    expect(post.body).toBe('{"late":true}');
  });

  it('does not wait when callbackWaitsForEmptyEventLoop is false', async () => {
    const { post } = await invokeOnce(cjs, 'index.callbackNoWait');
    expect(post).toMatchObject({ kind: 'response', body: '"without waiting"' });
  });

  it('lets the first completion win (context.succeed before return; callback before throw)', async () => {
    expect((await invokeOnce(cjs, 'index.firstWins')).post.body).toBe('"first"');
    expect((await invokeOnce(cjs, 'index.callbackThenThrow')).post).toMatchObject({ kind: 'response', body: '"from callback"' });
  });

  it('posts null for undefined, and for a sync handler that never calls back', async () => {
    expect((await invokeOnce(cjs, 'index.returnsUndefined')).post.body).toBe('null');
    expect((await invokeOnce(cjs, 'index.syncNoCallback')).post).toMatchObject({ kind: 'response', body: 'null' });
  });

  it('loads ESM (.js under type module, with top-level await; .mjs), extensionless, .cjs, sub-directories and dotted exports', async () => {
    expect(JSON.parse((await invokeOnce(esm, 'index.handler', '{"a":1}')).post.body)).toEqual({
      format: 'esm-js', loadedAt: 'top-level await done', event: { a: 1 }, requestId: 'req-1',
    });
    expect(JSON.parse((await invokeOnce(esm, 'app.handler', '7')).post.body)).toEqual({ format: 'mjs', event: 7 });
    expect((await invokeOnce(esm, 'app.callback')).post.body).toBe('"mjs callback"');
    expect((await invokeOnce(esm, 'index.fromDefault')).post.body).toBe('"found on the default export"');
    expect((await invokeOnce(cjs, 'plain.handler')).post.body).toBe('"extensionless"');
    expect((await invokeOnce(cjs, 'other.handler')).post.body).toBe('"cjs extension"');
    expect((await invokeOnce(cjs, 'nested/deep/file.handler')).post.body).toBe('"from a sub-directory"');
    expect((await invokeOnce(cjs, 'index.nested.deeper.handler')).post.body).toBe('"nested export"');
  });
});

describe('invocation errors', () => {
  function expectError(post: { kind: string; headers: Record<string, unknown>; body: string }, errorType: string, errorMessage: string): string[] {
    expect(post.kind).toBe('error');
    expect(post.headers['lambda-runtime-function-error-type']).toBe(errorType);
    expect(post.headers['content-type']).toBe('application/json');
    const body = JSON.parse(post.body) as { errorType: string; errorMessage: string; trace: string[] };
    expect(Object.keys(body)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(body).toMatchObject({ errorType, errorMessage });
    return body.trace;
  }

  it('reports a rejected promise with name, message and stack lines', async () => {
    const { post } = await invokeOnce(cjs, 'index.asyncReject');
    const trace = expectError(post, 'RangeError', 'out of range');
    expect(trace[0]).toBe('RangeError: out of range');
    const xray = JSON.parse(String(post.headers['lambda-runtime-function-xray-error-cause'])) as { exceptions: Array<{ type: string; message: string }> };
    expect(xray.exceptions[0]).toMatchObject({ type: 'RangeError', message: 'out of range' });
    expect(trace[1]).toMatch(/^ {4}at .*index\.js:\d+:\d+/);
  });

  it('reports a synchronous throw and callback(error)', async () => {
    const trace = expectError((await invokeOnce(cjs, 'index.syncThrow')).post, 'ValidationError', 'bad input');
    expect(trace[0]).toBe('ValidationError: bad input');
    expectError((await invokeOnce(cjs, 'index.callbackError')).post, 'TypeError', 'wrong type of thing');
  });

  it('reports non-Error throwables like the official client', async () => {
    expect(JSON.parse((await invokeOnce(cjs, 'index.throwString')).post.body)).toEqual({ errorType: 'string', errorMessage: 'just a string', trace: [] });
    expect(JSON.parse((await invokeOnce(cjs, 'index.contextFail')).post.body)).toEqual({ errorType: 'string', errorMessage: 'handled', trace: [] });
  });

  it('reports an unserialisable result, a never-settling async handler and a malformed event', async () => {
    expectError((await invokeOnce(cjs, 'index.circular')).post, 'Runtime.JSONStringifyError', 'Unable to stringify response body');
    expect(JSON.parse((await invokeOnce(cjs, 'index.asyncNeverSettles')).post.body).errorType).toBe('Runtime.NodeJsExit');
    expect(JSON.parse((await invokeOnce(cjs, 'index.asyncEcho', 'not json')).post.body).errorType).toBe('SyntaxError');
  });

  it('logs "Invoke Error" with the error as JSON', async () => {
    const { ric } = await invokeOnce(cjs, 'index.asyncReject');
    const line = (await stdoutAfterStop(ric)).split('\n').find((l) => l.includes('Invoke Error'));
    expect(line).toMatch(new RegExp(`^${ISO}\treq-1\tERROR\tInvoke Error \t\\{"errorType":"RangeError","errorMessage":"out of range","stack":\\["RangeError: out of range",`));
  });

  it('reports an uncaught exception for the invoke in flight and exits 129', async () => {
    const { post, ric } = await invokeOnce(cjs, 'index.uncaught');
    expect(post).toMatchObject({ kind: 'error', requestId: 'req-1' });
    expect(JSON.parse(post.body)).toMatchObject({ errorType: 'Error', errorMessage: 'thrown from a timer' });
    expect((await ric.exited).code).toBe(129);
  });

  it('reports an unhandled rejection as Runtime.UnhandledPromiseRejection and exits 128', async () => {
    const { post, ric } = await invokeOnce(cjs, 'index.unhandled');
    expect(post.headers['lambda-runtime-function-error-type']).toBe('Runtime.UnhandledPromiseRejection');
    expect(JSON.parse(post.body)).toMatchObject({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'Error: nobody catches me' });
    expect((await ric.exited).code).toBe(128);
  });
});

describe('init errors', () => {
  async function initError(taskRoot: string, handler: string) {
    const { api, ric } = await run(taskRoot, handler);
    const post = await api.nextPost();
    const { code } = await ric.exited;
    expect(code).toBe(1);
    expect(api.nextCalls).toBe(0);
    expect(post.kind).toBe('init-error');
    const body = JSON.parse(post.body) as { errorType: string; errorMessage: string; trace: string[] };
    expect(post.headers['lambda-runtime-function-error-type']).toBe(body.errorType);
    return { body, stdout: ric.stdout() };
  }

  it('Runtime.ImportModuleError for a missing module', async () => {
    const { body, stdout } = await initError(cjs, 'nope.handler');
    expect(body.errorType).toBe('Runtime.ImportModuleError');
    expect(body.errorMessage).toMatch(/^Error: Cannot find module 'nope'\nRequire stack:\n- /);
    expect(body.trace[0]).toBe("Runtime.ImportModuleError: Error: Cannot find module 'nope'");
    expect(stdout).toMatch(new RegExp(`^${ISO}\tundefined\tERROR\tUncaught Exception \t\\{"errorType":"Runtime.ImportModuleError"`, 'm'));
  });

  it('a plain Error (not ImportModuleError) for a package an ES module cannot import, as in AWS', async () => {
    const { body } = await initError(esm, 'missing-dependency.handler');
    expect(body.errorType).toBe('Error');
    expect(body.errorMessage).toMatch(/^Cannot find package 'no-such-package-anywhere' imported from .*missing-dependency\.mjs$/);
    expect(body.trace[0]).toMatch(/^Error \[ERR_MODULE_NOT_FOUND\]: Cannot find package/);
  });

  it('Runtime.HandlerNotFound for a missing export or one that is not a function', async () => {
    expect((await initError(cjs, 'index.nope')).body).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.nope is undefined or not exported' });
    expect((await initError(cjs, 'index.notAFunction')).body).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.notAFunction is not a function' });
  });

  it('Runtime.UserCodeSyntaxError for a syntax error', async () => {
    const { body } = await initError(`${handlersDir}/syntax`, 'index.handler');
    expect(body.errorType).toBe('Runtime.UserCodeSyntaxError');
    expect(body.errorMessage).toMatch(/^SyntaxError: /);
    expect(body.trace.join('\n')).toContain('syntax/index.js:2');
  });

  it('Runtime.MalformedHandlerName for ".." or a handler without a dot', async () => {
    expect((await initError(cjs, '../cjs/index.asyncEcho')).body).toMatchObject({
      errorType: 'Runtime.MalformedHandlerName',
      errorMessage: "'../cjs/index.asyncEcho' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    });
    expect((await initError(cjs, 'index')).body).toMatchObject({ errorType: 'Runtime.MalformedHandlerName', errorMessage: 'Bad handler' });
  });

  it('passes an error thrown by the module top level through unchanged', async () => {
    expect((await initError(`${handlersDir}/init-crash`, 'index.handler')).body).toMatchObject({ errorType: 'Error', errorMessage: 'init failed on purpose' });
  });
});

describe('context', () => {
  it('carries the environment, the /next headers and the remaining time', async () => {
    const { api } = await run(cjs, 'index.context');
    const deadlineMs = Date.now() + 1_000_000_000;
    const before = Date.now();
    api.enqueue({
      requestId: 'req-ctx',
      deadlineMs,
      clientContext: '{"client":{"installation_id":"i-1"},"custom":{"k":"v"},"env":{"platform":"test"}}',
      cognitoIdentity: '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}',
      tenantId: 'tenant-7',
    });
    const post = await api.nextPost();
    const after = Date.now();
    const context = JSON.parse(post.body) as Record<string, unknown> & { remaining: number };
    expect(context).toMatchObject({
      functionName: 'ric-test',
      functionVersion: '$LATEST',
      invokedFunctionArn: FUNCTION_ARN,
      memoryLimitInMB: '256',
      awsRequestId: 'req-ctx',
      logGroupName: '/aws/lambda/ric-test',
      logStreamName: '2024/01/01/[$LATEST]0123456789abcdef',
      identity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' },
      clientContext: { client: { installation_id: 'i-1' }, custom: { k: 'v' }, env: { platform: 'test' } },
      tenantId: 'tenant-7',
      callbackWaitsForEmptyEventLoop: true,
      typeofDone: 'function',
    });
    expect(context.remaining).toBeLessThanOrEqual(deadlineMs - before);
    expect(context.remaining).toBeGreaterThanOrEqual(deadlineMs - after);
  });

  it('leaves identity and clientContext undefined without headers', async () => {
    const context = JSON.parse((await invokeOnce(cjs, 'index.context')).post.body) as Record<string, unknown>;
    expect(context).toMatchObject({ identity: null, clientContext: null, tenantId: null });
  });

  it('sets _X_AMZN_TRACE_ID per invoke and removes it when absent', async () => {
    const { api } = await run(cjs, 'index.traceId');
    const traceId = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    api.enqueue({ requestId: 'a', traceId }, { requestId: 'b' });
    expect((await api.nextPost()).body).toBe(JSON.stringify(traceId));
    expect((await api.nextPost()).body).toBe('null');
  });
});

describe('logs', () => {
  it('writes Text lines: time, request id, level, util.format message with \\n as \\r', async () => {
    const { ric } = await invokeOnce(cjs, 'index.logs');
    const lines = (await stdoutAfterStop(ric)).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toMatch(new RegExp(`^${ISO}\tundefined\tINFO\tinit line from cjs/index.js$`));
    expect(lines[1]).toMatch(new RegExp(`^${ISO}\treq-1\tINFO\thello world 42$`));
    expect(lines[2]).toMatch(new RegExp(`^${ISO}\treq-1\tINFO\ttwo\rlines$`));
    expect(lines[3]).toMatch(new RegExp(`^${ISO}\treq-1\tWARN\twarned$`));
    expect(lines[4]).toMatch(new RegExp(`^${ISO}\treq-1\tERROR\tfailed Error: shown\r    at `));
    expect(lines[5]).toMatch(new RegExp(`^${ISO}\treq-1\tDEBUG\tdebugged$`));
    expect(lines[6]).toMatch(new RegExp(`^${ISO}\treq-1\tTRACE\ttraced$`));
    expect(lines).toHaveLength(8);
  });

  it('writes JSON lines and honours AWS_LAMBDA_LOG_LEVEL', async () => {
    const { api, ric } = await run(cjs, 'index.logs', { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' });
    api.enqueue({ requestId: 'req-j' });
    await api.nextPost();
    const lines = (await stdoutAfterStop(ric)).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({ timestamp: expect.stringMatching(new RegExp(`^${ISO}$`)), level: 'WARN', requestId: 'req-j', message: 'warned' });
    expect(lines[1]).toMatchObject({ level: 'ERROR', requestId: 'req-j', errorType: 'Error', errorMessage: 'shown' });
    expect(lines[1]?.['message']).toMatch(/^failed Error: shown\n/);
  });
});
