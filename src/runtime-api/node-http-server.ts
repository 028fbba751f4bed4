/**
 * The Runtime API's routes on node:http (docs/runtime-api.md): every request under
 * `LAMINA_RUNTIME_API_LISTENER=node`, and under the lean listener each connection it hands over
 * (docs/runtime-api-listener.md): streamed responses, init errors, the Extensions and Telemetry
 * APIs, chunked bodies, `Expect: 100-continue`, bad bytes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RUNTIME_API_ERRORS, runtimeApiErrorBody, type RuntimeApiErrorCode } from '../errors.js';
import { answerInOrder } from '../http-in-order.js';
import { BodyBudget, holdBodiesWithin, readBody } from './read-body.js';
import { handleExtensionApi } from './extension-api.js';
import { MAX_BUFFERED_RESPONSE_BYTES, parseRuntimeApiRequest } from './routes.js';
import type { NextWaiter, ReportedError, RuntimeApiTarget, RuntimeEvent } from './runtime-api-target.js';
import type { ConnectionCheck } from './lean/lean-listener.js';
import { relayStream } from './stream-relay.js';
import { parseTelemetryRoute, sendSubscribed, subscribe } from './telemetry-route.js';

/** Largest error report accepted; its bytes become the caller's error body. */
const MAX_ERROR_BYTES = MAX_BUFFERED_RESPONSE_BYTES;
const ACCEPTED_BODY = '{"status":"OK"}';
const RESPONSE_MODE_HEADER = 'lambda-runtime-function-response-mode';
const ERROR_TYPE_HEADER = 'lambda-runtime-function-error-type';
/**
 * Unfinished bodies one environment holds at once (docs/limits.md): a response and an extension's
 * error report at their largest, and a MiB for registrations and subscriptions.
 */
export const HELD_BODY_BYTES = 2 * MAX_BUFFERED_RESPONSE_BYTES + 1024 * 1024;

function sendError(res: ServerResponse, code: RuntimeApiErrorCode, message: string, close = false): void {
  const body = runtimeApiErrorBody(code, message);
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
  if (close) headers.Connection = 'close';
  res.writeHead(RUNTIME_API_ERRORS[code].status, headers);
  res.end(body);
}

