import { afterEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { Platform } from '../../src/platform/platform.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

function start(...fns: ReturnType<typeof bootstrapFunction>[]): Platform {
  platform = new Platform({ functions: fns, shutdownGraceMs: 200 });
  return platform;
}

function body(outcome: InvokeOutcome): string {
  if (outcome.result.kind === 'response') return outcome.result.payload.toString();
  if (outcome.result.kind === 'function-error') return outcome.result.error.payload.toString();
  throw new Error('stream');
}

describe('Platform with a custom runtime', () => {
  it('answers, reuses the warm environment, and writes START/END/REPORT', async () => {
    const p = start(bootstrapFunction('echo'));
    const first = await p.invoke(invokeRequest('echo', { echo: { a: 1 }, log: 'hello from the function' }));
    expect(first.result.kind).toBe('response');
    expect(body(first)).toBe('{"a":1}');
    const log = first.logs();
    expect(log).toMatch(new RegExp(`^START RequestId: ${first.requestId} Version: \\$LATEST\nhello from the function\nEND RequestId: ${first.requestId}\nREPORT RequestId: ${first.requestId}\tDuration: \\d+\\.\\d\\d ms\tBilled Duration: \\d+ ms\tMemory Size: 128 MB\tMax Memory Used: \\d+ MB\tInit Duration: \\d+\\.\\d\\d ms\n$`));
    const second = await p.invoke(invokeRequest('echo', { echo: 2 }));
    expect(body(second)).toBe('2');
    expect(second.logs()).not.toContain('Init Duration');
    expect(p.pool('echo')?.size).toBe(1);
  });

  it('passes the /next headers that docs/runtime-api.md lists', async () => {
    const p = start(bootstrapFunction('echo'));
    const before = Date.now();
    const outcome = await p.invoke(invokeRequest('echo', { headers: true }, { clientContext: '{"custom":{"k":"v"}}', traceId: 'Root=1-abc;Parent=def;Sampled=1', tenantId: 'tenant-1' }));
    const headers = JSON.parse(body(outcome)) as Record<string, string>;
    expect(headers['lambda-runtime-aws-request-id']).toBe(outcome.requestId);
    expect(Number(headers['lambda-runtime-deadline-ms'])).toBeGreaterThanOrEqual(before + 3000);
    expect(headers['lambda-runtime-invoked-function-arn']).toBe('arn:aws:lambda:us-east-1:000000000000:function:echo');
    expect(headers['lambda-runtime-trace-id']).toBe('Root=1-abc;Parent=def;Sampled=1');
    expect(headers['lambda-runtime-client-context']).toBe('{"custom":{"k":"v"}}');
    expect(headers['lambda-runtime-aws-tenant-id']).toBe('tenant-1');
    expect(headers['lambda-runtime-cognito-identity']).toBeUndefined();
    expect(headers['content-type']).toBe('application/json');
  });

  it('gives the runtime the Lambda environment and nothing of the host', async () => {
    const fn = bootstrapFunction('echo', { memorySize: 512, environment: { MY_SETTING: 'on' } });
    const p = start(fn);
    const outcome = await p.invoke(invokeRequest('echo', { env: true }));
    const { env, cwd } = JSON.parse(body(outcome)) as { env: Record<string, string>; cwd: string };
    expect(cwd).toBe(fn.codeDir);
    expect(env).toMatchObject({
      _HANDLER: 'function.handler',
      LAMBDA_TASK_ROOT: fn.codeDir,
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      AWS_LAMBDA_FUNCTION_NAME: 'echo',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/echo',
      AWS_LAMBDA_LOG_FORMAT: 'Text',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_provided.al2023',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      MY_SETTING: 'on',
    });
    expect(env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(env.PATH?.startsWith('/usr/local/bin:/usr/bin/:/bin:/opt/bin')).toBe(true);
    expect(env.LD_LIBRARY_PATH).toContain('/var/task');
    expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(env.HOME).toBeUndefined();
  });

  it('reports function errors with the validated type', async () => {
    const p = start(bootstrapFunction('echo'));
    const outcome = await p.invoke(invokeRequest('echo', { fail: 'nope' }));
    expect(outcome.result.kind).toBe('function-error');
    if (outcome.result.kind !== 'function-error') return;
    expect(outcome.result.error.errorType).toBe('Function.Failed');
    expect(JSON.parse(body(outcome))).toEqual({ errorType: 'Failed', errorMessage: 'nope' });
    expect(outcome.logs()).toContain('\tStatus: error\tError Type: Function.Failed');
    const bad = await p.invoke(invokeRequest('echo', { fail: 'x', errorType: 'not valid' }));
    expect(bad.result.kind === 'function-error' && bad.result.error.errorType).toBe('Runtime.Unknown');
  });

  it('times out, kills the environment, and recovers with a fresh one', async () => {
    const p = start(bootstrapFunction('echo', { timeout: 1 }));
    const outcome = await p.invoke(invokeRequest('echo', { sleepMs: 5000 }));
    expect(JSON.parse(body(outcome))).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${outcome.requestId} Error: Task timed out after 1.00 seconds`,
    });
    expect(outcome.logs()).toContain('Task timed out after 1.00 seconds');
    expect(outcome.logs()).toContain('\tStatus: timeout');
    const next = await p.invoke(invokeRequest('echo', { echo: 'ok' }));
    expect(body(next)).toBe('"ok"');
    expect(next.logs()).toContain('Init Duration');
  });

  it('reports a crash as Runtime.ExitError and recovers', async () => {
    const p = start(bootstrapFunction('echo'));
    const outcome = await p.invoke(invokeRequest('echo', { exit: 7 }));
    expect(JSON.parse(body(outcome))).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${outcome.requestId} Error: Runtime exited with error: exit status 7`,
    });
    expect(body(await p.invoke(invokeRequest('echo', { echo: 1 })))).toBe('1');
  });

  it('runs the next invocation elsewhere when the runtime dies right after answering', async () => {
    const p = start(bootstrapFunction('echo'));
    const last = await p.invoke(invokeRequest('echo', { answerThenExit: true }));
    expect(body(last)).toBe('"last words"');
    const next = await p.invoke(invokeRequest('echo', { echo: 'fine' }));
    expect(body(next)).toBe('"fine"');
    expect(next.logs()).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST\nEND/);
  });

  it('retries a failed init once inside the invoke and reports its error', async () => {
    const p = start(bootstrapFunction('bad-init', { environment: { ECHO_INIT_FAIL: '1' } }));
    const outcome = await p.invoke(invokeRequest('bad-init', {}));
    expect(outcome.result.kind === 'function-error' && outcome.result.error.errorType).toBe('Runtime.BadInit');
    expect(JSON.parse(body(outcome))).toEqual({ errorType: 'Runtime.BadInit', errorMessage: 'init failed on purpose' });
    const log = outcome.logs();
    expect(log).toContain('Phase: invoke\tStatus: error\tError Type: Runtime.BadInit');
  });

  it('reports a runtime that exits during init as Runtime.ExitError', async () => {
    const p = start(bootstrapFunction('exit-init', { environment: { ECHO_INIT_EXIT: '1' } }));
    const outcome = await p.invoke(invokeRequest('exit-init', {}));
    expect(JSON.parse(body(outcome))).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${outcome.requestId} Error: Runtime exited with error: exit status 3`,
    });
    // Lambda's order: the retried init's output and INIT_REPORT, then START, the error, END, REPORT.
    expect(outcome.logs()).toMatch(new RegExp(
      `^exiting during init\nINIT_REPORT Init Duration: [\\d.]+ ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError\n` +
      `START RequestId: ${outcome.requestId} Version: \\$LATEST\nRequestId: ${outcome.requestId} Error: Runtime exited with error: exit status 3\n` +
      `Runtime.ExitError\nEND RequestId: ${outcome.requestId}\nREPORT RequestId: ${outcome.requestId}\t`,
    ));
  });

  it('says "without providing a reason" for a runtime that exits cleanly mid-invoke', async () => {
    const p = start(bootstrapFunction('echo'));
    const outcome = await p.invoke(invokeRequest('echo', { exit: 0 }));
    expect(JSON.parse(body(outcome))).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${outcome.requestId} Error: Runtime exited without providing a reason`,
    });
  });

  it('refuses a buffered response over 6,291,556 bytes with Function.ResponseSizeTooLarge', async () => {
    const p = start(bootstrapFunction('echo'));
    const outcome = await p.invoke(invokeRequest('echo', { big: 6_291_556 }));
    expect(outcome.result.kind === 'function-error' && outcome.result.error.errorType).toBe('Function.ResponseSizeTooLarge');
    // exactly at the limit passes: 6,291,554 characters plus two quotes
    const ok = await p.invoke(invokeRequest('echo', { big: 6_291_554 }));
    expect(ok.result.kind).toBe('response');
  });

  it('relays a streamed response chunk by chunk and reports trailer errors', async () => {
    const p = start(bootstrapFunction('echo'));
    const outcome = await p.invoke(invokeRequest('echo', { stream: ['a', 'b', 'c'], delayMs: 50 }));
    expect(outcome.result.kind).toBe('stream');
    if (outcome.result.kind !== 'stream') return;
    const chunks: string[] = [];
    for await (const chunk of outcome.result.stream.body) chunks.push(String(chunk));
    expect(chunks.join('')).toBe('abc');
    expect(chunks.length).toBeGreaterThan(1);
    expect(await outcome.result.stream.completion).toBeUndefined();
    const broken = await p.invoke(invokeRequest('echo', { stream: ['x'], streamError: true }));
    if (broken.result.kind !== 'stream') throw new Error('expected a stream');
    broken.result.stream.body.resume();
    const error = await broken.result.stream.completion;
    expect(error?.errorType).toBe('Function.StreamBroke');
  });

  it('spreads concurrent invokes over environments and throttles past reserved concurrency', async () => {
    const p = start(bootstrapFunction('echo', { reservedConcurrency: 2 }));
    const a = p.invoke(invokeRequest('echo', { sleepMs: 300, echo: 'a' }));
    const b = p.invoke(invokeRequest('echo', { sleepMs: 300, echo: 'b' }));
    let thrown: unknown;
    try {
      await p.invoke(invokeRequest('echo', { echo: 'c' }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ServiceError);
    expect((thrown as ServiceError).reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect((thrown as ServiceError).spec.status).toBe(429);
    expect([body(await a), body(await b)]).toEqual(['"a"', '"b"']);
    expect(p.pool('echo')?.size).toBe(2);
  });

  it('answers every invocation of callers that invoke again as soon as they hear back', async () => {
    // Regression: an early answer made the environment idle and handed it the next waiting
    // invocation; a later "idle" step then hid that invocation, which was never answered.
    const p = start(bootstrapFunction('echo'));
    const caller = async (name: string): Promise<string[]> => {
      const answers: string[] = [];
      for (let i = 0; i < 25; i += 1) {
        const outcome = await Promise.race([
          p.invoke(invokeRequest('echo', { echo: `${name}${i}` }, { tailLogs: false })), // no tail: the early answer
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name}${i} was never answered`)), 10_000)),
        ]);
        answers.push(JSON.parse(body(outcome)) as string);
      }
      return answers;
    };
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const all = await Promise.all(names.map(caller));
    expect(all).toEqual(names.map((name) => Array.from({ length: 25 }, (_, i) => `${name}${i}`)));
  });

  it('answers 404 for an unknown function or qualifier', () => {
    const p = start(bootstrapFunction('echo'));
    expect(() => p.accept(invokeRequest('nope', {}, { invocationType: 'DryRun' }))).toThrow('Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope');
    expect(() => p.accept(invokeRequest('echo', {}, { invocationType: 'DryRun', qualifier: '7' }))).toThrow('function:echo:7');
  });
});
