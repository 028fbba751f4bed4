/**
 * Traces as JSON for the Invoke API's port (docs/xray.md): `GET /_lamina/traces` (the newest
 * first, `?limit=N`, at most 1,000) and `GET /_lamina/traces/<trace id>`. The front door routes
 * these paths here; the answer is plain data it writes as it is.
 */
import type { TraceStore } from './trace-store.js';

export interface TraceRouteAnswer {
  readonly status: number;
  /** JSON text. */
  readonly body: string;
}

const PREFIX = '/_lamina/traces';
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

function json(status: number, value: unknown): TraceRouteAnswer {
  return { status, body: JSON.stringify(value) };
}

/**
 * @example
 * const traces = traceRoutes(store);
 * const answer = traces('GET', '/_lamina/traces?limit=5'); // { status: 200, body: '{"traces":[...]}' }
 * traces('GET', '/2015-03-31/functions'); // undefined: not a trace path
 */
export function traceRoutes(store: Pick<TraceStore, 'recent' | 'get'>): (method: string, path: string) => TraceRouteAnswer | undefined {
  return (method, path) => {
    const query = path.indexOf('?');
    const pathname = query < 0 ? path : path.slice(0, query);
    if (pathname !== PREFIX && pathname !== `${PREFIX}/` && !pathname.startsWith(`${PREFIX}/`)) return undefined;
    if (method !== 'GET' && method !== 'HEAD') return json(405, { message: `${method} is not allowed on ${pathname}` });
    const rest = pathname.slice(PREFIX.length + 1);
    if (rest === '') {
      const params = new URLSearchParams(query < 0 ? '' : path.slice(query + 1));
      const raw = params.get('limit');
      const limit = raw === null ? DEFAULT_LIMIT : Number(raw);
      if (!Number.isInteger(limit) || limit < 1) return json(400, { message: `limit must be a positive integer, got '${raw ?? ''}'` });
      return json(200, { traces: store.recent(Math.min(limit, MAX_LIMIT)) });
    }
    let traceId: string;
    try {
      traceId = decodeURIComponent(rest);
    } catch {
      return json(400, { message: 'the trace id is not a valid URI component' });
    }
    const trace = store.get(traceId);
    return trace === undefined ? json(404, { message: `no trace ${traceId}` }) : json(200, trace);
  };
}
