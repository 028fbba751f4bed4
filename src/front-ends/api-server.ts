/**
 * One listener per HTTP API of the template (docs/http-front-ends.md). A request is read once into
 * plain data, routed, turned into the API's event, and handed to the platform through the same
 * `InvokePort` the Invoke API uses (no HTTP hop to ourselves); the answer is mapped back as API
 * Gateway maps it. API Gateway's own answers come from the `GATEWAY_ERRORS` catalogue.
 */
import { randomUUID } from 'node:crypto';
import type { Server, ServerResponse } from 'node:http';
import type { ApiDefinition, ApiKind, ApiRoute } from '../config/api-events.js';
import { GATEWAY_ERRORS, ServiceError, type GatewayErrorCode } from '../errors.js';
import type { InvocationResult, InvokePort } from '../platform/invoke-types.js';
import { frontRequest, type FrontRequest } from './http-request.js';
import { RouteTable, type RouteMatch } from './route-table.js';
import { gatewayRequestId, httpApiEventV2, type ApiContext } from './http-api/event-v2.js';
import { gatewayError, httpApiResponseV2, type GatewayResponse } from './http-api/response-v2.js';
import { isBinaryFor, proxyEventV1 } from './rest-api/event-v1.js';
import { proxyResponseV1 } from './rest-api/response-v1.js';
import { createGatewayGuards, withAuthorizer, type GatewayAnswer } from './gateway-guards.js';
import { BodyAbortedError, collectBody } from '../invoke/read-body.js';
import { answerHeadersFit, frontEndServer, headBytes, lengthHeader, MAX_DRAIN_BYTES, MAX_HEAD_BYTES, type ListenerTimeouts } from './listener-limits.js';

/** API Gateway's payload limit for a request. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface ApiServerOptions {
  readonly api: ApiDefinition;
  readonly port: InvokePort;
  readonly accountId: string;
  readonly region: string;
  /** The listener's head and request timeouts (tests shorten them). */
  readonly timeouts?: ListenerTimeouts;
}

function gatewayAnswer(code: GatewayErrorCode): GatewayResponse {
  const spec = GATEWAY_ERRORS[code];
  return gatewayError(spec.status, spec.message);
}

/** What each kind of API answers when the answer is not the function's. */
const ANSWERS: Readonly<Record<ApiKind, Record<'notFound' | 'internal' | 'timeout' | 'throttled' | 'tooLarge', GatewayErrorCode>>> = {
  http: { notFound: 'LAMINA_ERR_GW_HTTP_NOT_FOUND', internal: 'LAMINA_ERR_GW_HTTP_INTERNAL', timeout: 'LAMINA_ERR_GW_HTTP_TIMEOUT', throttled: 'LAMINA_ERR_GW_HTTP_THROTTLED', tooLarge: 'LAMINA_ERR_GW_HTTP_TOO_LARGE' },
  rest: { notFound: 'LAMINA_ERR_GW_REST_MISSING_TOKEN', internal: 'LAMINA_ERR_GW_REST_INTERNAL', timeout: 'LAMINA_ERR_GW_REST_TIMEOUT', throttled: 'LAMINA_ERR_GW_REST_THROTTLED', tooLarge: 'LAMINA_ERR_GW_REST_TOO_LARGE' },
};

/** One payload format: the event for a matched route, and the answer mapped back (undefined: unmappable). */
interface PayloadFormat {
  event(request: FrontRequest, match: RouteMatch, context: ApiContext, requestId: string): unknown;
  response(payload: Buffer): GatewayResponse | undefined;
}

function formatFor(route: ApiRoute, api: ApiDefinition): PayloadFormat {
  if (route.payloadFormatVersion === '2.0') {
    return { event: httpApiEventV2, response: httpApiResponseV2 };
  }
  // An HTTP API decodes every base64 body; a REST API only its binary media types.
  const decodeBase64 = api.kind === 'http' ? () => true : (contentType: string | undefined) => isBinaryFor(contentType, api.binaryMediaTypes);
  return { event: proxyEventV1, response: (payload) => proxyResponseV1(payload, { decodeBase64 }) };
}

