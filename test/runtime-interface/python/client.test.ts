/**
 * Lamina's Python runtime interface client (runtime-interface/python/) run by the machine's
 * python3.11 against the fake Runtime API of the Node client's tests: what it posts and logs.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FUNCTION_ARN } from '../harness.js';
import { HANDLERS, ISO, PYTHON, pythonRic } from './python-ric.js';

const { start, logOf, invoke } = pythonRic();

describe.skipIf(!existsSync(PYTHON))('python runtime interface client', () => {
  it('answers a dict with the context of the invocation, and stays warm', async () => {
    const { api, ric } = await start('echo.lambda_handler');
    const deadline = Date.now() + 60_000;
    api.enqueue(
      {
        requestId: 'req-1', body: '{"n": 1}', deadlineMs: deadline, traceId: 'Root=1-abc',
        clientContext: JSON.stringify({ client: { installation_id: 'inst' }, custom: { k: 'v' }, env: { e: 1 } }),
        cognitoIdentity: JSON.stringify({ cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' }),
        tenantId: 'tenant-9',
      },
      { requestId: 'req-2', body: '[2]' },
    );
    const first = await api.nextPost();
    expect(first).toMatchObject({ kind: 'response', requestId: 'req-1' });
    const result = JSON.parse(first.body) as Record<string, unknown>;
    expect(result).toMatchObject({
      event: { n: 1 }, count: 1, function_name: 'py-test', function_version: '$LATEST', invoked_function_arn: FUNCTION_ARN,
      memory_limit_in_mb: '256', aws_request_id: 'req-1', log_group_name: '/aws/lambda/py-test',
      log_stream_name: '2026/11/29/[$LATEST]0123', identity: ['id-1', 'pool-1'],
      client_context: { installation_id: 'inst', custom: { k: 'v' }, env: { e: 1 } }, tenant_id: 'tenant-9', trace: 'Root=1-abc',
      sys_path: [HANDLERS, '/opt/python/lib/python3.11/site-packages', '/opt/python'],
    });
    expect(result.remaining).toBeGreaterThan(50_000);
    expect(result.remaining).toBeLessThanOrEqual(60_000);
    const second = JSON.parse((await api.nextPost()).body) as Record<string, unknown>;
    expect(second).toMatchObject({ event: [2], count: 2, client_context: null, tenant_id: null, trace: null, identity: [null, null] });
    expect(ric.child.exitCode).toBeNull();
    expect(api.nextSockets.size).toBe(1);
  });

  it('resolves dotted packages and dir/file handlers', async () => {
    expect(JSON.parse((await invoke('app.handlers.main.handler')).post.body)).toEqual({ dotted: true, helper: 42 });
    expect((await invoke('nested/file.handler')).post.body).toBe('"nested"');
    expect((await invoke('echo.returns_none')).post.body).toBe('null');
  });

  it('answers a raised exception with the error JSON and logs it, then takes the next event', async () => {
    const { api, ric, post } = await invoke('echo.raises', '"x"');
    expect(post.kind).toBe('error');
    expect(post.headers['lambda-runtime-function-error-type']).toBe('ValueError');
    const error = JSON.parse(post.body) as { errorMessage: string; errorType: string; requestId: string; stackTrace: string[] };
    expect(error).toMatchObject({ errorMessage: 'boom: x', errorType: 'ValueError', requestId: 'req-1' });
    expect(error.stackTrace).toHaveLength(2);
    expect(error.stackTrace[1]).toMatch(/^ {2}File ".*echo\.py", line \d+, in inner\n {4}raise ValueError/);
    expect(error.stackTrace.join('')).not.toContain('lamina_ric');
    api.enqueue({ requestId: 'req-2', body: '1' });
    expect(await api.nextPost()).toMatchObject({ kind: 'error', requestId: 'req-2' });
    // Lambda indents the traceback's lines with no-break spaces.
    expect(await logOf(ric)).toMatch(/^\[ERROR\] ValueError: boom: x\rTraceback \(most recent call last\):\r\u00a0{2}File "[^"]*echo\.py", line \d+, in raises\r\u00a0{4}inner\(\)\r/m);
  });

  it('answers Runtime.MarshalError for a result JSON cannot hold', async () => {
    const { post } = await invoke('echo.not_serialisable');
    expect(JSON.parse(post.body)).toEqual({ errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable', errorType: 'Runtime.MarshalError', requestId: 'req-1', stackTrace: [] });
  });

  it.each([
    ['import_bad.handler', 'Runtime.ImportModuleError', "Unable to import module 'import_bad': No module named 'lamina_no_such_module'"],
    ['echo.missing', 'Runtime.HandlerNotFound', "Handler 'missing' missing on module 'echo'"],
    ['syntax_bad.handler', 'Runtime.UserCodeSyntaxError', "Syntax error in module 'syntax_bad': expected ':' (syntax_bad.py, line 1)"],
    ['nodot', 'Runtime.MalformedHandlerName', "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)"],
    ['init_raises.handler', 'KeyError', "'LAMINA_NO_SUCH_VARIABLE'"],
  ])('fails init of %s with %s via /init/error and exits', async (handler, type, message) => {
    const { api, ric } = await start(handler);
    const post = await api.nextPost();
    expect(post.kind).toBe('init-error');
    expect(post.headers['lambda-runtime-function-error-type']).toBe(type);
    expect(JSON.parse(post.body)).toMatchObject({ errorType: type, errorMessage: message });
    expect((await ric.exited).code).toBe(1);
    expect(ric.stdout()).toContain(`[ERROR] ${type}: ${message}`);
    expect(api.nextCalls).toBe(0);
  });

  it('writes print and logging into the log in the Text format', async () => {
    const { ric, post } = await invoke('echo.logs', '"e"');
    expect(post.body).toBe('"ok"');
    const lines = (await logOf(ric)).split('\n');
    expect(lines).toContain('printed e');
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^\\[INFO\\]\\t${ISO}\\treq-1\\tinfo line$`)),
      expect.stringMatching(new RegExp(`^\\[WARNING\\]\\t${ISO}\\treq-1\\ttwo\\rlines$`)),
      expect.stringMatching(new RegExp(`^\\[ERROR\\]\\t${ISO}\\treq-1\\twith extra$`)),
      expect.stringMatching(new RegExp(`^\\[ERROR\\]\\t${ISO}\\treq-1\\tcaught\\rTraceback \\(most recent call last\\):\\r.*KeyError: 'k'$`, 's')),
    ]));
  });

  it('writes logging records as JSON objects with AWS_LAMBDA_LOG_FORMAT=JSON', async () => {
    const { ric } = await invoke('echo.logs', '"e"', { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'ERROR' });
    const records = (await logOf(ric)).split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    // The handler lowers the root level to INFO itself, so its info line shows too.
    expect(records.map((record) => record.message)).toEqual(['info line', 'two\nlines', 'with extra', 'caught']);
    expect(records[2]).toMatchObject({ level: 'ERROR', logger: 'named', requestId: 'req-1', order: 7 });
    expect(records[3]).toMatchObject({ errorType: 'KeyError', errorMessage: "'k'" });
    expect(String(records[0]?.timestamp)).toMatch(new RegExp(`^${ISO}$`));
  });

  it.each([
    [{ AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'ERROR' }, ['error line']],
    [{ AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'DEBUG' }, ['debug line', 'info line', 'error line']],
    [{ AWS_LAMBDA_LOG_FORMAT: 'JSON' }, ['info line', 'error line']],
  ])('keeps the records at or above the level with %o', async (env, messages) => {
    const { ric } = await invoke('echo.level_logs', '{}', env);
    const records = (await logOf(ric)).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => record.message)).toEqual(messages);
  });

  it('keeps Python\'s default WARNING level in the Text format', async () => {
    const { ric } = await invoke('echo.level_logs');
    expect((await logOf(ric)).trim()).toMatch(new RegExp(`^\\[ERROR\\]\\t${ISO}\\treq-1\\terror line$`));
  });

  it('logs an invoke error as one JSON record in the JSON format', async () => {
    const { ric } = await invoke('echo.raises', '"x"', { AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    const record = JSON.parse((await logOf(ric)).trim()) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'ERROR', errorType: 'ValueError', errorMessage: 'boom: x', requestId: 'req-1' });
  });
});
