/**
 * Route matching as API Gateway does it (docs/http-front-ends.md): among the routes whose path
 * and method match a request, the most specific wins. Segment by segment from the left, a literal
 * beats a `{param}`, which beats a greedy `{proxy+}`; then an explicit method beats `ANY`. The HTTP
 * API's `$default` route takes what nothing else matched.
 */
import type { ApiRoute } from '../config/api-events.js';

export interface RouteMatch {
  readonly route: ApiRoute;
  /** Decoded values by parameter name (`{proxy+}` gives `proxy`); empty when none. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

type Segment = { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'param' | 'greedy'; readonly name: string };

interface CompiledRoute {
  readonly route: ApiRoute;
  readonly segments: readonly Segment[];
}

/** Higher is more specific, for one segment. */
const SEGMENT_RANK = { literal: 3, param: 2, greedy: 1 } as const;

function compile(path: string): Segment[] {
  if (path === '/') return [];
  return path
    .split('/')
    .slice(1)
    .map((text): Segment => {
      const match = /^\{(.+?)(\+?)\}$/.exec(text);
      if (match === null) return { kind: 'literal', text };
      return { kind: match[2] === '+' ? 'greedy' : 'param', name: match[1] ?? '' };
    });
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The parameters if `segments` match `parts`, else undefined. */
function matchSegments(segments: readonly Segment[], parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    if (segment.kind === 'greedy') {
      const rest = parts.slice(i);
      // A greedy parameter needs at least one non-empty segment.
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      params[segment.name] = decode(rest.join('/'));
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (segment.text !== part) return undefined;
    } else {
      if (part === '') return undefined;
      params[segment.name] = decode(part);
    }
  }
  return segments.length === parts.length ? params : undefined;
}

/** -1 if a is more specific than b, 1 if less, 0 if equal. */
function compareSpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const x = a.segments[i];
    const y = b.segments[i];
    if (x === undefined || y === undefined) return x === undefined ? 1 : -1;
    const diff = SEGMENT_RANK[y.kind] - SEGMENT_RANK[x.kind];
    if (diff !== 0) return diff;
  }
  if (a.route.method === b.route.method) return 0;
  return a.route.method === 'ANY' ? 1 : b.route.method === 'ANY' ? -1 : 0;
}

/**
 * @example
 * const table = new RouteTable([{ method: 'GET', path: '/users/{id}', ... }]);
 * table.match('GET', '/users/42'); // { route, pathParameters: { id: '42' } }
 */
export class RouteTable {
  readonly #routes: CompiledRoute[];
  readonly #fallback: ApiRoute | undefined;

  constructor(routes: readonly ApiRoute[]) {
    this.#fallback = routes.find((route) => route.path === '$default');
    this.#routes = routes
      .filter((route) => route.path !== '$default')
      .map((route) => ({ route, segments: compile(route.path) }))
      .sort(compareSpecificity);
  }

  /** The route for a request's method and path (without query string), or undefined. */
  match(method: string, path: string): RouteMatch | undefined {
    const parts = path === '/' ? [] : path.split('/').slice(1);
    const upper = method.toUpperCase();
    for (const compiled of this.#routes) {
      if (compiled.route.method !== 'ANY' && compiled.route.method !== upper) continue;
      const pathParameters = matchSegments(compiled.segments, parts);
      if (pathParameters !== undefined) return { route: compiled.route, pathParameters };
    }
    return this.#fallback === undefined ? undefined : { route: this.#fallback, pathParameters: {} };
  }

  /** Every route, most specific first, then `$default`: for the banner. */
  get routes(): ApiRoute[] {
    return [...this.#routes.map((compiled) => compiled.route), ...(this.#fallback === undefined ? [] : [this.#fallback])];
  }
}
