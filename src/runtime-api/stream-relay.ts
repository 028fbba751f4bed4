/**
 * Relay a streamed response (docs/runtime-api.md, response streaming) from the runtime's chunked
 * request body to the caller, chunk by chunk, with backpressure. A mid-stream failure arrives in
 * the trailers `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body`
 * (base64 of the error JSON).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runtimeApiErrorBody, RUNTIME_API_ERRORS } from '../errors.js';
import type { ReportedError, RuntimeApiTarget, StreamEnd } from './runtime-api-target.js';

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
export function relayStream<Answer extends object>(
  target: RuntimeApiTarget<Answer>,
  invocation: Answer,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const contentType = req.headers['content-type'] ?? 'application/octet-stream';
  const sink = target.beginStream(invocation, contentType);
  let size = 0;
  let ended = false;
  return new Promise((resolve) => {
    const end = (how: StreamEnd): void => {
      if (ended) return;
      ended = true;
      req.unpipe(sink);
      target.endStream(invocation, how);
      resolve();
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_STREAMED_RESPONSE_BYTES && !ended) {
        end({ kind: 'too-large', limitBytes: MAX_STREAMED_RESPONSE_BYTES });
        const body = runtimeApiErrorBody('LAMINA_ERR_RUNTIME_PAYLOAD_TOO_LARGE', 'Streamed response exceeded 200 MB');
        res.writeHead(RUNTIME_API_ERRORS.LAMINA_ERR_RUNTIME_PAYLOAD_TOO_LARGE.status, { 'Content-Type': 'application/json', Connection: 'close' });
        res.end(body);
      }
    });
    req.pipe(sink, { end: false });
    req.on('end', () => {
      if (ended) return;
      end({ kind: 'complete', reported: trailerError(req) });
      const accepted = '{"status":"OK"}';
      res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': accepted.length });
      res.end(accepted);
    });
    req.on('close', () => {
      if (!req.complete) end({ kind: 'truncated' });
    });
  });
}
