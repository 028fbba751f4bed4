/**
 * The Invoke API front door: an HTTP server that the AWS SDK and CLI talk to.
 *
 * It parses each call into an `InvokeRequest`, hands it to the `InvokePort` and renders the
 * answer; it never reaches into the platform. Routes (docs/invoke-api.md):
 * `POST /2015-03-31/functions/{FunctionName}/invocations` and
 * `POST /2021-11-15/functions/{FunctionName}/response-streaming-invocations`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ServiceError } from '../errors.js';
import { answerInOrder } from '../http-in-order.js';
import type { InvokePort } from '../platform/invoke-types.js';
import { JsonValidator } from './json-validator.js';
import { completeInvokeRequest, isInvokePath, notJson, parseInvokeHead, payloadTooLarge } from './parse-request.js';
import { BodyAbortedError, collectBody } from './read-body.js';
import { SignatureVerifier, type SigningCredentials } from './sigv4-verifier.js';
import type { ManagementPort } from '../management/management-port.js';
import { matchManagementRoute } from '../management/match-route.js';
import { serveManagement } from '../management/serve-management.js';
import { isDashboardPath } from '../observability/dashboard/dashboard-http.js';
import { renderAccepted, renderBuffered, renderError, renderStream, type RenderLimits } from './render.js';

/** Options of `createFrontDoor`; all optional. */
export interface FrontDoorOptions {
  /** Bytes of log tail returned for `X-Amz-Log-Type: Tail`. Default 4096 (Lambda's 4 KB). */
  readonly logTailBytes?: number;
  /** Largest buffered function response. Default 6,291,556 bytes (Lambda's limit). */
  readonly maxResponseBytes?: number;
  /** How much of an oversized request body is read and dropped before the socket is cut. Default 16 MiB. */
  readonly maxDrainBytes?: number;
  /** Idle keep-alive time of client connections, ms. Default 65,000 (longer than SDK agents keep sockets). */
  readonly keepAliveTimeoutMs?: number;
  /** Told about unexpected errors (answered as 500 ServiceException without details). */
  readonly onInternalError?: (err: unknown) => void;
  /** Verify SigV4 signatures against these credentials (403 otherwise). Default: accept any caller. */
  readonly verifySignatures?: { readonly credentials: readonly SigningCredentials[]; readonly now?: () => number };
  /** The Lambda management API (src/management/, docs/management-api.md) on the same port; without it only the invoke paths answer. */
  readonly management?: ManagementPort;
  /** The live dashboard's page under `/_lamina/` (src/observability/dashboard/, docs/dashboard.md). */
  readonly dashboard?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Answers `GET /metrics` (docs/metrics.md); without it the path is not routed. */
  readonly metrics?: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
}

interface ResolvedOptions extends RenderLimits {
  readonly maxDrainBytes: number;
  readonly keepAliveTimeoutMs: number;
  readonly onInternalError: (err: unknown) => void;
  readonly verifier: SignatureVerifier | undefined;
  readonly management: ManagementPort | undefined;
  readonly dashboard: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  readonly metrics: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
}

