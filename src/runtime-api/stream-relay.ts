/**
 * Relay a streamed response (docs/runtime-api.md, response streaming) from the runtime's chunked
 * request body to the caller, chunk by chunk, with backpressure. A mid-stream failure arrives in
 * the trailers `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body`
 * (base64 of the error JSON).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runtimeApiErrorBody, RUNTIME_API_ERRORS } from '../errors.js';
import { responseTooLarge, truncatedResponse } from '../platform/function-errors.js';
import type { Invocation } from '../platform/invocation.js';
import type { ReportedError, RuntimeApiTarget } from './runtime-api-target.js';

/** docs/limits.md: a streamed response may be at most 200 MB. */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024;

function trailerError(req: IncomingMessage): ReportedError | undefined {
  const type = req.trailers['lambda-runtime-function-error-type'];
  const body = req.trailers['lambda-runtime-function-error-body'];
  if (type === undefined && body === undefined) return undefined;
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body, 'base64');
  return { errorType: type, payload };
}

/**
 * @example
 * await relayStream(environment, invocation, req, res);
 */
export function relayStream(
  target: RuntimeApiTarget,
  invocation: Invocation,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const contentType = req.headers['content-type'] ?? 'application/octet-stream';
  const sink = target.beginStream(invocation, contentType);
  let size = 0;
  let ended = false;
  return new Promise((resolve) => {
    const end = (reported: ReportedError | undefined): void => {
      if (ended) return;
      ended = true;
      req.unpipe(sink);
      target.endStream(invocation, reported);
      resolve();
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_STREAMED_RESPONSE_BYTES && !ended) {
        end(responseTooLarge(MAX_STREAMED_RESPONSE_BYTES));
        const body = runtimeApiErrorBody('LAMINA_ERR_RUNTIME_PAYLOAD_TOO_LARGE', 'Streamed response exceeded 200 MB');
        res.writeHead(RUNTIME_API_ERRORS.LAMINA_ERR_RUNTIME_PAYLOAD_TOO_LARGE.status, { 'Content-Type': 'application/json', Connection: 'close' });
        res.end(body);
      }
    });
    req.pipe(sink, { end: false });
    req.on('end', () => {
      if (ended) return;
      end(trailerError(req));
      const accepted = '{"status":"OK"}';
      res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': accepted.length });
      res.end(accepted);
    });
    req.on('close', () => {
      if (!req.complete) end(truncatedResponse('The runtime closed the response stream before it was complete'));
    });
  });
}
