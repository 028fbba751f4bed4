import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RIC_ERROR_TYPES } from '../runtime-interface/runtime/errors.js';
import { SQS_ERRORS } from '../src/services/sqs/sqs-errors.js';
import { EVENTBRIDGE_ERRORS } from '../src/services/eventbridge/eventbridge-errors.js';
import { LOGS_API_ERRORS } from '../src/observability/logs/logs-api-errors.js';
import { S3_ERRORS } from '../src/services/s3/s3-errors.js';
import { CONTROL_ERRORS } from '../src/control/control-errors.js';
import { CODEDEPLOY_ERRORS } from '../src/deploy/codedeploy-errors.js';
import {
  CLI_ERRORS,
  ERROR_TYPE_PATTERN,
  FUNCTION_ERROR_TYPES,
  ALB_ERRORS,
  albErrorPage,
  GATEWAY_ERRORS,
  HTTP_ERRORS,
  RUNTIME_API_ERRORS,
  SERVICE_ERRORS,
  ServiceError,
  answerClientError,
  functionErrorBody,
  runtimeApiErrorBody,
  validatedErrorType,
} from '../src/errors.js';

describe('the error catalogue', () => {
  it('has unique, well-formed codes that match their keys', () => {
    const codes = [...Object.entries(SERVICE_ERRORS), ...Object.entries(RUNTIME_API_ERRORS), ...Object.entries(GATEWAY_ERRORS), ...Object.entries(ALB_ERRORS)];
    for (const [key, spec] of codes) {
      expect(spec.code).toBe(key);
      expect(key).toMatch(/^LAMINA_ERR_[A-Z_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
    }
    const all = [...codes.map(([key]) => key), ...Object.keys(CONTROL_ERRORS), ...Object.keys(FUNCTION_ERROR_TYPES), ...Object.keys(HTTP_ERRORS), ...Object.keys(CLI_ERRORS), ...Object.keys(RIC_ERROR_TYPES)];
    for (const code of all) expect(code).toMatch(/^LAMINA_ERR_[A-Z_]+$/);
    expect(new Set(all).size).toBe(all.length);
  });

  it('names service errors as the AWS SDK models them', () => {
    for (const spec of Object.values(SERVICE_ERRORS)) expect(spec.name).toMatch(/^[A-Z][A-Za-z]+(Exception)$/);
  });

  it('gives platform function errors types that pass the Runtime API\'s pattern', () => {
    for (const type of Object.values(FUNCTION_ERROR_TYPES)) {
      // Sandbox.* and Extension.* are the platform's own, never a runtime's report.
      expect(type.startsWith('Sandbox.') || type.startsWith('Extension.') || ERROR_TYPE_PATTERN.test(type)).toBe(true);
    }
  });

  it('renders an Application Load Balancer\'s own answers as its HTML page', () => {
    expect(albErrorPage('LAMINA_ERR_ALB_BAD_GATEWAY')).toBe('<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n');
    expect(albErrorPage('LAMINA_ERR_ALB_TOO_LARGE')).toContain('<h1>413 Request Entity Too Large</h1>');
  });

  it('renders bodies in Lambda shapes', () => {
    expect(JSON.parse(new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', 'Function not found: x').toBody())).toEqual({ Type: 'User', message: 'Function not found: x' });
    expect(JSON.parse(new ServiceError('LAMINA_ERR_TOO_MANY_REQUESTS', 'Rate Exceeded.', 'ConcurrentInvocationLimitExceeded').toBody())).toEqual({
      Reason: 'ConcurrentInvocationLimitExceeded',
      Type: 'User',
      message: 'Rate Exceeded.',
    });
    expect(JSON.parse(runtimeApiErrorBody('LAMINA_ERR_RUNTIME_INVALID_STATE', 'm'))).toEqual({ errorMessage: 'm', errorType: 'InvalidStateTransition' });
  });

  it('validates reported error types', () => {
    expect(validatedErrorType('Function.MyError')).toBe('Function.MyError');
    expect(validatedErrorType('Runtime.ImportModuleError')).toBe('Runtime.ImportModuleError');
    expect(validatedErrorType('Function.bad')).toBe('Function.Unknown');
    expect(validatedErrorType('Error')).toBe('Runtime.Unknown');
    expect(validatedErrorType('Runtime.Bad1')).toBe('Runtime.Unknown');
    expect(validatedErrorType(undefined)).toBe('Runtime.Unknown');
  });
});


/** A row of one of docs/errors.md's tables: code, status, name (backticks removed). */
interface DocumentedError {
  readonly section: string;
  readonly code: string;
  readonly status: string;
  readonly name: string;
}

/** Split a Markdown table row at its unescaped pipes. */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/^`(.*)`$/, '$1'));
}

/** Every row whose first cell is a code, with the catalogue named in its section heading. */
function documentedErrors(markdown: string): DocumentedError[] {
  const rows: DocumentedError[] = [];
  let section = '';
  for (const line of markdown.split('\n')) {
    const heading = /^## .*\(`([A-Z0-9_]+)`\)\s*$/.exec(line);
    if (heading?.[1] !== undefined) section = heading[1];
    if (!line.startsWith('|')) continue;
    const [code, status, name] = cells(line);
    if (code === undefined || !code.startsWith('LAMINA_ERR_')) continue;
    rows.push({ section, code, status: status ?? '', name: name ?? '' });
  }
  return rows;
}

/** What each catalogue says a documented row must show, by section. */
function catalogueRows(): DocumentedError[] {
  return [
    ...Object.values(SERVICE_ERRORS).map((e) => ({ section: 'SERVICE_ERRORS', code: e.code, status: String(e.status), name: e.name })),
    ...Object.values(RUNTIME_API_ERRORS).map((e) => ({ section: 'RUNTIME_API_ERRORS', code: e.code, status: String(e.status), name: e.errorType })),
    ...Object.entries(FUNCTION_ERROR_TYPES).map(([code, type]) => ({ section: 'FUNCTION_ERROR_TYPES', code, status: '200', name: type })),
    ...Object.values(GATEWAY_ERRORS).map((e) => ({ section: 'GATEWAY_ERRORS', code: e.code, status: String(e.status), name: String(e.message) })),
    ...Object.values(ALB_ERRORS).map((e) => ({ section: 'ALB_ERRORS', code: e.code, status: String(e.status), name: e.reason })),
    ...Object.values(HTTP_ERRORS).map((e) => ({ section: 'HTTP_ERRORS', code: e.code, status: String(e.status), name: e.reason })),
    ...Object.values(CLI_ERRORS).map((e) => ({ section: 'CLI_ERRORS', code: e.code, status: `exit ${e.exitCode}`, name: e.name })),
    ...Object.values(SQS_ERRORS).map((e) => ({ section: 'SQS_ERRORS', code: e.code, status: String(e.status), name: e.shape })),
    ...Object.values(EVENTBRIDGE_ERRORS).map((e) => ({ section: 'EVENTBRIDGE_ERRORS', code: e.code, status: String(e.status), name: e.shape })),
    ...Object.values(LOGS_API_ERRORS).map((e) => ({ section: 'LOGS_API_ERRORS', code: e.code, status: String(e.status), name: e.shape })),
    ...Object.values(CODEDEPLOY_ERRORS).map((e) => ({ section: 'CODEDEPLOY_ERRORS', code: e.code, status: String(e.status), name: e.shape })),
    ...Object.values(S3_ERRORS).map((e) => ({ section: 'S3_ERRORS', code: e.code, status: String(e.status), name: e.s3Code })),
    ...Object.values(CONTROL_ERRORS).map((e) => ({ section: 'CONTROL_ERRORS', code: e.code, status: String(e.status), name: e.name })),
    ...Object.entries(RIC_ERROR_TYPES).map(([code, type]) => ({ section: 'RIC_ERROR_TYPES', code, status: '200', name: type })),
  ];
}

describe('docs/errors.md', () => {
  const documented = documentedErrors(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8'));
  const catalogued = catalogueRows();

  it('is read as tables of codes (the parser finds rows in every section)', () => {
    expect(new Set(documented.map((row) => row.section))).toEqual(new Set(catalogued.map((row) => row.section)));
  });

  it('documents every catalogued code, in its catalogue\'s section, with its status and wire name', () => {
    const byCode = new Map(documented.map((row) => [row.code, row]));
    const missing = catalogued.filter((row) => !byCode.has(row.code)).map((row) => row.code);
    expect(missing, 'codes with no row in docs/errors.md').toEqual([]);
    for (const row of catalogued) expect(byCode.get(row.code), row.code).toEqual(row);
  });

  it('documents no code that no catalogue has, and each code once', () => {
    const known = new Set(catalogued.map((row) => row.code));
    expect(documented.filter((row) => !known.has(row.code)).map((row) => row.code), 'documented but not catalogued').toEqual([]);
    expect(documented.length).toBe(new Set(documented.map((row) => row.code)).size);
  });

  it('finds a missing or invented code (the check itself can fail)', () => {
    const page = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const without = documentedErrors(page.replace(/^\| `LAMINA_ERR_FN_TIMEOUT` .*$/m, ''));
    expect(without.some((row) => row.code === 'LAMINA_ERR_FN_TIMEOUT')).toBe(false);
    const invented = documentedErrors(`${page}\n| \`LAMINA_ERR_NOPE\` | 400 | \`Nope\` | never | {} |\n`);
    expect(invented.at(-1)).toEqual({ section: 'RIC_ERROR_TYPES', code: 'LAMINA_ERR_NOPE', status: '400', name: 'Nope' });
  });
});

describe('wire helpers of the catalogue', () => {
  it('writes platform function errors with errorType first, as Lambda does', () => {
    expect(functionErrorBody('Runtime.Unknown', 'a "quoted" message').payload.toString()).toBe(
      '{"errorType":"Runtime.Unknown","errorMessage":"a \\"quoted\\" message"}',
    );
  });

  it('answers HTTP parser errors with a bare status line, or drops a socket it cannot write', () => {
    const written: string[] = [];
    let destroyed = 0;
    const socket = (writable: boolean) => ({ writable, end: (data: string) => written.push(data), destroy: () => (destroyed += 1) });
    answerClientError(Object.assign(new Error('x'), { code: 'HPE_HEADER_OVERFLOW' }), socket(true));
    answerClientError(Object.assign(new Error('x'), { code: 'HPE_INVALID_METHOD' }), socket(true));
    answerClientError(Object.assign(new Error('x'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket(true));
    answerClientError(new Error('x'), socket(false));
    expect(written).toEqual([
      'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
    ]);
    expect(destroyed).toBe(1);
  });

  it('names the RIC\'s error classes from its catalogue', async () => {
    const ric = await import('../runtime-interface/runtime/errors.js');
    expect(new ric.InvalidStreamingOperationError('x').name).toBe(RIC_ERROR_TYPES.LAMINA_ERR_RIC_INVALID_STREAMING_OPERATION);
    expect(new ric.CallbackHandlerDeprecatedError('x').name).toBe(RIC_ERROR_TYPES.LAMINA_ERR_RIC_CALLBACK_HANDLER_DEPRECATED);
    expect(new ric.MalformedStreamingHandlerError('x').name).toBe(RIC_ERROR_TYPES.LAMINA_ERR_RIC_MALFORMED_STREAMING_HANDLER);
    expect(ric.toErrorResponse(undefined).errorType).toBe(RIC_ERROR_TYPES.LAMINA_ERR_RIC_UNREADABLE_ERROR);
  });
});
