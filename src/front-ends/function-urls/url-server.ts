/**
 * One listener per Lambda function URL (docs/http-front-ends.md). Each request: a CORS preflight
 * is answered by the URL itself; an `AWS_IAM` URL checks the SigV4 signature (service `lambda`)
 * against the local keys with the Invoke API's verifier, hashing the body as it arrives; then the
 * function gets the URL's 2.0 event through the platform's `InvokePort`. A `BUFFERED` URL maps
 * the answer as payload 2.0 does; a `RESPONSE_STREAM` URL invokes with streaming and relays the
 * body chunk by chunk as the function writes it, after the prelude's status and headers.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FunctionUrlDefinition } from '../../config/function-urls.js';
import { ServiceError, type GatewayErrorCode } from '../../errors.js';
import type { SignatureVerifier, PendingSignature } from '../../invoke/sigv4-verifier.js';
import { BodyAbortedError, collectBody } from '../../invoke/read-body.js';
import { answerHeadersFit, frontEndServer, MAX_DRAIN_BYTES, type ListenerTimeouts } from '../listener-limits.js';
import type { InvokeOutcome, InvokePort, StreamedBody } from '../../platform/invoke-types.js';
import { frontRequest, type FrontRequest } from '../http-request.js';
import { httpApiResponseV2 } from '../http-api/response-v2.js';
import { answerHeaders, sendAnswer, urlError } from './url-answers.js';
import { isPreflight, preflightHeaders, withCorsHeaders } from './url-cors.js';
import { functionUrlEvent, type IamCaller } from './url-event.js';
import { readStreamHead, toBuffer } from './stream-prelude.js';

/** Lambda's invocation payload limit for a synchronous call: a URL refuses a larger request body. */
export const MAX_URL_REQUEST_BYTES = 6 * 1024 * 1024;

export interface UrlServerOptions {
  readonly url: FunctionUrlDefinition;
  readonly port: InvokePort;
  readonly accountId: string;
  readonly region: string;
  /** Checks `AWS_IAM` requests; undefined: no key is known, and every such request is refused. */
  readonly verifier: SignatureVerifier | undefined;
  /** The listener's head and request timeouts (tests shorten them). */
  readonly timeouts?: ListenerTimeouts;
}

