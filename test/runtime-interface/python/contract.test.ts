/**
 * The finer points of Lambda's Python contract in Lamina's Python client: exact init error
 * objects, the warning before them, results (bytes, Decimal, non-ASCII), bad events and context
 * headers, `context.log`/`w3c()`, and `logging` imported late, in the Text and JSON formats.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HANDLERS, ISO, PYTHON, pythonRic } from './python-ric.js';

const { start, logOf, invoke } = pythonRic();

const records = (log: string): Array<Record<string, unknown>> =>
  log.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);

describe.skipIf(!existsSync(PYTHON))('python client: Lambda\'s contract in detail', () => {
  it.each([
    ['import_bad.handler', { errorType: 'Runtime.ImportModuleError', errorMessage: "Unable to import module 'import_bad': No module named 'lamina_no_such_module'", requestId: '', stackTrace: [] }],
    ['echo.missing', { errorType: 'Runtime.HandlerNotFound', errorMessage: "Handler 'missing' missing on module 'echo'", requestId: '', stackTrace: [] }],
    ['nested/nofile.handler', { errorType: 'Runtime.ImportModuleError', errorMessage: "Unable to import module 'nested/nofile': No module named 'nested.nofile'", requestId: '', stackTrace: [] }],
    ['sys.path.handler', { errorType: 'Runtime.BuiltInModuleConflict', errorMessage: 'Cannot use built-in module sys.path as a handler module', requestId: '', stackTrace: [] }],
    ['syntax_bad.handler', {
      errorType: 'Runtime.UserCodeSyntaxError', errorMessage: "Syntax error in module 'syntax_bad': expected ':' (syntax_bad.py, line 1)", requestId: '',
      stackTrace: [`  File "${HANDLERS}/syntax_bad.py" Line 1\n    def handler(event, context)\n`],
    }],
  ])('fails init of %s with exactly Lambda\'s error object', async (handler, error) => {
    const { api, ric } = await start(handler);
    const post = await api.nextPost();
    expect(post.kind).toBe('init-error');
    expect(JSON.parse(post.body)).toEqual(error);
    expect((await ric.exited).code).toBe(1);
  });

  it('logs Lambda\'s LAMBDA_WARNING, then the init error with the user\'s frames, in the Text format', async () => {
    const { api, ric } = await start('init_logs.handler');
    const error = JSON.parse((await api.nextPost()).body) as { errorType: string; errorMessage: string; stackTrace: string[] };
    expect(error).toMatchObject({ errorType: 'RuntimeError', errorMessage: 'init failed\nsecond line', requestId: '' });
    expect(error.stackTrace.at(-1)).toMatch(/^ {2}File ".*init_logs\.py", line \d+, in _fail\n {4}raise RuntimeError/);
    expect(error.stackTrace.join('')).not.toContain('lamina_ric');
    const lines = (await logOf(ric)).split('\n');
    expect(lines[0]).toMatch(new RegExp(`^\\[INFO\\]\\t${ISO}\\t\\tat init$`));
    expect(lines[1]).toMatch(new RegExp(`^\\[WARNING\\]\\t${ISO}\\t\\tLAMBDA_WARNING: Unhandled exception\\. The most likely cause is an issue in the function code\\. .*runtimes-update\\.html$`));
    expect(lines[2]).toMatch(/^\[ERROR\] RuntimeError: init failed\rsecond line\rTraceback \(most recent call last\):\r/);
  });

  it('logs the init warning and error as JSON records in the JSON format', async () => {
    const { api, ric } = await start('init_logs.handler', { AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    await api.nextPost();
    const [info, warning, error] = records(await logOf(ric));
    expect(info).toEqual({ timestamp: expect.stringMatching(new RegExp(`^${ISO}$`)), level: 'INFO', message: 'at init', logger: 'root', requestId: '' });
    expect(warning).toMatchObject({ level: 'WARNING', logger: 'root', message: expect.stringMatching(/^LAMBDA_WARNING: Unhandled exception\./) });
    // The error record is the error object with a timestamp (whole seconds) and a level.
    expect(Object.keys(error ?? {})).toEqual(['timestamp', 'level', 'errorMessage', 'errorType', 'requestId', 'stackTrace']);
    expect(error).toMatchObject({ timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/), level: 'ERROR', errorType: 'RuntimeError', requestId: '' });
  });

  it('answers bytes as they are, and Decimal as JSON numbers with non-ASCII escaped', async () => {
    const bytes = await invoke('contract.returns_bytes');
    expect(bytes.post).toMatchObject({ kind: 'response', body: Buffer.from('\x00raw\xff', 'latin1').toString('utf8') });
    expect(bytes.post.headers['content-type']).toBe('application/unknown');
    expect((await invoke('contract.returns_decimal')).post.body).toBe('{"int": 12, "frac": 1.5, "text": "caf\\u00e9"}');
  });

  it('writes non-ASCII results as they are on python3.12, as Lambda\'s client does there only', async () => {
    const { post } = await invoke('contract.returns_decimal', '{}', { AWS_EXECUTION_ENV: 'AWS_Lambda_python3.12' });
    expect(post.body).toBe('{"int": 12, "frac": 1.5, "text": "café"}');
  });

  it('answers Runtime.UnmarshalError for an event that is not JSON, and stays warm', async () => {
    const { api, post } = await invoke('echo.lambda_handler', '{"a":');
    expect(post.kind).toBe('error');
    const error = JSON.parse(post.body) as Record<string, unknown>;
    expect(error).toMatchObject({ errorType: 'Runtime.UnmarshalError', requestId: 'req-1', stackTrace: [] });
    expect(String(error.errorMessage)).toMatch(/^Unable to unmarshal input: Expecting value: line 1 column 6/);
    api.enqueue({ requestId: 'req-2', body: '1' });
    expect(await api.nextPost()).toMatchObject({ kind: 'response', requestId: 'req-2' });
  });

  it('answers Runtime.LambdaContextUnmarshalError for a client context that is not JSON', async () => {
    const { api } = await start('echo.lambda_handler');
    api.enqueue({ requestId: 'req-1', body: '{}', clientContext: '{nope' });
    const error = JSON.parse((await api.nextPost()).body) as Record<string, unknown>;
    expect(error).toMatchObject({ errorType: 'Runtime.LambdaContextUnmarshalError', requestId: 'req-1' });
    expect(String(error.errorMessage)).toMatch(/^Unable to parse Client Context JSON: Expecting property name/);
  });

  it('gives context.log, context.w3c() (taken out of the client context) and Lambda\'s repr', async () => {
    const { api, ric } = await start('contract.context_details');
    api.enqueue({ requestId: 'req-1', body: '"e"', clientContext: JSON.stringify({ custom: { a: 1 }, w3c: { traceparent: '00-abc-01', tracestate: 7, other: 'x' } }) });
    const body = JSON.parse((await api.nextPost()).body) as Record<string, unknown>;
    expect(body).toMatchObject({ w3c: { traceparent: '00-abc-01' }, custom: { a: 1 }, event: 'e' });
    expect(body.repr).toMatch(/^LambdaContext\(\[aws_request_id=req-1,log_group_name=\/aws\/lambda\/py-test,.*identity=CognitoIdentity\(\[cognito_identity_id=None,cognito_identity_pool_id=None\]\),tenant_id=None\]\)$/);
    expect(await logOf(ric)).toContain('via context.log\n');
  });

  it('gives the root logger Lambda\'s handler when logging is first imported inside the handler', async () => {
    const { post, ric } = await invoke('lazy_logging.handler');
    // basicConfig added nothing: the root logger has Lambda's handler only.
    expect(JSON.parse(post.body)).toEqual({ logging_before: false, handlers: 1 });
    const log = await logOf(ric);
    expect(log).toMatch(new RegExp(`^\\[INFO\\]\\t${ISO}\\treq-1\\tlazy info$`, 'm'));
    expect(log).toMatch(new RegExp(`^\\[Level 25\\]\\t${ISO}\\treq-1\\tcustom level$`, 'm'));
    expect(log).toMatch(new RegExp(`^\\[ERROR\\]\\t${ISO}\\treq-1\\tlazy caught\\rTraceback \\(most recent call last\\):\\r[^\\n]*KeyError: 'missing'$`, 'm'));
  });

  it('writes Lambda\'s JSON records: rounded levels, the exception, its location, tenantId and extra fields', async () => {
    const { api, ric } = await start('lazy_logging.handler', { AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    api.enqueue({ requestId: 'req-1', body: '{}', tenantId: 'tenant-1' });
    await api.nextPost();
    const [info, custom, caught] = records(await logOf(ric));
    expect(info).toEqual({ timestamp: expect.stringMatching(new RegExp(`^${ISO}$`)), level: 'INFO', message: 'lazy info', logger: 'root', requestId: 'req-1', tenantId: 'tenant-1' });
    expect(custom).toMatchObject({ level: 'INFO', message: 'custom level' });
    expect(caught).toMatchObject({ level: 'ERROR', logger: 'lazy', errorType: 'KeyError', errorMessage: "'missing'", order: 3, requestId: 'req-1' });
    expect(caught?.location).toMatch(/lazy_logging\.py:handler:\d+$/);
    expect(caught?.stackTrace).toEqual([expect.stringMatching(/^ {2}File ".*lazy_logging\.py", line \d+, in handler\n {4}\{\}\["missing"\]\n/)]);
    expect(String(caught?.obj)).toMatch(/^<object object at/);
  });

  it('applies AWS_LAMBDA_LOG_LEVEL in the Text format too (TRACE is DEBUG), and ignores an unknown one', async () => {
    const debug = await invoke('echo.level_logs', '{}', { AWS_LAMBDA_LOG_LEVEL: 'TRACE' });
    expect((await logOf(debug.ric)).split('\n').filter(Boolean)).toHaveLength(3);
    const unknown = await invoke('echo.level_logs', '{}', { AWS_LAMBDA_LOG_LEVEL: 'LOUD' });
    expect((await logOf(unknown.ric)).split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('imports neither logging, traceback, socket nor http.client for a handler that does not', async () => {
    const { post } = await invoke('contract.modules');
    expect(JSON.parse(post.body)).toEqual({ logging: false, traceback: false, socket: false, 'http.client': false, importlib: expect.any(Boolean) });
  });
});
