/** Unit tests of the runtime interface client's pure pieces (run from source). */
import { describe, expect, it } from 'vitest';
import {
  errorRequest,
  initErrorRequest,
  nextRequest,
  parseInvocation,
  responseRequest,
  RuntimeApiError,
} from '../../runtime-interface/api-client/runtime-api-client.js';
import { readEnvironment } from '../../runtime-interface/runtime/environment.js';
import {
  formatErrorForLog,
  HandlerNotFoundError,
  ImportModuleError,
  toErrorResponse,
  UnhandledPromiseRejectionError,
} from '../../runtime-interface/runtime/errors.js';
import { parseHandlerName } from '../../runtime-interface/runtime/handler-loader.js';
import { formatJsonLine, formatTextLine } from '../../runtime-interface/runtime/logging.js';
import { serializeResult } from '../../runtime-interface/runtime/loop.js';

describe('parseHandlerName', () => {
  it('splits at the first dot of the file part, keeping dotted export paths', () => {
    expect(parseHandlerName('index.handler')).toEqual({ moduleRoot: '', moduleName: 'index', exportPath: 'handler' });
    expect(parseHandlerName('src/app.handlers.main')).toEqual({ moduleRoot: 'src', moduleName: 'app', exportPath: 'handlers.main' });
    expect(parseHandlerName('a.b/c/file.fn')).toEqual({ moduleRoot: 'a.b/c', moduleName: 'file', exportPath: 'fn' });
  });

  it('refuses ".." and names without a dot', () => {
    expect(() => parseHandlerName('../x.handler')).toThrow(/is not a valid handler name/);
    expect(() => parseHandlerName('index')).toThrow('Bad handler');
    try {
      parseHandlerName('noDot');
    } catch (error) {
      expect((error as Error).name).toBe('Runtime.MalformedHandlerName');
    }
  });
});

describe('toErrorResponse', () => {
  it('renders errors as name, message and stack lines', () => {
    const error = new TypeError('bad\nthing');
    const response = toErrorResponse(error);
    expect(response.errorType).toBe('TypeError');
    expect(response.errorMessage).toBe('bad\nthing');
    expect(response.trace.slice(0, 2)).toEqual(['TypeError: bad', 'thing']);
  });

  it('gives Runtime.* errors their name in the stack', () => {
    const response = toErrorResponse(new ImportModuleError(new Error("Cannot find module 'x'")));
    expect(response.errorType).toBe('Runtime.ImportModuleError');
    expect(response.errorMessage).toBe("Error: Cannot find module 'x'");
    expect(response.trace[0]).toBe("Runtime.ImportModuleError: Error: Cannot find module 'x'");
    expect(new HandlerNotFoundError('h').name).toBe('Runtime.HandlerNotFound');
    expect(new UnhandledPromiseRejectionError(new Error('r')).message).toBe('Error: r');
  });

  it('renders other throwables like the official client', () => {
    expect(toErrorResponse('oops')).toEqual({ errorType: 'string', errorMessage: 'oops', trace: [] });
    expect(toErrorResponse(42)).toEqual({ errorType: 'number', errorMessage: '42', trace: [] });
    expect(toErrorResponse({ a: 1 })).toEqual({ errorType: 'object', errorMessage: '[object Object]', trace: [] });
    expect(toErrorResponse({ name: 'Custom', message: 'duck', stack: 'Custom: duck\n    at x' })).toEqual({
      errorType: 'Custom', errorMessage: 'duck', trace: ['Custom: duck', '    at x'],
    });
    expect(toErrorResponse(null).errorType).toBe('handled');
    expect(toErrorResponse(Object.create(null)).errorType).toBe('handled');
  });

  it('escapes DEL characters', () => {
    expect(toErrorResponse(new Error('a\x7Fb')).errorMessage).toBe('a%7Fb');
  });

  it('formats errors for the log with enumerable properties and stack lines', () => {
    const error = Object.assign(new Error('boom'), { code: 'E_BOOM', detail: 1 });
    const parsed = JSON.parse(formatErrorForLog(error).slice(1)) as Record<string, unknown>;
    expect(formatErrorForLog(error).startsWith('\t')).toBe(true);
    expect(parsed).toMatchObject({ errorType: 'Error', errorMessage: 'boom', code: 'E_BOOM', detail: 1 });
    expect((parsed['stack'] as string[])[0]).toBe('Error: boom');
  });
});

