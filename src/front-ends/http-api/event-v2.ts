/**
 * The event an HTTP API sends a function with payload format 2.0 (docs/http-front-ends.md): header
 * names lower case, repeated headers and query parameters joined with commas, cookies in their own
 * list, the body base64-encoded unless its content type is text.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ApiDefinition } from '../../config/api-events.js';
import type { RouteMatch } from '../route-table.js';
import { headerValues, isTextContentType, queryParameters, type FrontRequest } from '../http-request.js';

export interface ApiContext {
  readonly api: ApiDefinition;
  readonly accountId: string;
  readonly region: string;
}

/**
 * A stable id for a template's API: 10 lower-case letters and digits as API Gateway's, or
 * `length` of them (a function URL's id has 32).
 *
 * @example apiIdOf('ServerlessHttpApi') // 'k3x0q9m2ab' (always the same for that name)
 */
export function apiIdOf(logicalId: string, length = 10): string {
  // Asked for on every request: hashed once per API and length (bench http's profile).
  const key = `${length} ${logicalId}`;
  const known = API_IDS.get(key);
  if (known !== undefined) return known;
  const digest = createHash('sha256').update(logicalId).digest();
  let id = '';
  for (let i = 0; id.length < length; i++) id += ((digest[i % digest.length] ?? 0) % 36).toString(36);
  API_IDS.set(key, id);
  return id;
}
const API_IDS = new Map<string, string>();

/** Random bytes drawn 4 KB at a time: one `randomBytes` call per request was 4-5% of the HTTP path. */
let entropy = Buffer.alloc(0);
let entropyAt = 0;

/** API Gateway's request ids look like `JKJaXmPLvHcESHA=`. */
export function gatewayRequestId(): string {
  if (entropyAt + 10 > entropy.length) {
    entropy = randomBytes(4096);
    entropyAt = 0;
  }
  entropyAt += 10;
  return entropy.toString('base64', entropyAt - 10, entropyAt);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * API Gateway's `requestContext.time`: `12/Mar/2020:19:03:58 +0000`.
 *
 * @example gatewayTime(Date.UTC(2020, 2, 12, 19, 3, 58)) // '12/Mar/2020:19:03:58 +0000'
 */
export function gatewayTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()] ?? ''}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function joinedHeaders(request: FrontRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) {
    if (name === 'cookie') continue; // 2.0 carries cookies in `cookies`
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return headers;
}

/**
 * @example
 * const event = httpApiEventV2(request, match, context, 'JKJaXmPLvHcESHA=');
 * event.routeKey // 'GET /users/{id}'
 */
export function httpApiEventV2(request: FrontRequest, match: RouteMatch, context: ApiContext, requestId: string): APIGatewayProxyEventV2 {
  const { api } = context;
  const routeKey = match.route.path === '$default' ? '$default' : `${match.route.method} ${match.route.path}`;
  const headers = joinedHeaders(request);
  const cookies = headerValues(request, 'cookie').flatMap((value) => value.split(';').map((c) => c.trim()).filter((c) => c !== ''));
  const query = queryParameters(request.rawQueryString);
  const apiId = apiIdOf(api.id);
  const host = headers.host ?? `${apiId}.execute-api.${context.region}.amazonaws.com`;
  const domainName = host.replace(/:\d+$/, '');
  const hasBody = request.body.length > 0;
  const text = isTextContentType(headers['content-type']);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query.size > 0 ? { queryStringParameters: Object.fromEntries([...query].map(([k, v]) => [k, v.join(',')])) } : {}),
    requestContext: {
      accountId: context.accountId,
      apiId,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: { method: request.method, path: safeDecode(request.rawPath), protocol: request.protocol, sourceIp: request.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey,
      stage: api.stageName,
      time: gatewayTime(request.receivedAt),
      timeEpoch: request.receivedAt,
    },
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: { ...match.pathParameters } } : {}),
    ...(Object.keys(api.stageVariables).length > 0 ? { stageVariables: { ...api.stageVariables } } : {}),
    ...(hasBody ? { body: text ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
  return event;
}

function safeDecode(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