/** Write a chunk, waiting for a slow client to drain (or to go away) before the next. */
function writeChunk(res: ServerResponse, chunk: Buffer): Promise<void> {
  if (res.write(chunk) || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Relay a streamed answer: head once the first body bytes (or the end) arrive, then each chunk as it comes. */
async function relayStream(res: ServerResponse, stream: StreamedBody, request: FrontRequest, url: FunctionUrlDefinition, requestId: string): Promise<void> {
  const chunks = stream.body[Symbol.asyncIterator]();
  const read = await readStreamHead(chunks, stream.contentType);
  if (read === undefined || !answerHeadersFit(read.head.headers)) {
    stream.body.destroy();
    return sendAnswer(res, urlError('LAMINA_ERR_GW_URL_INTERNAL'), requestId);
  }
  const writeHead = (): void => {
    res.writeHead(read.head.status, answerHeaders(withCorsHeaders(url.cors, request, read.head.headers), true, requestId));
    res.flushHeaders();
  };
  let pending: Buffer | undefined = read.first;
  for (;;) {
    if (pending !== undefined && pending.length > 0) {
      if (!res.headersSent) writeHead();
      await writeChunk(res, pending);
    }
    // A client gone: the rest is drained, so the function's stream still runs to its end.
    if (res.destroyed) {
      while ((await chunks.next()).done !== true);
      return;
    }
    const next = await chunks.next();
    if (next.done === true) break;
    pending = toBuffer(next.value);
  }
  const failure = await stream.completion;
  if (failure !== undefined && !res.headersSent) return sendAnswer(res, urlError('LAMINA_ERR_GW_URL_INTERNAL'), requestId);
  // A stream that fails midway cannot change its status: the connection is cut, as Lambda does.
  if (failure !== undefined) return void res.destroy();
  if (!res.headersSent) writeHead();
  res.end();
}

async function answerOutcome(res: ServerResponse, outcome: InvokeOutcome, request: FrontRequest, url: FunctionUrlDefinition, requestId: string): Promise<void> {
  const result = outcome.result;
  if (result.kind === 'stream' && url.invokeMode === 'RESPONSE_STREAM') return relayStream(res, result.stream, request, url, requestId);
  let payload: Buffer | undefined;
  if (result.kind === 'response') payload = result.payload;
  if (result.kind === 'stream') {
    const parts: Buffer[] = [];
    for await (const chunk of result.stream.body) parts.push(toBuffer(chunk));
    payload = (await result.stream.completion) === undefined ? Buffer.concat(parts) : undefined;
  }
  const mapped = payload === undefined ? undefined : httpApiResponseV2(payload);
  if (mapped === undefined || !answerHeadersFit(mapped.headers)) return sendAnswer(res, urlError('LAMINA_ERR_GW_URL_INTERNAL'), requestId);
  sendAnswer(res, { ...mapped, headers: withCorsHeaders(url.cors, request, mapped.headers) }, requestId);
}

/** Check the signature's headers (before the body is read); a refusal is the URL's 403. */
function beginSignature(req: IncomingMessage, verifier: SignatureVerifier | undefined): PendingSignature | 'refused' {
  if (verifier === undefined) return 'refused';
  try {
    const pending = verifier.begin(req);
    // A function URL is a Lambda endpoint: a signature scoped to another service is not for it.
    return pending.service === 'lambda' ? pending : 'refused';
  } catch (error) {
    if (error instanceof ServiceError) return 'refused';
    throw error;
  }
}

/**
 * @example
 * const server = createUrlServer({ url, port: platform, accountId: '000000000000', region: 'us-east-1', verifier: undefined });
 * server.listen(3100, '127.0.0.1');
 */
export function createUrlServer(options: UrlServerOptions): Server {
  const { url } = options;
  const context = { url, accountId: options.accountId, region: options.region };
  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const receivedAt = Date.now();
    const head = frontRequest(req, Buffer.alloc(0), receivedAt);
    if (url.cors !== undefined && isPreflight(head)) {
      req.resume();
      return sendAnswer(res, { status: 200, headers: preflightHeaders(url.cors, head), body: Buffer.alloc(0) }, requestId);
    }
    const signature = url.authType === 'AWS_IAM' ? beginSignature(req, options.verifier) : undefined;
    if (signature === 'refused') {
      req.resume();
      return sendAnswer(res, urlError('LAMINA_ERR_GW_URL_FORBIDDEN'), requestId);
    }
    // An oversized body is refused at the limit, not buffered; the rest is drained, then cut.
    const read = await collectBody(req, MAX_URL_REQUEST_BYTES, MAX_DRAIN_BYTES, { hash: signature?.hash });
    if (!read.ok) {
      if (read.close) res.setHeader('connection', 'close');
      return sendAnswer(res, urlError('LAMINA_ERR_GW_URL_TOO_LARGE'), requestId);
    }
    const body = read.body;
    let caller: IamCaller | undefined;
    if (signature !== undefined) {
      try {
        signature.finish();
      } catch {
        return sendAnswer(res, urlError('LAMINA_ERR_GW_URL_FORBIDDEN'), requestId);
      }
      caller = { accessKeyId: signature.accessKeyId };
    }
    const request: FrontRequest = { ...head, body };
    const payload = Buffer.from(JSON.stringify(functionUrlEvent(request, context, requestId, caller)));
    let outcome: InvokeOutcome;
    try {
      const streaming = url.invokeMode === 'RESPONSE_STREAM';
      outcome = await options.port.invoke({ functionName: url.functionName, qualifier: url.qualifier, invocationType: 'RequestResponse', payload, clientContext: undefined, tailLogs: false, traceId: undefined, tenantId: undefined, streaming });
    } catch (error) {
      const code: GatewayErrorCode = error instanceof ServiceError && error.spec.status === 429 ? 'LAMINA_ERR_GW_URL_THROTTLED' : error instanceof ServiceError && error.spec.status === 413 ? 'LAMINA_ERR_GW_URL_TOO_LARGE' : 'LAMINA_ERR_GW_URL_INTERNAL';
      return sendAnswer(res, urlError(code), requestId);
    }
    await answerOutcome(res, outcome, request, url, requestId);
  };
  return frontEndServer((req, res) => {
    const requestId = randomUUID();
    handle(req, res, requestId).catch((error: unknown) => {
      // A client that left mid-body is owed nothing.
      if (error instanceof BodyAbortedError) return;
      if (!res.headersSent) sendAnswer(res, urlError('LAMINA_ERR_GW_URL_INTERNAL'), requestId);
      else res.destroy();
    });
  }, options.timeouts);
}