describe('request builders', () => {
  it('build each Runtime API call', () => {
    expect(nextRequest()).toEqual({ method: 'GET', path: '/2018-06-01/runtime/invocation/next', headers: {}, body: undefined });
    expect(responseRequest('a/b', '{"x":1}')).toEqual({
      method: 'POST',
      path: '/2018-06-01/runtime/invocation/a%2Fb/response',
      headers: { 'Content-Type': 'application/json', 'Content-Length': '7' },
      body: '{"x":1}',
    });
    const error = { errorType: 'Runtime.HandlerNotFound', errorMessage: 'é', trace: [] };
    expect(errorRequest('id', error)).toMatchObject({
      path: '/2018-06-01/runtime/invocation/id/error',
      headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.HandlerNotFound', 'Content-Length': String(Buffer.byteLength(JSON.stringify(error))) },
      body: JSON.stringify(error),
    });
    expect(initErrorRequest(error).path).toBe('/2018-06-01/runtime/init/error');
  });

  it('leave out an error-type header that HTTP cannot carry', () => {
    const headers = errorRequest('id', { errorType: 'bad\ntype', errorMessage: '', trace: [] }).headers;
    expect(headers['Lambda-Runtime-Function-Error-Type']).toBeUndefined();
  });

  it('parse a /next answer, and refuse a non-200 one', () => {
    const invocation = parseInvocation({
      statusCode: 200,
      headers: {
        'lambda-runtime-aws-request-id': 'r-1',
        'lambda-runtime-deadline-ms': '1700000000000',
        'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:1:function:f',
        'lambda-runtime-trace-id': 'Root=1-a',
        'lambda-runtime-client-context': '',
      },
      body: Buffer.from('{}'),
    });
    expect(invocation).toMatchObject({ requestId: 'r-1', deadlineMs: 1_700_000_000_000, traceId: 'Root=1-a', clientContext: undefined, cognitoIdentity: undefined });
    expect(() => parseInvocation({ statusCode: 500, headers: {}, body: Buffer.from('x') })).toThrow(RuntimeApiError);
  });
});

describe('log formatting', () => {
  it('Text: tab-separated, util.format, newlines as \\r', () => {
    expect(formatTextLine('T', 'r', 'INFO', ['a\nb %d', 1, { c: 2 }])).toBe('T\tr\tINFO\ta\rb 1 { c: 2 }');
    expect(formatTextLine('T', undefined, 'WARN', ['x'])).toBe('T\tundefined\tWARN\tx');
  });

  it('JSON: one object per line, errors expanded', () => {
    expect(formatJsonLine('T', 'r', undefined, 'INFO', [{ a: 'x\ny' }])).toBe('{"timestamp":"T","level":"INFO","requestId":"r","message":{"a":"x\\ny"}}');
    expect(JSON.parse(formatJsonLine('T', undefined, 't-1', 'ERROR', ['n=%d', 3]))).toEqual({ timestamp: 'T', level: 'ERROR', tenantId: 't-1', message: 'n=3' });
    const withError = JSON.parse(formatJsonLine('T', 'r', undefined, 'ERROR', ['failed', new RangeError('no')])) as Record<string, unknown>;
    expect(withError).toMatchObject({ errorType: 'RangeError', errorMessage: 'no' });
  });
});

describe('environment and results', () => {
  it('reads the Lambda variables in one place', () => {
    const env = readEnvironment({ AWS_LAMBDA_LOG_FORMAT: 'json', AWS_LAMBDA_LOG_LEVEL: 'debug', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' }, '/code');
    expect(env).toMatchObject({ taskRoot: '/code', logFormat: 'JSON', logLevel: 'DEBUG', memorySize: '128', runtimeApi: undefined, handler: undefined });
    expect(readEnvironment({ AWS_LAMBDA_LOG_LEVEL: 'loud' }, '/').logLevel).toBe('TRACE');
  });

  it('serialises results like the official client', () => {
    expect(serializeResult(undefined)).toBe('null');
    expect(serializeResult('s')).toBe('"s"');
    // JSON.stringify turns these into undefined; the official clients' native client then throws.
    expect(() => serializeResult(() => 1)).toThrow(new TypeError('Wrong arguments'));
    expect(() => serializeResult(Symbol('s'))).toThrow(new TypeError('Wrong arguments'));
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(() => serializeResult(circular)).toThrow('Unable to stringify response body');
  });
});

describe('X-Ray error cause', () => {
  it('formats the cause like the official client and sends it with invocation errors', async () => {
    const { formatXRayCause } = await import('../../runtime-interface/runtime/xray-cause.js');
    const error = new TypeError('bad');
    error.stack = 'TypeError: bad\n    at run (/var/task/index.js:3:9)\n    at /var/task/lib.js:7:1';
    const cause = formatXRayCause(error, '/var/task');
    expect(JSON.parse(cause)).toEqual({
      working_directory: '/var/task',
      exceptions: [{ type: 'TypeError', message: 'bad', stack: [{ path: '/var/task/index.js', line: 3, label: 'run' }, { path: '/var/task/lib.js', line: 7, label: 'anonymous' }] }],
      paths: ['/var/task/index.js', '/var/task/lib.js'],
    });
    const body = { errorType: 'TypeError', errorMessage: 'bad', trace: [] };
    expect(errorRequest('id', body, cause).headers['Lambda-Runtime-Function-XRay-Error-Cause']).toBe(cause);
    expect(errorRequest('id', body, '').headers['Lambda-Runtime-Function-XRay-Error-Cause']).toBeUndefined();
    expect(errorRequest('id', body, 'x'.repeat(9000)).headers['Lambda-Runtime-Function-XRay-Error-Cause']).toBeUndefined();
  });
});
