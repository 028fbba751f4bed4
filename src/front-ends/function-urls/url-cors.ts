/**
 * CORS for a function URL with a `Cors` configuration (docs/http-front-ends.md). Lambda answers a
 * browser's preflight itself (the function is not invoked) and adds the CORS headers to the
 * function's answers; the URL's settings replace any `access-control-*` header the function sent.
 * A request from an origin the settings do not allow gets no CORS headers (the browser refuses it).
 */
import type { UrlCors } from '../../config/function-urls.js';
import { headerValues, type FrontRequest } from '../http-request.js';

export type HeaderList = Array<readonly [string, string]>;

function firstHeader(request: FrontRequest, name: string): string | undefined {
  return headerValues(request, name)[0];
}

/**
 * What `access-control-allow-origin` says for this origin, or undefined when it is not allowed.
 * `*` allows any origin; with `AllowCredentials` the origin itself is echoed (browsers refuse `*`
 * with credentials).
 *
 * @example allowedOrigin({ ...cors, allowOrigins: ['https://a.example'] }, 'https://a.example') // 'https://a.example'
 */
export function allowedOrigin(cors: UrlCors, origin: string | undefined): string | undefined {
  if (origin === undefined || origin === '') return undefined;
  if (cors.allowOrigins.includes('*')) return cors.allowCredentials ? origin : '*';
  return cors.allowOrigins.some((allowed) => allowed.toLowerCase() === origin.toLowerCase()) ? origin : undefined;
}

/** A browser's preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. */
export function isPreflight(request: FrontRequest): boolean {
  return request.method === 'OPTIONS' && firstHeader(request, 'origin') !== undefined && firstHeader(request, 'access-control-request-method') !== undefined;
}

/**
 * The headers of Lambda's answer to a preflight (status 200, no body): the allowed origin,
 * methods, headers, max age and credentials when the origin, the method and every requested
 * header are allowed; otherwise none.
 *
 * @example preflightHeaders(cors, request) // [['access-control-allow-origin', '*'], ['access-control-allow-methods', 'GET,POST'], ...]
 */
export function preflightHeaders(cors: UrlCors, request: FrontRequest): HeaderList {
  const origin = allowedOrigin(cors, firstHeader(request, 'origin'));
  const method = (firstHeader(request, 'access-control-request-method') ?? '').trim().toUpperCase();
  const requested = (firstHeader(request, 'access-control-request-headers') ?? '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  const anyHeader = cors.allowHeaders.includes('*');
  const methodOk = cors.allowMethods.includes('*') || cors.allowMethods.includes(method);
  const headersOk = anyHeader || requested.every((h) => cors.allowHeaders.includes(h));
  if (origin === undefined || !methodOk || !headersOk) return [['vary', 'Origin']];
  const headers: HeaderList = [
    ['access-control-allow-origin', origin],
    ['access-control-allow-methods', cors.allowMethods.includes('*') ? method : cors.allowMethods.join(',')],
  ];
  const allowHeaders = anyHeader ? requested : cors.allowHeaders;
  if (allowHeaders.length > 0) headers.push(['access-control-allow-headers', allowHeaders.join(',')]);
  if (cors.maxAge > 0) headers.push(['access-control-max-age', String(cors.maxAge)]);
  if (cors.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
  headers.push(['vary', 'Origin']);
  return headers;
}

/**
 * The function's answer headers with the URL's CORS headers in place of its own `access-control-*`
 * ones (unchanged when the URL has no `Cors`).
 *
 * @example withCorsHeaders(cors, request, [['content-type', 'text/plain']]) // [..., ['access-control-allow-origin', 'https://a.example']]
 */
export function withCorsHeaders(cors: UrlCors | undefined, request: FrontRequest, headers: ReadonlyArray<readonly [string, string]>): HeaderList {
  if (cors === undefined) return [...headers];
  const kept: HeaderList = headers.filter(([name]) => !name.toLowerCase().startsWith('access-control-'));
  const origin = allowedOrigin(cors, firstHeader(request, 'origin'));
  if (origin === undefined) return kept;
  kept.push(['access-control-allow-origin', origin]);
  if (cors.exposeHeaders.length > 0) kept.push(['access-control-expose-headers', cors.exposeHeaders.join(',')]);
  if (cors.allowCredentials) kept.push(['access-control-allow-credentials', 'true']);
  if (origin !== '*') kept.push(['vary', 'Origin']);
  return kept;
}
