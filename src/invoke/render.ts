/**
 * Turn what the platform answered into the Invoke API's HTTP answers (docs/invoke-api.md).
 *
 * Buffered invokes answer 200 with the payload and `X-Amz-*` headers; Event 202; DryRun 204;
 * streaming invokes answer an event stream written chunk by chunk as the function produces it.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ServiceError } from '../errors.js';
import { responseTooLarge, streamFailed } from '../platform/function-errors.js';
import type { AcceptedInvoke, FunctionErrorResult, InvokeOutcome, InvokeRequest, StreamedBody } from '../platform/invoke-types.js';
import { encodeInvokeComplete, encodePayloadChunk } from './event-stream.js';

/** What rendering needs from the front door's options. */
export interface RenderLimits {
  /** Bytes of log tail in `X-Amz-Log-Result` / `LogResult` (Lambda: 4 KB). */
  readonly logTailBytes: number;
  /** Largest buffered response (Lambda: 6,291,556 bytes, `Function.ResponseSizeTooLarge` past it). */
  readonly maxResponseBytes: number;
}

const noop = (): void => undefined;

/**
 * Base64 of the last `bytes` bytes of the invocation's log.
 *
 * @example
 * logTail(() => 'START ...\nEND ...\n', 4096); // 'U1RBUlQg...'
 */
export function logTail(logs: () => string, bytes: number): string {
  const all = Buffer.from(logs(), 'utf8');
  return all.subarray(Math.max(0, all.length - bytes)).toString('base64');
}

/**
 * Answer a service error: its status, `x-amzn-ErrorType`, JSON body. Anything that is not a
 * `ServiceError` becomes a 500 `ServiceException` whose message reveals nothing internal.
 *
 * @example
 * renderError(res, new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', 'Function not found: arn:...'), requestId);
 */
export function renderError(res: ServerResponse, err: unknown, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const error = err instanceof ServiceError ? err : new ServiceError('LAMINA_ERR_SERVICE', 'An internal error occurred.');
  const body = Buffer.from(error.toBody());
  res.writeHead(error.spec.status, {
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    'x-amzn-ErrorType': error.spec.name,
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

/**
 * Answer an accepted Event (202) or DryRun (204) invoke, with an empty body.
 *
 * @example
 * renderAccepted(res, request, port.accept(request));
 */
export function renderAccepted(res: ServerResponse, request: InvokeRequest, accepted: AcceptedInvoke): void {
  res.writeHead(request.invocationType === 'Event' ? 202 : 204, {
    'Content-Length': 0,
    'X-Amz-Executed-Version': accepted.executedVersion,
    'x-amzn-RequestId': accepted.requestId,
  });
  res.end();
}

/** Buffer a streamed body up to `cap` bytes; past it, keep draining so the runtime is not blocked. */
function bufferStream(body: Readable, cap: number): Promise<Buffer | 'too-large' | 'failed'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('error', noop);
    body.on('data', (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size <= cap) chunks.push(bytes);
      else chunks.length = 0;
    });
    body.once('end', () => resolve(size > cap ? 'too-large' : Buffer.concat(chunks, size)));
    body.once('error', () => resolve('failed'));
    if (body.readableEnded) resolve(Buffer.alloc(0));
  });
}

async function settle(stream: StreamedBody, ending: 'ended' | 'failed' | 'client-gone'): Promise<FunctionErrorResult | undefined> {
  const error = await stream.completion.catch(() => streamFailed());
  return error === undefined && ending === 'failed' ? streamFailed() : error;
}

/**
 * Answer a RequestResponse invoke through the buffered Invoke API. A streamed result is
 * gathered first (the caller asked for one payload).
 *
 * @example
 * await renderBuffered(res, request, await port.invoke(request), limits);
 */