/** The invocation's answer bytes, or undefined for a function error (a streamed answer is collected whole). */
export async function resultBytes(result: InvocationResult): Promise<Buffer | undefined> {
  if (result.kind === 'response') return result.payload;
  if (result.kind === 'function-error') return undefined;
  // API Gateway buffers: a streamed answer is collected whole.
  const chunks: Buffer[] = [];
  for await (const chunk of result.stream.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return (await result.stream.completion) === undefined ? Buffer.concat(chunks) : undefined;
}

/**
 * Invoke the route's function with the event; map its answer, a throttle, or a timeout.
 * The integration timeout answers the caller; the invocation itself runs on to its own end.
 */
async function invokeRoute(port: InvokePort, route: ApiRoute, kind: ApiKind, format: PayloadFormat, payload: Buffer): Promise<GatewayResponse> {
  const answers = ANSWERS[kind];
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<GatewayResponse>((resolve) => {
    timer = setTimeout(() => resolve(gatewayAnswer(answers.timeout)), route.timeoutMs);
  });
  const answered = (async (): Promise<GatewayResponse> => {
    try {
      const outcome = await port.invoke({ functionName: route.functionName, qualifier: undefined, invocationType: 'RequestResponse', payload, clientContext: undefined, tailLogs: false, traceId: undefined, tenantId: undefined, streaming: false });
      const bytes = await resultBytes(outcome.result);
      const mapped = bytes === undefined ? undefined : format.response(bytes);
      // Headers Node cannot write (CR/LF: a split answer) or clients cannot read are a bad answer.
      return mapped !== undefined && answerHeadersFit(mapped.headers) ? mapped : gatewayAnswer(answers.internal);
    } catch (error) {
      return gatewayAnswer(error instanceof ServiceError && error.spec.status === 429 ? answers.throttled : answers.internal);
    }
  })();
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function send(res: ServerResponse, answer: GatewayResponse, requestId: string, kind: ApiKind, close = false): void {
  const headers: Array<[string, string]> = [];
  let hasType = false;
  for (const [name, value] of answer.headers) {
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    if (name === 'content-type') hasType = true;
    headers.push([name, value]);
  }
  if (!hasType && answer.body.length > 0) headers.push(['content-type', 'application/json']);
  // HTTP APIs name their request id `apigw-requestid`, REST APIs `x-amzn-RequestId`.
  headers.push([kind === 'http' ? 'apigw-requestid' : 'x-amzn-RequestId', requestId]);
  // The rest of a refused request is not read: the connection ends with this answer.
  if (close) headers.push(['connection', 'close']);
  res.writeHead(answer.status, [...headers.flat(), ...lengthHeader(answer)]);
  res.end(answer.body);
}

/**
 * @example
 * const server = createApiServer({ api, port: platform, accountId: '000000000000', region: 'us-east-1' });
 * server.listen(3000, '127.0.0.1');
 */
export function createApiServer(options: ApiServerOptions): Server {
  const table = new RouteTable(options.api.routes);
  const context: ApiContext = { api: options.api, accountId: options.accountId, region: options.region };
  const kind = options.api.kind;
  const answers = ANSWERS[kind];
  const guards = createGatewayGuards(options.api, options.port, context);
  // An integration answers within 30 s: a connection idle for far longer is a client that stopped reading.
  const timeouts = { idleTimeoutMs: 120_000, ...options.timeouts };
  return frontEndServer((req, res) => {
    const receivedAt = Date.now();
    // REST APIs' request ids are UUIDs; HTTP APIs' are short base64 ids.
    const requestId = kind === 'rest' ? randomUUID() : gatewayRequestId();
    if (headBytes(req) > MAX_HEAD_BYTES) return send(res, gatewayAnswer(answers.tooLarge), requestId, kind, true);
    // An oversized body is refused at the limit, not buffered; the rest is drained, then cut.
    collectBody(req, MAX_REQUEST_BYTES, MAX_DRAIN_BYTES)
      .then(async (outcome) => {
        if (!outcome.ok) return send(res, gatewayAnswer(answers.tooLarge), requestId, kind, outcome.close);
        const request = frontRequest(req, outcome.body, receivedAt);
        const reply = (answer: GatewayAnswer): void => send(res, guards.finish(request, typeof answer === 'string' ? gatewayAnswer(answer) : answer), requestId, kind);
        const preflight = await guards.preflight(request, requestId);
        if (preflight !== undefined) return reply(preflight);
        const match = table.match(request.method, request.rawPath);
        if (match === undefined) return reply(answers.notFound);
        const allowed = await guards.authorize(request, match, requestId);
        if (typeof allowed === 'string') return reply(allowed);
        const format = formatFor(match.route, options.api);
        const payload = Buffer.from(JSON.stringify(withAuthorizer(format.event(request, match, context, requestId), allowed.authorizer)));
        reply(await invokeRoute(options.port, match.route, kind, format, payload));
      })
      .catch((error: unknown) => {
        // A client that left mid-body is owed nothing.
        if (error instanceof BodyAbortedError) return;
        if (!res.headersSent) send(res, gatewayAnswer(answers.internal), requestId, kind);
        else res.destroy();
      });
  }, timeouts);
}

/** The routes of an API as the banner prints them: `GET /users/{id} -> Fn`, `... -> Fn (authorizer Tok)`. */
export function describeRoutes(api: ApiDefinition): string[] {
  return new RouteTable(api.routes).routes.map((route) => `${route.path === '$default' ? '$default' : `${route.method} ${route.path}`} -> ${route.functionName}${route.authorizer === undefined ? '' : ` (authorizer ${route.authorizer})`}`);
}
