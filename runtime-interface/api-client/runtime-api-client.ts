/**
 * A client for the Lambda Runtime API (`/2018-06-01`): the request builders of
 * `runtime-api-requests.ts` sent on one keep-alive `node:net` connection
 * (`http1-connection.ts`), and streamed responses over `node:http`, loaded only
 * when a streaming handler runs (`streaming-request.ts`).
 *
 * Nothing is retried: a failure of the Runtime API is a failure of the
 * environment, and hiding it would hide the problem.
 */
import type { ErrorResponse } from '../runtime/errors.js';
import { Http1Connection } from './http1-connection.js';
import {
  errorRequest,
  initErrorRequest,
  nextRequest,
  parseInvocation,
  responseRequest,
  RuntimeApiError,
  streamingResponseRequest,
  type ApiAnswer,
  type ApiRequest,
  type Invocation,
} from './runtime-api-requests.js';
import { StreamingRequests, type OpenRequest } from './streaming-request.js';

export * from './runtime-api-requests.js';
export type { OpenRequest } from './streaming-request.js';

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
  private readonly connection: Http1Connection;
  private readonly nextReq = nextRequest();
  private streams: StreamingRequests | undefined;

  constructor(address: string) {
    ({ hostname: this.hostname, port: this.port } = splitAddress(address));
    this.connection = new Http1Connection(this.hostname, this.port);
  }

  /** Perform any built request. Rejects only when the Runtime API cannot be reached. */
  send(req: ApiRequest, options: { fresh?: boolean } = {}): Promise<ApiAnswer> {
    if (options.fresh !== true) return this.connection.send(req);
    const once = new Http1Connection(this.hostname, this.port);
    const answer = once.send(req);
    const close = (): void => once.close();
    answer.then(close, close);
    return answer;
  }

  /**
   * Open a streamed `/response` for an invocation (see `streamingResponseRequest`); the caller
   * writes and ends `request`. The first call loads `node:http`.
   * @example
   * ```ts
   * const { request, answer } = client.openStream('id-1');
   * request.end('all at once');
   * await answer;
   * ```
   */
  openStream(requestId: string, options: { highWaterMark?: number | undefined } = {}): OpenRequest {
    this.streams ??= new StreamingRequests(this.hostname, this.port);
    return this.streams.open(streamingResponseRequest(requestId), options.highWaterMark);
  }

  /** Wait for the next invocation (long poll). */
  async next(): Promise<Invocation> {
    return parseInvocation(await this.connection.send(this.nextReq));
  }

  /** Post a handler's serialised result. */
  postResponse(requestId: string, json: string): Promise<ApiAnswer> {
    return this.connection.send(responseRequest(requestId, json));
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