export async function renderBuffered(res: ServerResponse, request: InvokeRequest, outcome: InvokeOutcome, limits: RenderLimits): Promise<void> {
  const result = outcome.result;
  let payload: Buffer = Buffer.alloc(0);
  let error: FunctionErrorResult | undefined;
  if (result.kind === 'response') payload = result.payload;
  else if (result.kind === 'function-error') error = result.error;
  else {
    const gathered = await bufferStream(result.stream.body, limits.maxResponseBytes);
    error = await settle(result.stream, gathered === 'failed' ? 'failed' : 'ended');
    if (error === undefined && gathered === 'too-large') {
      error = responseTooLarge(limits.maxResponseBytes);
    }
    if (typeof gathered !== 'string') payload = gathered;
  }
  if (error !== undefined) payload = error.payload;
  // A flat [name, value, ...] list: node:http writes it as it comes (hot path, one per invoke).
  const headers: (string | number)[] = [
    'Content-Type', error?.contentType ?? 'application/json',
    'Content-Length', payload.length,
    'X-Amz-Executed-Version', outcome.executedVersion,
    'x-amzn-RequestId', outcome.requestId,
  ];
  if (error !== undefined) headers.push('X-Amz-Function-Error', 'Unhandled');
  if (request.tailLogs) headers.push('X-Amz-Log-Result', logTail(outcome.logs, limits.logTailBytes));
  res.writeHead(200, headers as string[]);
  res.end(payload);
}

/** Relay `body` as PayloadChunk frames as each chunk arrives, pausing while the socket is full. */
function relay(res: ServerResponse, body: Readable): Promise<'ended' | 'failed' | 'client-gone'> {
  return new Promise((resolve) => {
    body.on('error', noop);
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (bytes.length > 0 && !res.write(encodePayloadChunk(bytes))) body.pause();
    };
    const onDrain = (): void => void body.resume();
    const finish = (how: 'ended' | 'failed' | 'client-gone'): void => {
      body.off('data', onData);
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (how === 'client-gone') body.resume(); // keep the runtime flowing; the bytes go nowhere
      resolve(how);
    };
    const onClose = (): void => finish('client-gone');
    if (body.readableEnded) return resolve('ended');
    body.on('data', onData);
    body.once('end', () => finish('ended'));
    body.once('error', () => finish('failed'));
    res.on('drain', onDrain);
    res.once('close', onClose);
  });
}

/**
 * Answer an InvokeWithResponseStream call: 200 event stream, PayloadChunk frames, then
 * one InvokeComplete carrying the error (ErrorCode = error type, ErrorDetails = error JSON) and
 * the log tail when `Tail` was asked.
 *
 * @example
 * await renderStream(res, request, await port.invoke(request), limits);
 */
export async function renderStream(res: ServerResponse, request: InvokeRequest, outcome: InvokeOutcome, limits: RenderLimits): Promise<void> {
  const result = outcome.result;
  // The SDK reads ResponseStreamContentType from Content-Type (the frames are event-stream
  // whatever this says): it carries the content type the function gave its stream.
  const contentType =
    result.kind === 'stream' ? result.stream.contentType : result.kind === 'response' ? result.contentType : 'application/json';
  res.writeHead(200, {
    'Content-Type': contentType,
    'X-Amz-Executed-Version': outcome.executedVersion,
    'x-amzn-RequestId': outcome.requestId,
  });
  res.flushHeaders();
  let error: FunctionErrorResult | undefined;
  if (result.kind === 'response') {
    if (result.payload.length > 0) res.write(encodePayloadChunk(result.payload));
  } else if (result.kind === 'function-error') {
    error = result.error;
  } else {
    const ending = await relay(res, result.stream.body);
    error = await settle(result.stream, ending);
    if (ending === 'client-gone') return;
  }
  if (res.destroyed) return;
  res.end(
    encodeInvokeComplete({
      errorCode: error?.errorType,
      errorDetails: error?.payload.toString('utf8'),
      logResult: request.tailLogs ? logTail(outcome.logs, limits.logTailBytes) : undefined,
    }),
  );
}