function whole(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`front door option ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return v;
}

function verifierOf(verify: FrontDoorOptions['verifySignatures']): SignatureVerifier | undefined {
  if (verify === undefined) return undefined;
  if (verify.credentials.length === 0) throw new RangeError('front door option verifySignatures needs at least one access key');
  return new SignatureVerifier(verify.credentials, verify.now);
}

function resolveOptions(options: FrontDoorOptions): ResolvedOptions {
  return {
    logTailBytes: whole('logTailBytes', options.logTailBytes, 4096, 0, 1024 * 1024),
    maxResponseBytes: whole('maxResponseBytes', options.maxResponseBytes, 6_291_556, 1, 1024 * 1024 * 1024),
    maxDrainBytes: whole('maxDrainBytes', options.maxDrainBytes, 16 * 1024 * 1024, 0, 1024 * 1024 * 1024),
    keepAliveTimeoutMs: whole('keepAliveTimeoutMs', options.keepAliveTimeoutMs, 65_000, 1, 3_600_000),
    onInternalError: options.onInternalError ?? (() => undefined),
    verifier: verifierOf(options.verifySignatures),
    management: options.management,
    dashboard: options.dashboard,
    metrics: options.metrics,
  };
}

function validatorMessage(validator: JsonValidator): string {
  const verdict = validator.end();
  return verdict.ok ? 'invalid JSON' : verdict.message;
}

async function handle(port: InvokePort, opts: ResolvedOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The id of an answer the platform never saw (an invoke's own comes from the platform): made
  // only for the management API or an error, off the hot path.
  let requestId: string | undefined;
  try {
    // The router: the invoke paths first (the hot path pays one regular expression), then
    // `/metrics` and the dashboard's page, then the management routes.
    const url = req.url ?? '/';
    // An isolated function's connection (docs/service-endpoints.md) may invoke, and do nothing else.
    if (FUNCTION_CONNECTIONS.has(req.socket) && !isInvokePath(url)) {
      throw new ServiceError('LAMINA_ERR_ACCESS_DENIED', `A function may only invoke functions through the Lambda endpoint Lamina gives it; ${req.method ?? 'GET'} ${url.split('?')[0] ?? '/'} is not an invoke`);
    }
    // Only asked when something else is routed here (a bare front door pays nothing).
    const invokePath = (opts.dashboard !== undefined || opts.metrics !== undefined || opts.management !== undefined) && isInvokePath(url);
    // Scrapers do not sign: `/metrics` answers before the signature check (docs/metrics.md).
    if (!invokePath && opts.metrics !== undefined && (url === '/metrics' || url.startsWith('/metrics?'))) {
      opts.metrics(req, res);
      return;
    }
    // Before the signature check: a browser cannot sign (the dashboard is off where signatures
    // guard a reachable address, docs/dashboard.md).
    if (opts.dashboard !== undefined && !invokePath && isDashboardPath(url)) {
      opts.dashboard(req, res);
      return;
    }
    // Refuse a caller without valid credentials before reading its body (and before routing, as AWS does).
    const signature = opts.verifier?.begin(req);
    if (opts.management !== undefined && !invokePath) {
      const match = matchManagementRoute(req.method ?? '', url);
      if (match !== undefined) {
        requestId = randomUUID();
        await serveManagement(opts.management, match, req, res, requestId, opts.maxDrainBytes, signature);
        return;
      }
    }
    const head = parseInvokeHead(req.method ?? '', req.url ?? '/', req.headers);
    const validator = new JsonValidator();
    const body = await collectBody(req, head.bodyLimit, opts.maxDrainBytes, { validator, hash: signature?.hash });
    if (!body.ok) {
      if (body.close) res.setHeader('Connection', 'close');
      throw body.problem === 'too-large' ? payloadTooLarge(head, body.seen) : notJson(validatorMessage(validator));
    }
    signature?.finish();
    const request = completeInvokeRequest(head, body.body, validator.end());
    if (request.invocationType !== 'RequestResponse') {
      renderAccepted(res, request, await port.accept(request));
    } else if (request.streaming) {
      await renderStream(res, request, await port.invoke(request), opts);
    } else {
      await renderBuffered(res, request, await port.invoke(request), opts);
    }
  } catch (err) {
    if (err instanceof BodyAbortedError) return;
    if (!(err instanceof ServiceError)) opts.onInternalError(err);
    renderError(res, err, requestId ?? randomUUID());
  }
}

/**
 * Answer clients that half-close: a caller may send its whole request and then shut down its
 * sending side (`socket.end()`, a TCP FIN) while it waits for the answer. By default Node's HTTP
 * server (lib/_http_server.js, socketOnEnd) ends the socket on that FIN, so the answer is lost
 * though the invocation runs. With `httpAllowHalfOpen` (an undocumented Server property) it only
 * marks the response in flight as the connection's last and ends the socket after it. A FIN in
 * the middle of a body is still a parse error that destroys the socket (read-body's 'close').
 * A client that really went away also sends only a FIN: it is noticed when the next write fails
 * (EPIPE/ECONNRESET destroy the socket and the response emits 'close', which the stream relay
 * watches); a buffered answer is written once, into the void.
 */
function allowHalfOpen(server: Server): void {
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
}

/** Connections that came from inside isolated environments ({@link acceptFunctionConnection}). */
const FUNCTION_CONNECTIONS = new WeakSet<Socket>();

/**
 * Serve a connection made inside an isolated environment (its own loopback, carried by the
 * platform): the Invoke API paths only, every other route answers 403 AccessDeniedException, so a
 * function cannot manage, delete or read other functions through Lamina.
 *
 * @example serviceEndpoints.add('LAMBDA', base, (socket) => acceptFunctionConnection(server, socket));
 */
export function acceptFunctionConnection(server: Server, socket: Socket): void {
  FUNCTION_CONNECTIONS.add(socket);
  server.emit('connection', socket);
}

/**
 * Create (not start) the front door server. Options are checked here, once.
 *
 * @example
 * const server = createFrontDoor(platform, { logTailBytes: 4096 });
 * const address = await listen(server, '127.0.0.1', 9000);
 * // new LambdaClient({ endpoint: `http://127.0.0.1:${address.port}`, ... })
 */
export function createFrontDoor(port: InvokePort, options: FrontDoorOptions = {}): Server {
  const opts = resolveOptions(options);
  const server = createServer({ keepAlive: true }, (req, res) => {
    res.on('error', () => undefined);
    void handle(port, opts, req, res).catch((err: unknown) => {
      opts.onInternalError(err);
      res.destroy();
    });
  });
  allowHalfOpen(server);
  server.keepAliveTimeout = opts.keepAliveTimeoutMs;
  server.headersTimeout = opts.keepAliveTimeoutMs + 1000;
  answerInOrder(server);
  return server;
}

/**
 * Start listening and resolve with the bound address (port 0 picks a free port).
 *
 * @example
 * const { port } = await listen(server, '127.0.0.1', 0);
 */
export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    // A deep accept queue: a burst of a thousand callers connecting at once must not be dropped
    // (Node's default backlog is 511; the kernel caps it at net.core.somaxconn).
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('The server is not bound to a TCP address'));
      else resolve(address);
    });
  });
}
