/**
 * Match a request line against the management routes (management-routes.ts) and parse its query
 * and JSON body into a `ManagementCall`.
 */
import { ServiceError } from '../errors.js';
import type { ManagementCall } from './management-port.js';
import { DEFAULT_BODY_LIMIT, MANAGEMENT_ROUTES, type ManagementRoute } from './management-routes.js';

interface CompiledRoute {
  readonly route: ManagementRoute;
  readonly pattern: RegExp;
  readonly labels: readonly string[];
}

function compile(route: ManagementRoute): CompiledRoute {
  const labels: string[] = [];
  const source = route.path.replace(/\{([A-Za-z]+)\}/g, (_whole, name: string) => {
    labels.push(name);
    return '([^/]+)';
  });
  // The SDK adds no trailing slash; the CLI and older SDKs send `/functions/` for ListFunctions.
  return { route, pattern: new RegExp(`^${source}/?$`), labels };
}

const COMPILED = MANAGEMENT_ROUTES.map(compile);

/** A matched route, before the body is read. */
export interface RouteMatch {
  readonly route: ManagementRoute;
  readonly labels: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly queryAll: Readonly<Record<string, readonly string[]>>;
  readonly bodyLimit: number;
}

function decode(label: string): string {
  try {
    return decodeURIComponent(label);
  } catch {
    throw new ServiceError('LAMINA_ERR_VALIDATION', `1 validation error detected: Value '${label}' is not a valid percent-encoded path label`);
  }
}

function parseQuery(text: string): { query: Record<string, string>; queryAll: Record<string, string[]> } {
  const query: Record<string, string> = {};
  const queryAll: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    query[key] = value;
    (queryAll[key] ??= []).push(value);
  }
  return { query, queryAll };
}

/**
 * The route a method and URL name, or undefined when no management path matches (the caller then
 * answers as it always has). A known path with another method is 405.
 *
 * @example
 * matchManagementRoute('GET', '/2015-03-31/functions/f/configuration?Qualifier=1')
 * // { route: { operation: 'GetFunctionConfiguration', ... }, labels: { FunctionName: 'f' }, query: { Qualifier: '1' }, ... }
 */
export function matchManagementRoute(method: string, url: string): RouteMatch | undefined {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const { query, queryAll } = parseQuery(q < 0 ? '' : url.slice(q + 1));
  let pathMatched = false;
  for (const compiled of COMPILED) {
    const found = compiled.pattern.exec(path);
    if (found === null) continue;
    pathMatched = true;
    if (compiled.route.method !== method) continue;
    const literal = compiled.route.queryLiteral;
    if (literal !== undefined && query[literal[0]] !== literal[1]) continue;
    const labels: Record<string, string> = {};
    compiled.labels.forEach((name, i) => {
      labels[name] = decode(found[i + 1] ?? '');
    });
    return { route: compiled.route, labels, query, queryAll, bodyLimit: compiled.route.bodyLimit ?? DEFAULT_BODY_LIMIT };
  }
  if (pathMatched) throw new ServiceError('LAMINA_ERR_METHOD_NOT_ALLOWED', `Method ${method} is not allowed on ${path}`);
  return undefined;
}

/**
 * The call a matched route and its body make. An empty body is `{}`; anything but a JSON object
 * is refused as Lambda's REST-JSON protocol refuses it.
 *
 * @example toManagementCall(match, Buffer.from('{"FunctionName":"f"}'))
 */
export function toManagementCall(match: RouteMatch, body: Buffer): ManagementCall {
  let parsed: unknown = {};
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: the body is not valid JSON');
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected a JSON object');
  }
  return { operation: match.route.operation, labels: match.labels, query: match.query, queryAll: match.queryAll, body: parsed as Record<string, unknown>, successStatus: match.route.status };
}
