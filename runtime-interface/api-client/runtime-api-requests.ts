/**
 * The Runtime API (`/2018-06-01`) as data, built like aws-lambda-rust-runtime: one pure request
 * builder per API call, and the reader of a `/next` answer. Nothing here performs I/O: the
 * connection that sends these is `http1-connection.ts` (and `streaming-request.ts` for streamed
 * responses).
 */
import type { ErrorResponse } from '../runtime/errors.js';

const PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const XRAY_ERROR_CAUSE_HEADER = 'Lambda-Runtime-Function-XRay-Error-Cause';
/**
 * Larger X-Ray causes are left out: the header would risk the Runtime API's header limit (16 KiB
 * in Node.js servers) and with it the error report itself. Node keeps 10 stack frames, so real
 * causes are far smaller.
 */
const MAX_XRAY_ERROR_CAUSE_LENGTH = 8192;

/** The headers of a streamed `/response`, as the official client sends them (docs/runtime-api.md). */
export const STREAMING_RESPONSE_HEADERS = {
  'Lambda-Runtime-Function-Response-Mode': 'streaming',
  'Transfer-Encoding': 'chunked',
  Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
} as const;
/** Content type of a streamed response until the handler calls `setContentType`. */
export const DEFAULT_STREAMING_CONTENT_TYPE = 'application/octet-stream';
/** Sent with every request. */
export const USER_AGENT = 'lamina-ric/0.1.0';

/** An invocation as handed out by `GET /runtime/invocation/next`. */
export interface Invocation {
  requestId: string;
  /** `Lambda-Runtime-Deadline-Ms`: epoch milliseconds. */
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string | undefined;
  /** Raw JSON of `Lambda-Runtime-Client-Context`. */
  clientContext: string | undefined;
  /** Raw JSON of `Lambda-Runtime-Cognito-Identity`. */
  cognitoIdentity: string | undefined;
  tenantId: string | undefined;
  body: Buffer;
}

/** A request ready to send: what every builder returns. */
export interface ApiRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** The Runtime API's answer to a request. Header names are lower case. */
export interface ApiAnswer {
  statusCode: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

/** Thrown when the Runtime API cannot be reached or answers `/next` with something other than 200. */
export class RuntimeApiError extends Error {
  override name = 'RuntimeApiError';
}

// Header values must be Latin-1 without control characters (node:http throws on others).
const SAFE_HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * True when `value` can be sent as a header (or trailer) value.
 * @example
 * ```ts
 * isSafeHeaderValue('Runtime.Unknown'); // true
 * isSafeHeaderValue('a\nb'); // false
 * ```
 */
export function isSafeHeaderValue(value: string): boolean {
  return SAFE_HEADER_VALUE.test(value);
}

function jsonPost(path: string, body: string, extra: Record<string, string> = {}): ApiRequest {
  return {
    method: 'POST',
    path,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...extra },
    body,
  };
}

function errorPost(path: string, error: ErrorResponse): ApiRequest {
  const extra: Record<string, string> = SAFE_HEADER_VALUE.test(error.errorType) ? { [ERROR_TYPE_HEADER]: error.errorType } : {};
  return jsonPost(path, JSON.stringify(error), extra);
}

const invocationPath = (requestId: string, what: 'response' | 'error'): string => `${PREFIX}/invocation/${encodeURIComponent(requestId)}/${what}`;

/**
 * Build `GET /runtime/invocation/next`.
 * @example
 * ```ts
 * nextRequest().path; // '/2018-06-01/runtime/invocation/next'
 * ```
 */
export function nextRequest(): ApiRequest {
  return { method: 'GET', path: `${PREFIX}/invocation/next`, headers: {}, body: undefined };
}

/**
 * Build `POST /runtime/invocation/{id}/response` with an already serialised JSON body.
 * @example
 * ```ts
 * responseRequest('id-1', '{"ok":true}').headers['Content-Type']; // 'application/json'
 * ```
 */
export function responseRequest(requestId: string, json: string): ApiRequest {
  return jsonPost(invocationPath(requestId, 'response'), json);
}

/**
 * Build `POST /runtime/invocation/{id}/response` in streaming mode: no body here, it is written
 * chunk by chunk (see `streaming-request.ts`).
 * @example
 * ```ts
 * streamingResponseRequest('id-1').headers['Lambda-Runtime-Function-Response-Mode']; // 'streaming'
 * ```
 */
export function streamingResponseRequest(requestId: string, contentType: string = DEFAULT_STREAMING_CONTENT_TYPE): ApiRequest {
  return { method: 'POST', path: invocationPath(requestId, 'response'), headers: { ...STREAMING_RESPONSE_HEADERS, 'Content-Type': contentType }, body: undefined };
}

/**
 * Build `POST /runtime/invocation/{id}/error`; the error type also goes in `Lambda-Runtime-Function-Error-Type`,
 * and an X-Ray cause (JSON, see `runtime/xray-cause.ts`) in `Lambda-Runtime-Function-XRay-Error-Cause`
 * when given, sendable as a header and not too long.
 * @example
 * ```ts
 * errorRequest('id-1', { errorType: 'Error', errorMessage: 'x', trace: [] }).headers['Lambda-Runtime-Function-Error-Type']; // 'Error'
 * ```
 */
export function errorRequest(requestId: string, error: ErrorResponse, xrayCause?: string): ApiRequest {
  const built = errorPost(invocationPath(requestId, 'error'), error);
  if (xrayCause && xrayCause.length <= MAX_XRAY_ERROR_CAUSE_LENGTH && SAFE_HEADER_VALUE.test(xrayCause)) {
    built.headers[XRAY_ERROR_CAUSE_HEADER] = xrayCause;
  }
  return built;
}

/**
 * Build `POST /runtime/init/error`.
 * @example
 * ```ts
 * initErrorRequest({ errorType: 'Runtime.ImportModuleError', errorMessage: 'x', trace: [] }).path; // '/2018-06-01/runtime/init/error'
 * ```
 */
export function initErrorRequest(error: ErrorResponse): ApiRequest {
  return errorPost(`${PREFIX}/init/error`, error);
}

function header(headers: ApiAnswer['headers'], name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

/**
 * Read an {@link Invocation} out of a `/next` answer.
 * @example
 * ```ts
 * const inv = parseInvocation({ statusCode: 200, headers: { 'lambda-runtime-aws-request-id': 'r', 'lambda-runtime-deadline-ms': '1' }, body: Buffer.from('{}') });
 * inv.requestId; // 'r'
 * ```
 */
export function parseInvocation(answer: ApiAnswer): Invocation {
  const { headers } = answer;
  if (answer.statusCode !== 200) {
    throw new RuntimeApiError(`GET /runtime/invocation/next answered ${answer.statusCode}: ${answer.body.toString()}`);
  }
  const requestId = header(headers, 'lambda-runtime-aws-request-id');
  if (requestId === undefined) throw new RuntimeApiError('GET /runtime/invocation/next answered without Lambda-Runtime-Aws-Request-Id');
  return {
    requestId,
    deadlineMs: Number.parseInt(header(headers, 'lambda-runtime-deadline-ms') ?? '', 10),
    invokedFunctionArn: header(headers, 'lambda-runtime-invoked-function-arn') ?? '',
    traceId: header(headers, 'lambda-runtime-trace-id'),
    clientContext: header(headers, 'lambda-runtime-client-context'),
    cognitoIdentity: header(headers, 'lambda-runtime-cognito-identity'),
    tenantId: header(headers, 'lambda-runtime-aws-tenant-id'),
    body: answer.body,
  };
}
