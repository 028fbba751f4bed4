/**
 * CORS as the two kinds of API give it (docs/http-front-ends.md).
 *
 * - HTTP API `CorsConfiguration`: API Gateway itself answers a preflight (an `OPTIONS` request with
 *   `Origin` and `Access-Control-Request-Method`) with 204, before routes and authorizers, and adds
 *   `Access-Control-Allow-Origin` (with `-Expose-Headers`, `-Allow-Credentials`) to every answer for
 *   an allowed origin. CORS headers the function sends are dropped: the configuration rules.
 * - REST API `Cors`: SAM adds an `OPTIONS` method (a mock integration) to every path of the API that
 *   answers 200 with the configured headers; other answers are the function's own.
 */
import type { ApiDefinition } from '../config/api-events.js';
import type { CorsSettings } from '../config/api-auth.js';
import type { GatewayResponse } from './http-api/response-v2.js';
import { headerValues, type FrontRequest } from './http-request.js';
import { RouteTable } from './route-table.js';

const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/**
 * Whether an origin is allowed: `*`, the same origin (any case), or a pattern with `*`
 * (`https://*.example.com`).
 *
 * @example originAllowed(['https://*.example.com'], 'https://app.example.com') // true
 */
export function originAllowed(allowOrigins: readonly string[], origin: string): boolean {
  return allowOrigins.some((allowed) => {
    if (allowed === '*') return true;
    const source = allowed.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
    return new RegExp(`^${source}$`, 'i').test(origin);
  });
}

function allowOriginHeader(cors: CorsSettings, origin: string): string {
  return cors.allowOrigins.includes('*') && !cors.allowCredentials ? '*' : origin;
}

/**
 * The HTTP API's own answer to a preflight, or undefined when the request is not one.
 *
 * @example httpApiPreflight(cors, request) // { status: 204, headers: [['access-control-allow-origin', '*'], ...], body: '' }
 */
export function httpApiPreflight(cors: CorsSettings, request: FrontRequest): GatewayResponse | undefined {
  const origin = headerValues(request, 'origin')[0];
  const wanted = headerValues(request, 'access-control-request-method')[0];
  if (request.method !== 'OPTIONS' || origin === undefined || wanted === undefined) return undefined;
  const headers: Array<[string, string]> = [];
  if (originAllowed(cors.allowOrigins, origin)) {
    headers.push(['access-control-allow-origin', allowOriginHeader(cors, origin)]);
    if (cors.allowMethods.length > 0) headers.push(['access-control-allow-methods', cors.allowMethods.join(',')]);
    if (cors.allowHeaders.length > 0) headers.push(['access-control-allow-headers', cors.allowHeaders.join(',')]);
    if (cors.exposeHeaders.length > 0) headers.push(['access-control-expose-headers', cors.exposeHeaders.join(',')]);
    if (cors.maxAge !== undefined) headers.push(['access-control-max-age', String(cors.maxAge)]);
    if (cors.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
  }
  return { status: 204, headers, body: Buffer.alloc(0) };
}

/**
 * An HTTP API answer with the configuration's CORS headers in place of the function's.
 *
 * @example withHttpApiCors(cors, request, answer).headers // [..., ['access-control-allow-origin', 'https://a.example']]
 */
export function withHttpApiCors(cors: CorsSettings, request: FrontRequest, answer: GatewayResponse): GatewayResponse {
  const headers = answer.headers.filter(([name]) => !name.toLowerCase().startsWith('access-control-'));
  const origin = headerValues(request, 'origin')[0];
  if (origin !== undefined && originAllowed(cors.allowOrigins, origin)) {
    headers.push(['access-control-allow-origin', allowOriginHeader(cors, origin)]);
    if (cors.exposeHeaders.length > 0) headers.push(['access-control-expose-headers', cors.exposeHeaders.join(',')]);
    if (cors.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
  }
  return { ...answer, headers };
}

/**
 * The path's methods for SAM's preflight `Access-Control-Allow-Methods`: every method of the
 * resource (all of them for `ANY`) and `OPTIONS`, sorted.
 */
function pathMethods(api: ApiDefinition, resource: string): string[] {
  const methods = new Set(api.routes.filter((route) => route.path === resource).flatMap((route) => (route.method === 'ANY' ? ALL_METHODS : [route.method])));
  methods.add('OPTIONS');
  return [...methods].sort();
}

/**
 * SAM's mock `OPTIONS` method of a REST API with `Cors`: the resource path it answers for, and
 * its answer; undefined when the request is not an `OPTIONS` on a path of the API, or the path has
 * its own `OPTIONS` method.
 *
 * @example restPreflight(api, api.cors, request) // { resource: '/items/{id}', answer: { status: 200, ... } }
 */
export function restPreflight(api: ApiDefinition, cors: CorsSettings, request: FrontRequest): { resource: string; answer: GatewayResponse } | undefined {
  if (request.method !== 'OPTIONS') return undefined;
  const anyMethod = new RouteTable(api.routes.map((route) => ({ ...route, method: 'ANY' })));
  const resource = anyMethod.match('OPTIONS', request.rawPath)?.route.path;
  if (resource === undefined || api.routes.some((route) => route.path === resource && route.method === 'OPTIONS')) return undefined;
  const headers: Array<[string, string]> = [
    ['access-control-allow-origin', cors.allowOrigins.join(',')],
    ['access-control-allow-methods', (cors.allowMethods.length > 0 ? cors.allowMethods : pathMethods(api, resource)).join(',')],
  ];
  if (cors.allowHeaders.length > 0) headers.push(['access-control-allow-headers', cors.allowHeaders.join(',')]);
  if (cors.maxAge !== undefined) headers.push(['access-control-max-age', String(cors.maxAge)]);
  if (cors.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
  return { resource, answer: { status: 200, headers, body: Buffer.alloc(0) } };
}
