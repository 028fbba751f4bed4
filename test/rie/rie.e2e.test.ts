/**
 * `lamina rie` end to end: the real platform, front door and bootstrap processes, called over HTTP
 * on RIE's single-function path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { halfClosedCall } from '../helpers/half-closed-call.js';
import { BOOTSTRAP, FIXTURE_DIR, RIC_ENTRY, RIC_TASK, eventually, freePort, hostEnv, invoke, start, type StartedRie } from './helpers.js';

interface Echo {
  event: Record<string, unknown>;
  pid: number;
  runtimeApi: string;
  handler: string;
  cwd: string;
  taskRoot: string;
  argv: string[];
  functionArn: string;
  env: Record<string, string | null>;
}

const running: StartedRie[] = [];
async function rie(...args: Parameters<typeof start>): Promise<StartedRie> {
  const started = await start(...args);
  running.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((started) => started.rie.stop()));
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('lamina rie: the single-function path', () => {
  it('answers the default path with the function payload and prints the log like RIE', async () => {
    const runtimePort = await freePort();
    const { rie: r, output } = await rie({ runtimeApiAddress: { host: '127.0.0.1', port: runtimePort } });
    expect(r.invokeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/2015-03-31\/functions\/function\/invocations$/);
    const answer = await invoke(r.invokeUrl, { hello: 'world' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-amz-function-error')).toBeNull();
    const echo = answer.json<Echo>();
    expect(echo.event).toEqual({ hello: 'world' });
    // The first environment's Runtime API is on --runtime-api-address's port.
    expect(echo.runtimeApi).toBe(`127.0.0.1:${runtimePort}`);
    expect(r.runtimeApi).toBe(`127.0.0.1:${runtimePort}`);
    // Default name test_function; RIE's ARN account.
    expect(echo.functionArn).toBe('arn:aws:lambda:us-east-1:012345678912:function:test_function');
    expect(echo.cwd).toBe(process.cwd());
    const log = output.join('');
    expect(log).toMatch(/^START RequestId: [0-9a-f-]+ Version: \$LATEST$/m);
    expect(log).toMatch(/^END RequestId: /m);
    expect(log).toMatch(/^REPORT RequestId: .*\tMemory Size: 3008 MB/m);
    expect(log).not.toContain('[test_function]');
  });

  it('also answers under AWS_LAMBDA_FUNCTION_NAME, and 404 for another name', async () => {
    const { rie: r } = await rie({ env: hostEnv({ AWS_LAMBDA_FUNCTION_NAME: 'my-fn' }) });
    const byName = await invoke(`${r.url}/2015-03-31/functions/my-fn/invocations`, { n: 1 });
    expect(byName.status).toBe(200);
    expect(byName.json<Echo>().functionArn).toBe('arn:aws:lambda:us-east-1:012345678912:function:my-fn');
    const other = await invoke(`${r.url}/2015-03-31/functions/other/invocations`, {});
    expect(other.status).toBe(404);
    expect(other.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });

  it('forwards the host environment: _HANDLER and other variables reach the bootstrap', async () => {
    const { rie: r } = await rie({
      env: hostEnv({ _HANDLER: 'app.handler', MY_SETTING: 'forwarded-value', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' }),
    });
    const echo = (await invoke(r.invokeUrl, { env: ['MY_SETTING', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_NAME'] })).json<Echo>();
    expect(echo.handler).toBe('app.handler');
    expect(echo.env).toEqual({ MY_SETTING: 'forwarded-value', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512', AWS_LAMBDA_FUNCTION_NAME: 'test_function' });
  });

  it('takes the last of two or more bootstrap words as the handler, like RIE', async () => {
    const { rie: r } = await rie({ bootstrap: ['node', BOOTSTRAP, 'index.fromArgs'], env: hostEnv({ _HANDLER: 'ignored.handler' }) });
    const echo = (await invoke(r.invokeUrl, {})).json<Echo>();
    expect(echo.handler).toBe('index.fromArgs');
    expect(echo.argv).toEqual(['index.fromArgs']);
  });
});

describe('lamina rie: what AWS RIE gets wrong', () => {
  it('answers clients that half-close their socket after the request (buffered and Event)', async () => {
    const { rie: r } = await rie();
    for (let round = 0; round < 10; round += 1) {
      const answer = await halfClosedCall(r.address.port, '/2015-03-31/functions/function/invocations', JSON.stringify({ round }));
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer).toContain(`"event":{"round":${round}}`);
      const event = await halfClosedCall(r.address.port, '/2015-03-31/functions/function/invocations', '{}', { 'X-Amz-Invocation-Type': 'Event' });
      expect(event).toMatch(/^HTTP\/1\.1 202 Accepted\r\n/);
    }
  });

  it('runs 5 concurrent slow invokes in several bootstrap copies', async () => {
    const runtimePort = await freePort();
    const { rie: r } = await rie({ runtimeApiAddress: { host: '127.0.0.1', port: runtimePort } });
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => invoke(r.invokeUrl, { n, sleepMs: 800 })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const echoes = answers.map((a) => a.json<Echo>());
    expect(echoes.map((e) => e.event.n)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(echoes.map((e) => e.pid)).size).toBe(5);
    const apis = new Set(echoes.map((e) => e.runtimeApi));
    expect(apis.size).toBe(5);
    expect(apis.has(`127.0.0.1:${runtimePort}`)).toBe(true);
    // Warm copies are reused afterwards.
    const again = (await invoke(r.invokeUrl, { n: 6 })).json<Echo>();
    expect(echoes.map((e) => e.pid)).toContain(again.pid);
  });

  it('answers 429 TooManyRequestsException past --max-concurrency', async () => {
    const { rie: r } = await rie({ maxConcurrency: 2 });
    const answers = await Promise.all([1, 2, 3].map((n) => invoke(r.invokeUrl, { n, sleepMs: 1000 })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const throttled = answers.find((a) => a.status === 429);
    expect(throttled?.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
    expect(throttled?.json()).toMatchObject({ Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User' });
  });

  it('marks a function error with X-Amz-Function-Error: Unhandled', async () => {
    const { rie: r } = await rie();
    const answer = await invoke(r.invokeUrl, { fail: 'it broke' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(answer.json()).toEqual({ errorType: 'Failed', errorMessage: 'it broke' });
  });

  it("answers a timeout with AWS's RIE's plain text, kills the copy, and the next invoke works", async () => {
    const { rie: r, output } = await rie({ env: hostEnv({ AWS_LAMBDA_FUNCTION_TIMEOUT: '1' }) });
    const first = (await invoke(r.invokeUrl, { warm: true })).json<Echo>();
    const started = Date.now();
    const answer = await invoke(r.invokeUrl, { sleepMs: 5000 });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(answer.text).toBe('Task timed out after 1.00 seconds');
    await eventually(() => !alive(first.pid));
    const next = await invoke(r.invokeUrl, { after: 'timeout' });
    expect(next.status).toBe(200);
    expect(next.headers.get('x-amz-function-error')).toBeNull();
    expect(next.json<Echo>().pid).not.toBe(first.pid);
    expect(output.join('')).toMatch(/Status: timeout/);
  });

  it("in the emulator's concurrency mode (AWS_LAMBDA_MAX_CONCURRENCY set, or --max-concurrency) answers a timeout with its error object", async () => {
    const { rie: byEnv } = await rie({ env: hostEnv({ AWS_LAMBDA_FUNCTION_TIMEOUT: '1', AWS_LAMBDA_MAX_CONCURRENCY: '2' }) });
    const { rie: byFlag } = await rie({ env: hostEnv({ AWS_LAMBDA_FUNCTION_TIMEOUT: '1' }), maxConcurrency: 3, concurrencyMode: true });
    for (const r of [byEnv, byFlag]) {
      const answer = await invoke(r.invokeUrl, { sleepMs: 5000 });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(answer.text).toBe('{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 1.00 seconds"}');
    }
    // The variable is the emulator's worker count too: a third concurrent invoke is refused.
    const slow = [invoke(byEnv.invokeUrl, { sleepMs: 300 }), invoke(byEnv.invokeUrl, { sleepMs: 300 }), invoke(byEnv.invokeUrl, { sleepMs: 300 })];
    expect((await Promise.all(slow)).map((answer) => answer.status).sort()).toEqual([200, 200, 429]);
  });

  it('reports a crash as Runtime.ExitError and replaces the copy', async () => {
    const { rie: r } = await rie();
    const answer = await invoke(r.invokeUrl, { exit: 3 });
    expect(answer.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(answer.json()).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect(answer.json<{ errorMessage: string }>().errorMessage).toMatch(/exit status 3/);
    expect((await invoke(r.invokeUrl, { ok: 1 })).status).toBe(200);
  });

  it('answers X-Amz-Invocation-Type: Event with 202 and runs the event in the background', async () => {
    const { rie: r, output } = await rie();
    const answer = await invoke(r.invokeUrl, { log: 'event-ran-here' }, { 'X-Amz-Invocation-Type': 'Event' });
    expect(answer.status).toBe(202);
    expect(answer.text).toBe('');
    await eventually(() => output.join('').includes('event-ran-here'));
  });
});

describe('lamina rie: the official Node.js runtime interface client', () => {
  it('runs aws-lambda-ric as the bootstrap, handler given as the last word like RIE', async () => {
    const { rie: r, output } = await rie({
      bootstrap: ['node', RIC_ENTRY, 'index.handler'],
      cwd: RIC_TASK,
      env: hostEnv({ LAMBDA_TASK_ROOT: RIC_TASK, AWS_LAMBDA_FUNCTION_TIMEOUT: '30' }),
    });
    const answer = await invoke(r.invokeUrl, { from: 'ric' });
    expect(answer.status).toBe(200);
    const body = answer.json<{ echo: unknown; functionName: string; handler: string; remainingMs: number; requestId: string }>();
    expect(body).toMatchObject({ echo: { from: 'ric' }, functionName: 'test_function', handler: 'index.handler' });
    expect(body.remainingMs).toBeGreaterThan(20_000);
    expect(output.join('')).toContain(`${body.requestId}\tINFO\thandled {"from":"ric"}`);
    const failed = await invoke(r.invokeUrl, { fail: 'bad input' });
    expect(failed.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(failed.json()).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input' });
  });

  it('uses LAMBDA_TASK_ROOT as the working directory when it is set', async () => {
    const { rie: r } = await rie({ env: hostEnv({ LAMBDA_TASK_ROOT: FIXTURE_DIR.replace(/\/$/, '') }) });
    const echo = (await invoke(r.invokeUrl, {})).json<Echo>();
    expect(echo.cwd).toBe(FIXTURE_DIR.replace(/\/$/, ''));
    expect(echo.taskRoot).toBe(FIXTURE_DIR.replace(/\/$/, ''));
  });
});
