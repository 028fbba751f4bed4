/**
 * A client for the Lambda Runtime API (`/2018-06-01`), built like
 * aws-lambda-rust-runtime: one pure request builder per API call, and one
 * small `send` that performs a request on a keep-alive connection.
 *
 * Nothing is retried: a failure of the Runtime API is a failure of the
 * environment, and hiding it would hide the problem.
 */
import type { ClientRequest, IncomingHttpHeaders } from 'node:http';
import type { ErrorResponse } from '../runtime/errors.js';

// Cheaper than an ESM import on the cold path, see runtime/errors.ts.
const { Agent, request } = process.getBuiltinModule('node:http');

const PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const XRAY_ERROR_CAUSE_HEADER = 'Lambda-Runtime-Function-XRay-Error-Cause';
/**
 * Larger X-Ray causes are left out: the header would risk the Runtime API's header limit (16 KiB
 * in Node.js servers) and with it the error report itself. Node keeps 10 stack frames, so real
 * causes are far smaller.
 */
const MAX_XRAY_ERROR_CAUSE_LENGTH = 8192;

/** The headers of a streamed `/response`, as the official client sends them (contract section 3). */
export const STREAMING_RESPONSE_HEADERS = {
  'Lambda-Runtime-Function-Response-Mode': 'streaming',
  'Transfer-Encoding': 'chunked',
  Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
} as const;
/** Content type of a streamed response until the handler calls `setContentType`. */
export const DEFAULT_STREAMING_CONTENT_TYPE = 'application/octet-stream';
const USER_AGENT = 'lamina-ric/0.1.0';

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

/** The Runtime API's answer to a request. */
export interface ApiAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Thrown when the Runtime API cannot be reached or answers `/next` with something other than 200. */
export class RuntimeApiError extends Error {
  override name = 'RuntimeApiError';
}

// Header values must be Latin-1 without control characters, or node:http throws.
const SAFE_HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

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
  return jsonPost(`${PREFIX}/invocation/${encodeURIComponent(requestId)}/response`, json);
}

/**
 * Build `POST /runtime/invocation/{id}/response` in streaming mode: no body here, it is written
 * chunk by chunk (see {@link RuntimeApiClient.openStream}).
 * @example
 * ```ts
 * streamingResponseRequest('id-1').headers['Lambda-Runtime-Function-Response-Mode']; // 'streaming'
 * ```
 */
export function streamingResponseRequest(requestId: string, contentType: string = DEFAULT_STREAMING_CONTENT_TYPE): ApiRequest {
  return {
    method: 'POST',
    path: `${PREFIX}/invocation/${encodeURIComponent(requestId)}/response`,
    headers: { ...STREAMING_RESPONSE_HEADERS, 'Content-Type': contentType },
    body: undefined,
  };
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
  const built = errorPost(`${PREFIX}/invocation/${encodeURIComponent(requestId)}/error`, error);
  if (xrayCause && xrayCause.length <= MAX_XRAY_ERROR_CAUSE_LENGTH && SAFE_HEADER_VALUE.test(xrayCause)) {
    built.headers[XRAY_ERROR_CAUSE_HEADER] = xrayCause;
  }
  return built;
}

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

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
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

/** Split `host:port` (or `[v6]:port`) as given in `AWS_LAMBDA_RUNTIME_API`. */
function splitAddress(address: string): { hostname: string; port: number } {
  const colon = address.lastIndexOf(':');
  const hostname = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || hostname === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RuntimeApiError(`Invalid AWS_LAMBDA_RUNTIME_API: ${address}`);
  }
  return { hostname, port };
}

function connectWithHighWaterMark(host: string, port: number, highWaterMark: number): import('node:net').Socket {
  const { Socket } = process.getBuiltinModule('node:net');
  // Socket options reach its Duplex: highWaterMark sizes the write buffer.
  const socket = new Socket({ highWaterMark } as ConstructorParameters<typeof Socket>[0]);
  return socket.connect(port, host);
}

/**
 * The Runtime API client. One keep-alive connection serves the invoke loop;
 * `fresh: true` sends on a new connection, for reports made while a `/next`
 * may be holding the loop's connection (uncaught exceptions).
 *
 * @example
 * ```ts
 * const client = new RuntimeApiClient(process.env.AWS_LAMBDA_RUNTIME_API ?? '127.0.0.1:9001');
 * const invocation = await client.next();
 * await client.postResponse(invocation.requestId, JSON.stringify({ ok: true }));
 * ```
 */
export class RuntimeApiClient {
  private readonly hostname: string;
  private readonly port: number;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(address: string) {
    ({ hostname: this.hostname, port: this.port } = splitAddress(address));
  }

  /** Perform any built request. Rejects only when the Runtime API cannot be reached. */
  send(req: ApiRequest, options: { fresh?: boolean } = {}): Promise<ApiAnswer> {
    const { request: outgoing, answer } = this.open(req, options);
    outgoing.end(req.body);
    return answer;
  }

  /**
   * Start a request and leave its body open: the caller writes and ends `request`. `answer`
   * settles once the Runtime API has answered. With `highWaterMark`, the request gets its own
   * connection whose socket buffers that many bytes before `write` asks for backpressure (the
   * `streamifyResponse` option); otherwise it uses the client's keep-alive connection.
   */
  open(req: ApiRequest, options: { fresh?: boolean; highWaterMark?: number | undefined } = {}): { request: ClientRequest; answer: Promise<ApiAnswer> } {
    let outgoing: ClientRequest | undefined;
    const answer = new Promise<ApiAnswer>((resolve, reject) => {
      const highWaterMark = options.highWaterMark;
      outgoing = request(
        {
          hostname: this.hostname,
          port: this.port,
          method: req.method,
          path: req.path,
          headers: { 'User-Agent': USER_AGENT, ...req.headers },
          agent: options.fresh === true || highWaterMark !== undefined ? false : this.agent,
          ...(highWaterMark === undefined ? {} : { createConnection: () => connectWithHighWaterMark(this.hostname, this.port, highWaterMark) }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      outgoing.on('error', (err) => reject(new RuntimeApiError(`${req.method} ${req.path} failed: ${err.message}`)));
    });
    return { request: outgoing as unknown as ClientRequest, answer };
  }

  /**
   * Open a streamed `/response` for an invocation (see {@link streamingResponseRequest}).
   * @example
   * ```ts
   * const { request, answer } = client.openStream('id-1');
   * request.end('all at once');
   * await answer;
   * ```
   */
  openStream(requestId: string, options: { highWaterMark?: number | undefined } = {}): { request: ClientRequest; answer: Promise<ApiAnswer> } {
    return this.open(streamingResponseRequest(requestId), options);
  }

  /** Wait for the next invocation (long poll). */
  async next(): Promise<Invocation> {
    return parseInvocation(await this.send(nextRequest()));
  }

  /** Post a handler's serialised result. */
  postResponse(requestId: string, json: string): Promise<ApiAnswer> {
    return this.send(responseRequest(requestId, json));
  }

  /** Post an invocation error, with its X-Ray cause when one is given. */
  postError(requestId: string, error: ErrorResponse, options: { fresh?: boolean; xrayCause?: string } = {}): Promise<ApiAnswer> {
    return this.send(errorRequest(requestId, error, options.xrayCause), options);
  }

  /** Post an init error. */
  postInitError(error: ErrorResponse, options: { fresh?: boolean } = {}): Promise<ApiAnswer> {
    return this.send(initErrorRequest(error), options);
  }
}
