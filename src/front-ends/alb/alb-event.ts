/**
 * The event an Application Load Balancer sends a Lambda target (docs/http-front-ends.md), typed by
 * `@types/aws-lambda`'s `ALBEvent`. Unlike API Gateway, the load balancer decodes nothing: query
 * parameters reach the function as the client wrote them, still percent-encoded. With the target
 * group's `lambda.multi_value_headers.enabled`, headers and query parameters come as lists in
 * `multiValueHeaders` / `multiValueQueryStringParameters`; without it, a repeated one keeps its last
 * value.
 */
import { randomBytes } from 'node:crypto';
import type { ALBEvent } from 'aws-lambda';
import type { AlbTargetGroup } from '../../config/alb-targets.js';
import { isTextContentType, type FrontRequest } from '../http-request.js';

export interface AlbEventContext {
  readonly targetGroup: AlbTargetGroup;
  /** The listener's port in the template: what `x-forwarded-port` says. */
  readonly listenerPort: number;
}

/**
 * An `X-Amzn-Trace-Id` as the load balancer adds it: `Root=1-<epoch seconds hex>-<24 hex>`.
 *
 * @example albTraceId(1700000000000) // 'Root=1-6553f100-0123456789abcdef01234567'
 */
export function albTraceId(now: number): string {
  return `Root=1-${Math.floor(now / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
}

/** Query parameters as received: split at `&` and the first `=`, nothing decoded, values in order. */
export function rawQueryParameters(rawQueryString: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    const list = params.get(key);
    if (list === undefined) params.set(key, [value]);
    else list.push(value);
  }
  return params;
}

/** Request headers plus the load balancer's own (`x-forwarded-*`, `x-amzn-trace-id`), names lower case. */
function forwardedHeaders(request: FrontRequest, context: AlbEventContext): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const [name, value] of request.headers) {
    const list = headers.get(name);
    if (list === undefined) headers.set(name, [value]);
    else list.push(value);
  }
  // The load balancer appends the client's address to any X-Forwarded-For it was sent.
  const forwardedFor = headers.get('x-forwarded-for');
  headers.set('x-forwarded-for', [forwardedFor === undefined ? request.sourceIp : `${forwardedFor.join(', ')}, ${request.sourceIp}`]);
  headers.set('x-forwarded-port', [String(context.listenerPort)]);
  headers.set('x-forwarded-proto', ['http']);
  if (!headers.has('x-amzn-trace-id')) headers.set('x-amzn-trace-id', [albTraceId(request.receivedAt)]);
  return headers;
}

function lastValues(map: ReadonlyMap<string, readonly string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of map) out[key] = values[values.length - 1] ?? '';
  return out;
}

/**
 * @example
 * albEvent(request, { targetGroup, listenerPort: 80 }) // { requestContext: { elb: { targetGroupArn } }, httpMethod: 'GET', path: '/lambda', ... }
 */
export function albEvent(request: FrontRequest, context: AlbEventContext): ALBEvent {
  const headers = forwardedHeaders(request, context);
  const query = rawQueryParameters(request.rawQueryString);
  const contentType = headers.get('content-type')?.at(-1);
  // Text bodies as they are; anything else (or a body without a content type) base64-encoded.
  const binary = request.body.length > 0 && !isTextContentType(contentType);
  const base = {
    requestContext: { elb: { targetGroupArn: context.targetGroup.arn } },
    httpMethod: request.method,
    path: request.rawPath,
  };
  const body = { body: binary ? request.body.toString('base64') : request.body.toString('utf8'), isBase64Encoded: binary };
  if (context.targetGroup.multiValueHeaders) {
    return { ...base, multiValueQueryStringParameters: Object.fromEntries(query), multiValueHeaders: Object.fromEntries(headers), ...body };
  }
  return { ...base, queryStringParameters: lastValues(query), headers: lastValues(headers), ...body };
}