// Hot path (twice per invocation: the event and the 202): headers as flat [name, value, ...]
// arrays, which node:http writes as they come (no object to enumerate), and the 202 built once.
const ACCEPTED_HEADERS = ['Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(ACCEPTED_BODY))];
const ACCEPTED_BYTES = Buffer.from(ACCEPTED_BODY);

function sendAccepted(res: ServerResponse): void {
  res.writeHead(202, ACCEPTED_HEADERS);
  res.end(ACCEPTED_BYTES);
}

function deliver(res: ServerResponse, event: RuntimeEvent): void {
  const headers: (string | number)[] = [
    'Content-Type', 'application/json',
    'Content-Length', event.payload.length,
    'Lambda-Runtime-Aws-Request-Id', event.requestId,
    'Lambda-Runtime-Deadline-Ms', event.deadlineMs,
    'Lambda-Runtime-Invoked-Function-Arn', event.invokedFunctionArn,
    'Lambda-Runtime-Trace-Id', event.traceId,
  ];
  // docs/runtime-api.md: a header whose value is empty is omitted.
  if (event.clientContext) headers.push('Lambda-Runtime-Client-Context', event.clientContext);
  if (event.tenantId) headers.push('Lambda-Runtime-Aws-Tenant-Id', event.tenantId);
  res.writeHead(200, headers as string[]);
  res.end(event.payload);
}

/** A parked `GET /next`: one object per long-poll, its methods shared (no closures per request). */
class ParkedNext implements NextWaiter {
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  deliver(invocation: RuntimeEvent): void {
    deliver(this.#res, invocation);
  }

  refuse(): void {
    sendError(this.#res, 'LAMINA_ERR_RUNTIME_SHUTTING_DOWN', 'The execution environment is shutting down', true);
  }

  // Also closed when its socket can no longer be written: the caller half-closed (the Runtime
  // API ends such a socket). Bad bytes pipelined behind it leave it open (docs/pipelining.md).
  get closed(): boolean {
    const res = this.#res;
    return res.destroyed || res.writableEnded || res.socket === null || !res.socket.writable;
  }
}

async function handleAnswer(
  target: RuntimeApiTarget,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  verb: 'response' | 'error',
): Promise<void> {
  const mode = req.headers[RESPONSE_MODE_HEADER];
  if (verb === 'response' && mode !== undefined && mode !== 'streaming') {
    sendError(res, 'LAMINA_ERR_RUNTIME_INVALID_RESPONSE_MODE', `Invalid function response mode: ${String(mode)}`);
    return;
  }
  const found = target.beginAnswer(requestId);
  if (typeof found === 'string') {
    sendError(res, found, found === 'LAMINA_ERR_RUNTIME_INVALID_REQUEST_ID' ? `Invalid request ID: "${requestId}"` : 'Invalid state transition: the invocation was already answered');
    return;
  }
  if (verb === 'response' && mode === 'streaming') {
    await relayStream(target, found, req, res);
    return;
  }
  const limit = verb === 'response' ? MAX_BUFFERED_RESPONSE_BYTES : MAX_ERROR_BYTES;
  const body = await readBody(req, limit);
  if (body === 'aborted') {
    target.abandonAnswer(found);
    return;
  }
  if (body === 'too-large') {
    target.finishTooLarge(found);
    sendError(res, 'LAMINA_ERR_RUNTIME_PAYLOAD_TOO_LARGE', `Exceeded maximum allowed payload size (${MAX_BUFFERED_RESPONSE_BYTES} bytes).`, true);
    return;
  }
  if (verb === 'response') {
    target.finishResponse(found, body, req.headers['content-type'] ?? 'application/json');
  } else {
    target.finishError(found, { errorType: headerValue(req.headers[ERROR_TYPE_HEADER]), payload: body });
  }
  sendAccepted(res);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function handleInitError(target: RuntimeApiTarget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, MAX_ERROR_BYTES);
  if (body === 'aborted') return;
  if (body === 'too-large') {
    sendError(res, 'LAMINA_ERR_RUNTIME_PAYLOAD_TOO_LARGE', 'Error report too large', true);
    return;
  }
  const reported: ReportedError = { errorType: headerValue(req.headers[ERROR_TYPE_HEADER]), payload: body };
  const refused = target.initError(reported);
  if (refused !== undefined) sendError(res, refused, 'Invalid state transition: init has already finished');
  else sendAccepted(res);
}

/** Telemetry and Logs API subscribe requests (docs/telemetry.md); false: not one of them. */
function routeTelemetry(target: RuntimeApiTarget, req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const found = parseTelemetryRoute(req.method ?? 'GET', query < 0 ? url : url.slice(0, query));
  if (found === undefined || target.subscribeTelemetry === undefined) return false;
  if (found.kind === 'method-not-allowed') {
    res.setHeader('Allow', found.allowed);
    sendError(res, 'LAMINA_ERR_RUNTIME_METHOD_NOT_ALLOWED', `Method ${req.method ?? ''} not allowed`);
    req.resume();
    return true;
  }
  const telemetry = { subscribeTelemetry: target.subscribeTelemetry.bind(target) };
  subscribe(telemetry, req, found.api)
    .then((answer) => (answer.ok ? sendSubscribed(res) : sendError(res, answer.code, answer.message)))
    .catch(() => res.destroy());
  return true;
}

function route(target: RuntimeApiTarget, req: IncomingMessage, res: ServerResponse): void {
  const action = parseRuntimeApiRequest(req.method ?? 'GET', req.url ?? '/');
  if (action.kind === 'not-found' && routeTelemetry(target, req, res)) return;
  switch (action.kind) {
    case 'next': {
      // Drain any body: unread, it fills the socket's buffers and the server stops reading, so a
      // parked caller's hang-up is never seen and the next invocation is delivered into it and lost.
      req.resume();
      const refused = target.next(new ParkedNext(res));
      if (refused !== undefined) sendError(res, refused, 'Invalid state transition: an invocation is outstanding');
      return;
    }
    case 'response':
    case 'error':
      handleAnswer(target, req, res, action.requestId, action.kind).catch(() => res.destroy());
      return;
    case 'init-error':
      handleInitError(target, req, res).catch(() => res.destroy());
      return;
    case 'extension-register':
    case 'extension-next':
    case 'extension-init-error':
    case 'extension-exit-error':
      handleExtensionApi(target.extensions, action, req, res);
      return;
    case 'method-not-allowed':
      res.setHeader('Allow', action.allowed);
      sendError(res, 'LAMINA_ERR_RUNTIME_METHOD_NOT_ALLOWED', `Method ${req.method ?? ''} not allowed`);
      req.resume();
      return;
    case 'not-found':
      sendError(res, 'LAMINA_ERR_RUNTIME_NOT_FOUND', `No such Runtime API path: ${req.url ?? ''}`);
      req.resume();
      return;
  }
}


/**
 * With a check, each connection's requests are held until its verdict (runtimes keep one
 * connection, so only the first waits) and a refused connection is closed unanswered.
 */
export function createRuntimeApiHttpServer(target: RuntimeApiTarget, allow?: ConnectionCheck): Server {
  const verdicts = new WeakMap<Socket, boolean | Promise<boolean>>();
  const budget = new BodyBudget(HELD_BODY_BYTES);
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    holdBodiesWithin(req, budget);
    if (allow === undefined) return route(target, req, res);
    const verdict = verdicts.get(req.socket);
    if (verdict === true) return route(target, req, res);
    if (verdict === undefined || verdict === false) {
      req.socket.destroy();
      return;
    }
    void verdict.then((ok) => (ok ? route(target, req, res) : undefined));
  };
  const server = createServer({ keepAlive: true, requestTimeout: 0, headersTimeout: 60_000 }, handle);
  if (allow !== undefined) {
    server.prependListener('connection', (socket: Socket) => {
      const pending = allow(socket.remotePort ?? 0, socket.localPort ?? 0)
        .catch(() => false)
        .then((ok) => {
          verdicts.set(socket, ok);
          if (!ok) socket.destroy();
          return ok;
        });
      verdicts.set(socket, pending);
    });
  }
  // A runtime keeps one connection open between invocations, however long it stays idle.
  server.keepAliveTimeout = 0;
  answerInOrder(server);
  return server;
}
