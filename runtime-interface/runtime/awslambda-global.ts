/**
 * The `awslambda` global that the official Node.js client defines before it loads the user's
 * module: `awslambda.streamifyResponse(handler, options)` and `awslambda.HttpResponseStream`.
 *
 * Both are tiny and import nothing, so defining them costs a non-streaming handler nothing
 * measurable; the streaming machinery itself (`streaming.ts`) is imported only for a handler
 * marked by `streamifyResponse`. The marks are the official client's registered symbols, so a
 * handler marked by any copy of this code (or by a library imitating it) is recognised.
 */
import type { Context } from 'aws-lambda';
import type { Writable } from 'node:stream';
import { MalformedStreamingHandlerError } from './errors.js';

/** Set on a handler by `streamifyResponse`; the value `'response'` means response streaming. */
export const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
/** Set on a handler by `streamifyResponse(handler, { highWaterMark })`. */
export const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

/** Content type of an HTTP-shaped stream (function URLs): JSON prelude, 8 NUL bytes, then the body. */
export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
/** Number of NUL bytes between the prelude and the body. */
export const PRELUDE_DELIMITER_LENGTH = 8;

type WritableMethods =
  | 'cork' | 'uncork' | 'destroy' | 'end' | 'write'
  | 'addListener' | 'on' | 'once' | 'prependListener' | 'prependOnceListener' | 'off' | 'removeListener'
  | 'removeAllListeners' | 'setMaxListeners' | 'getMaxListeners' | 'listeners' | 'rawListeners'
  | 'listenerCount' | 'eventNames' | 'emit';
type WritableProperties =
  | 'writableFinished' | 'writableObjectMode' | 'writableEnded' | 'writableNeedDrain' | 'writableHighWaterMark'
  | 'writableCorked' | 'writableLength' | 'writable' | 'destroyed';

/**
 * The writable handed to a streaming handler: the members of a `Writable` the official client
 * exposes (so `stream.pipeline(source, responseStream)` works), plus `setContentType`.
 */
export interface ResponseStream extends Pick<Writable, WritableMethods | WritableProperties> {
  /** Set the response's content type; throws `Runtime.InvalidStreamingOperation` after the first write. */
  setContentType(contentType: string): void;
  /** Called once with a raw writer just before the first chunk (used by {@link HttpResponseStream.from}). */
  _onBeforeFirstWrite?: ((write: (chunk: string | Uint8Array) => void) => void) | undefined;
}

/** A streaming handler, as `awslambda.streamifyResponse` takes it. */
export type StreamingHandler<TEvent = unknown> = (event: TEvent, responseStream: ResponseStream, context: Context) => Promise<void>;

/** Options of `streamifyResponse`. */
export interface StreamifyOptions {
  /** Bytes the connection buffers before `write` returns false. */
  highWaterMark?: number;
}

/** What `HttpResponseStream.from` writes ahead of the body. */
export interface HttpResponseMetadata {
  statusCode?: number;
  headers?: Record<string, string>;
  cookies?: string[];
  [key: string]: unknown;
}

/**
 * Mark a handler as a response-streaming handler; it is then called as
 * `(event, responseStream, context)` and must return a promise.
 *
 * @example
 * ```ts
 * export const handler = streamifyResponse(async (event, responseStream) => {
 *   responseStream.setContentType('text/plain');
 *   responseStream.write('hello ');
 *   responseStream.end('world');
 * });
 * ```
 */
export function streamifyResponse<TEvent = unknown>(handler: StreamingHandler<TEvent>, options?: StreamifyOptions): StreamingHandler<TEvent> {
  const marked = handler as StreamingHandler<TEvent> & Record<symbol, unknown>;
  marked[HANDLER_STREAMING] = STREAM_RESPONSE;
  if (typeof options?.highWaterMark === 'number') marked[HANDLER_HIGHWATERMARK] = Number.parseInt(String(options.highWaterMark), 10);
  return handler;
}

/** Implements `application/vnd.awslambda.http-integration-response` over a response stream. */
export class HttpResponseStream {
  /**
   * Set the integration content type and arrange for `JSON.stringify(prelude)` and 8 NUL bytes to
   * precede the first chunk (or the end of the stream, when nothing is written).
   *
   * @example
   * ```ts
   * const http = HttpResponseStream.from(responseStream, { statusCode: 201, headers: { 'x-id': '7' } });
   * http.end('created');
   * ```
   */
  static from(underlyingStream: ResponseStream, prelude: HttpResponseMetadata): ResponseStream {
    underlyingStream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(PRELUDE_DELIMITER_LENGTH));
    };
    return underlyingStream;
  }
}


/** How the loop must call a handler. */
export interface StreamingMetadata {
  streaming: boolean;
  highWaterMark: number | undefined;
}

/**
 * Read the marks `streamifyResponse` left on a handler.
 * @example
 * ```ts
 * streamingMetadata(streamifyResponse(async () => {}, { highWaterMark: 1024 })); // { streaming: true, highWaterMark: 1024 }
 * ```
 */
export function streamingMetadata(handler: object): StreamingMetadata {
  const marks = handler as Record<symbol, unknown>;
  const mode = marks[HANDLER_STREAMING];
  if (mode && mode !== STREAM_RESPONSE) throw new MalformedStreamingHandlerError('Only response streaming is supported.');
  const highWaterMark = marks[HANDLER_HIGHWATERMARK] ? Number(marks[HANDLER_HIGHWATERMARK]) : Number.NaN;
  return { streaming: Boolean(mode), highWaterMark: Number.isNaN(highWaterMark) ? undefined : highWaterMark };
}

/** The shape of the `awslambda` global. */
export interface AwsLambdaGlobal {
  streamifyResponse: typeof streamifyResponse;
  HttpResponseStream: typeof HttpResponseStream;
  [key: string]: unknown;
}

/**
 * Define `globalThis.awslambda` (keeping members another library already put there), unless
 * `AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA` asked not to. Call before loading the user's module.
 *
 * @example
 * ```ts
 * installAwsLambdaGlobal(readEnvironment());
 * ```
 */
export function installAwsLambdaGlobal(env: { noGlobalAwsLambda: boolean }): void {
  if (env.noGlobalAwsLambda) return;
  // Through unknown: @types/aws-lambda declares its own (narrower) `awslambda` global type.
  const holder = globalThis as unknown as { awslambda?: Partial<AwsLambdaGlobal> };
  holder.awslambda = { ...holder.awslambda, streamifyResponse, HttpResponseStream };
}
