/**
 * An HTTP request as the front ends see it: plain data read once from Node's request, so each
 * front end's event builder is a pure function with its own tests (docs/http-front-ends.md).
 */
import type { IncomingMessage } from 'node:http';

export interface FrontRequest {
  readonly method: string;
  /** The path as received, still percent-encoded, without the query string. */
  readonly rawPath: string;
  /** What follows `?`, as received ('' when none). */
  readonly rawQueryString: string;
  /** Header pairs in arrival order, names lower-cased; repeated headers stay separate. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Each header's name as the client first wrote it, by its lower-case name (REST APIs keep it). */
  readonly rawNames?: ReadonlyMap<string, string>;
  readonly body: Buffer;
  readonly sourceIp: string;
  /** `HTTP/1.1` */
  readonly protocol: string;
  /** When the request arrived (ms since the epoch). */
  readonly receivedAt: number;
}

/**
 * @example frontRequest(req, body) // { method: 'GET', rawPath: '/users/42', rawQueryString: 'a=1', ... }
 */
export function frontRequest(req: IncomingMessage, body: Buffer, receivedAt = Date.now()): FrontRequest {
  const url = originForm(req.url ?? '/');
  const at = url.indexOf('?');
  const headers: Array<readonly [string, string]> = [];
  const rawNames = new Map<string, string>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    const lower = name.toLowerCase();
    if (!rawNames.has(lower)) rawNames.set(lower, name);
    headers.push([lower, req.rawHeaders[i + 1] ?? '']);
  }
  const ip = req.socket.remoteAddress ?? '127.0.0.1';
  return {
    method: req.method ?? 'GET',
    rawPath: at < 0 ? url : url.slice(0, at),
    rawQueryString: at < 0 ? '' : url.slice(at + 1),
    headers,
    rawNames,
    body,
    sourceIp: ip.startsWith('::ffff:') ? ip.slice(7) : ip,
    protocol: `HTTP/${req.httpVersion}`,
    receivedAt,
  };
}

/**
 * The target as a path: a client may send the absolute form (`GET http://host/x`, RFC 9112), which
 * a server must accept; its path is what is routed and what the function sees, never the host.
 *
 * @example originForm('http://evil.example/x?a=1') // '/x?a=1'
 */
export function originForm(target: string): string {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (absolute === null) return target;
  const rest = target.slice(absolute[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** The values of one header (name lower case), in order. */
export function headerValues(request: FrontRequest, name: string): string[] {
  return request.headers.filter(([key]) => key === name).map(([, value]) => value);
}

/**
 * Query parameters decoded as API Gateway decodes them (`+` is a space), values in order.
 *
 * @example queryParameters('a=1&a=2&b=x+y') // Map { 'a' => ['1', '2'], 'b' => ['x y'] }
 */
export function queryParameters(rawQueryString: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  if (rawQueryString === '') return params;
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeQuery(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeQuery(pair.slice(eq + 1));
    params.set(key, [...(params.get(key) ?? []), value]);
  }
  return params;
}

function decodeQuery(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * Content types whose bodies an HTTP API passes as text; any other body (or one without a
 * content type) reaches the function base64-encoded with `isBase64Encoded: true`.
 *
 * @example isTextContentType('application/json; charset=utf-8') // true
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (type.startsWith('text/')) return true;
  if (type.endsWith('+json') || type.endsWith('+xml')) return true;
  return ['application/json', 'application/xml', 'application/javascript', 'application/ecmascript', 'application/graphql'].includes(type);
}
