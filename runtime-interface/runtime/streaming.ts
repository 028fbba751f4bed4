/**
 * Response streaming: one invocation of a `streamifyResponse` handler, as the official client
 * runs it. The `/response` POST is opened before the handler runs (`Lambda-Runtime-Function-
 * Response-Mode: streaming`, chunked); every `write` goes straight to the socket (no buffering
 * of our own, and `write`'s return value is the socket's backpressure); a failure ends the
 * request with the trailers `Lambda-Runtime-Function-Error-Type` and `-Error-Body` (base64 of
 * the error JSON).
 *
 * Imported lazily, only for streaming handlers.
 */
import type { ClientRequest } from 'node:http';
import { isSafeHeaderValue, type ApiAnswer, type Invocation, type RuntimeApiClient } from '../api-client/runtime-api-client.js';
import type { ResponseStream } from './awslambda-global.js';
import { applyTraceId, buildContext } from './context.js';
import type { LambdaEnvironment } from './environment.js';
import { InvalidStreamingOperationError, toErrorResponse } from './errors.js';
import type { UserHandler } from './handler-loader.js';
import { logError } from './logging.js';


type WriteCallback = (error?: Error | null) => void;
type Chunk = string | Uint8Array;

const METHODS = [
  'cork', 'uncork', 'destroy', 'addListener', 'on', 'once', 'prependListener', 'prependOnceListener', 'off',
  'removeListener', 'removeAllListeners', 'setMaxListeners', 'getMaxListeners', 'listeners', 'rawListeners',
  'listenerCount', 'eventNames', 'emit',
] as const;
const READ_ONLY = [
  'writableFinished', 'writableObjectMode', 'writableEnded', 'writableNeedDrain', 'writableHighWaterMark',
  'writableCorked', 'writableLength', 'writable',
] as const;

// Like the official client: strings and bytes go as they are, anything else as JSON.
const toChunk = (chunk: unknown): Chunk => (typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk));

/** A response stream over the open `/response` request, and a way to fail it. */
export interface OpenResponseStream {
  stream: ResponseStream;
  /** End the request with the error trailers (no-op once the stream has ended). Never rejects. */
  fail(error: unknown): Promise<void>;
}

/**
 * Wrap an open chunked request as the handler's `responseStream`.
 *
 * @example
 * ```ts
 * const { request, answer } = client.openStream(requestId);
 * const { stream, fail } = responseStreamOver(request, answer);
 * stream.write('chunk');
 * ```
 */
export function responseStreamOver(request: ClientRequest, answer: Promise<ApiAnswer>): OpenResponseStream {
  let written = false;
  const stream = {} as ResponseStream;
  // Run the prelude hook (HttpResponseStream.from) once, before the first byte of the body.
  const beforeFirstWrite = (): void => {
    if (written) return;
    written = true;
    stream._onBeforeFirstWrite?.((raw) => void request.write(raw));
  };
  for (const method of METHODS) Object.defineProperty(stream, method, { value: request[method].bind(request), enumerable: true, writable: true, configurable: true });
  for (const prop of READ_ONLY) Object.defineProperty(stream, prop, { get: () => request[prop], enumerable: true });
  Object.defineProperty(stream, 'destroyed', { get: () => request.destroyed, set: (value: boolean) => void (request.destroyed = value), enumerable: true });
  stream.setContentType = (contentType: string) => {
    if (written) throw new InvalidStreamingOperationError('Cannot set content-type, too late.');
    request.setHeader('Content-Type', contentType);
  };
  stream.write = ((chunk: unknown, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean => {
    beforeFirstWrite();
    if (typeof encoding === 'function') return request.write(toChunk(chunk), encoding);
    return encoding === undefined ? request.write(toChunk(chunk), callback) : request.write(toChunk(chunk), encoding, callback);
  }) as ResponseStream['write'];
  // Unlike the official client, end() runs the prelude hook too (aws-lambda-nodejs-runtime-interface-client#97).
  stream.end = ((chunk?: unknown, encoding?: BufferEncoding | (() => void), callback?: () => void): ResponseStream => {
    beforeFirstWrite();
    if (typeof chunk === 'function') request.end(chunk as () => void);
    else if (chunk === undefined || chunk === null) request.end(typeof encoding === 'function' ? encoding : callback);
    else if (typeof encoding === 'function') request.end(toChunk(chunk), encoding);
    else if (encoding === undefined) request.end(toChunk(chunk), callback);
    else request.end(toChunk(chunk), encoding, callback);
    return stream;
  }) as unknown as ResponseStream['end'];

  const fail = async (error: unknown): Promise<void> => {
    if (request.writableEnded || request.destroyed) return;
    const body = toErrorResponse(error);
    const trailers: Record<string, string> = {};
    if (isSafeHeaderValue(body.errorType)) trailers['Lambda-Runtime-Function-Error-Type'] = body.errorType;
    trailers['Lambda-Runtime-Function-Error-Body'] = Buffer.from(JSON.stringify(body)).toString('base64');
    written = true;
    request.addTrailers(trailers);
    request.end();
    await answer.catch(() => undefined);
  };
  return { stream, fail };
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';

/** What {@link runStreamingInvocation} needs besides the invocation. */
export interface StreamingRun {
  handler: UserHandler;
  client: RuntimeApiClient;
  env: LambdaEnvironment;
  highWaterMark: number | undefined;
  /** Set `_X_AMZN_TRACE_ID` (not in managed mode, where invocations overlap). */
  setTraceEnv: boolean;
  /** Receives the function that fails this invocation (used when the process crashes mid-stream). */
  onAbortable(abort: (error: unknown) => Promise<unknown>): void;
}

/**
 * Run one streaming invocation to its end (the Runtime API has answered the POST). Never rejects
 * for a handler failure: that becomes the error trailers. Rejects if the Runtime API fails.
 *
 * @example
 * ```ts
 * await runStreamingInvocation(invocation, { handler, client, env, highWaterMark: undefined, setTraceEnv: true, onAbortable: () => {} });
 * ```
 */
export async function runStreamingInvocation(invocation: Invocation, run: StreamingRun): Promise<void> {
  const { request, answer } = run.client.openStream(invocation.requestId, { highWaterMark: run.highWaterMark });
  answer.catch(() => undefined); // observed below; a reset connection must not be an unhandled rejection
  const { stream, fail } = responseStreamOver(request, answer);
  run.onAbortable(fail);
  try {
    if (run.setTraceEnv) applyTraceId(invocation.traceId);
    const noCompletion = { done: () => {}, succeed: () => {}, fail: () => {} };
    const context = buildContext(invocation, run.env, noCompletion);
    // A streaming context has no done/succeed/fail in the official client either.
    for (const name of ['done', 'succeed', 'fail'] as const) Reflect.deleteProperty(context, name);
    const event: unknown = JSON.parse(invocation.body.toString('utf8'));
    const returned = (run.handler as unknown as (e: unknown, s: ResponseStream, c: unknown) => unknown)(event, stream, context);
    if (!isPromiseLike(returned)) throw new Error('Streaming does not support non-async handlers.');
    const result = await returned;
    if (result !== undefined) console.warn('Streaming handlers ignore return values.');
    // Like the official client: the handler may still be writing after it resolved; wait for the end.
    await answer;
    if (!request.writableFinished) throw new Error('Response stream is not finished.');
  } catch (error) {
    logError('Invoke Error', error);
    await fail(error);
  }
  await answer;
}
