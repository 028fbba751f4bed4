/**
 * The HTTP APIs of a SAM template (docs/http-front-ends.md): each function's `Events` of type
 * `HttpApi` (API Gateway HTTP API, payload 2.0 unless asked for 1.0) and `Api` (REST API, payload
 * 1.0), grouped into the API they belong to: the implicit `ServerlessHttpApi` /
 * `ServerlessRestApi` that SAM creates, or an explicit `AWS::Serverless::HttpApi` /
 * `AWS::Serverless::Api` resource named by the event's `ApiId` / `RestApiId`.
 */
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { show, type TemplateReport } from './function-properties.js';
import { readApiAuth, readCors, routeAuthorizer, type ApiAuth, type AuthReader, type CorsSettings } from './api-auth.js';

export type ApiKind = 'http' | 'rest';

/** One route: `GET /users/{id}`, `ANY /{proxy+}` or the HTTP API's `$default`. */
export interface ApiRoute {
  /** Upper case, or `ANY`; `$default` routes have `ANY`. */
  readonly method: string;
  /** `/users/{id}`, `/{proxy+}`; `$default` for the catch-all route of an HTTP API. */
  readonly path: string;
  readonly functionName: string;
  readonly payloadFormatVersion: '1.0' | '2.0';
  /** The integration timeout: `TimeoutInMillis` (50-30,000 ms), default 30 s (HTTP API) or 29 s (REST API). */
  readonly timeoutMs: number;
  /** Where the route came from, for messages: `Resource HelloFn event GetUser`. */
  readonly source: string;
  /** The Lambda authorizer guarding the route (a key of the API's `auth.authorizers`); none: open. */
  readonly authorizer?: string;
}

export interface ApiDefinition {
  /** The logical id: `ServerlessHttpApi`, `ServerlessRestApi` or the resource's. */
  readonly id: string;
  readonly kind: ApiKind;
  /** `$default` for HTTP APIs unless named; `Prod` for the implicit REST API. */
  readonly stageName: string;
  readonly stageVariables: Readonly<Record<string, string>>;
  /** REST APIs: `BinaryMediaTypes` (SAM's `~1` written as `/`), e.g. `image/png`, `*\/*`. */
  readonly binaryMediaTypes: readonly string[];
  readonly routes: readonly ApiRoute[];
  /** Lambda authorizers (`Auth`), when the API resource declares some. */
  readonly auth?: ApiAuth;
  /** `Cors` (REST) or `CorsConfiguration` (HTTP API). */
  readonly cors?: CorsSettings;
}

export const IMPLICIT_HTTP_API = 'ServerlessHttpApi';
export const IMPLICIT_REST_API = 'ServerlessRestApi';

const API_TYPES: Readonly<Record<string, ApiKind>> = { 'AWS::Serverless::HttpApi': 'http', 'AWS::Serverless::Api': 'rest' };
const METHODS: ReadonlySet<string> = new Set(['ANY', 'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Collects routes function by function, then groups them into APIs (see {@link ApiCollector.apis}). */
export class ApiCollector {
  readonly #routes = new Map<string, { kind: ApiKind; routes: ApiRoute[] }>();
  /** Each route's event `Auth`, resolved once the API's authorizers are known. */
  readonly #eventAuth = new Map<ApiRoute, { resourceId: string; where: string; auth: unknown }>();
  readonly #functionNames = new Map<string, string>();

  constructor(
    private readonly report: TemplateReport,
    private readonly resolver: IntrinsicResolver,
    private readonly resources: Readonly<Record<string, unknown>>,
  ) {}

  /**
   * Read one function's `Events` (already merged with Globals).
   *
   * @example collector.addFunction('HelloFn', 'hello', { Get: { Type: 'HttpApi', Properties: { Path: '/hi', Method: 'get' } } });
   */
  addFunction(resourceId: string, functionName: string, events: unknown): void {
    this.#functionNames.set(resourceId, functionName);
    if (events === undefined) return;
    if (!isPlainObject(events)) return this.report.problem(resourceId, 'Events', 'must be a map of event sources');
    for (const [name, event] of Object.entries(events)) {
      if (!isPlainObject(event) || (event.Type !== 'HttpApi' && event.Type !== 'Api')) continue;
      const where = `Events.${name}`;
      const kind: ApiKind = event.Type === 'HttpApi' ? 'http' : 'rest';
      const props = event.Properties ?? {};
      if (!isPlainObject(props)) {
        this.report.problem(resourceId, where, 'Properties must be a map');
        continue;
      }
      const route = this.#route(resourceId, where, kind, functionName, props);
      const apiId = this.#apiId(resourceId, where, kind, props[kind === 'http' ? 'ApiId' : 'RestApiId']);
      if (route === undefined || apiId === undefined) continue;
      const entry = this.#routes.get(apiId) ?? { kind, routes: [] };
      const same = entry.routes.find((r) => r.method === route.method && r.path === route.path);
      if (same !== undefined) {
        this.report.problem(resourceId, where, `route ${route.method} ${route.path} of ${apiId} is already taken by ${same.source}`);
        continue;
      }
      entry.routes.push(route);
      this.#eventAuth.set(route, { resourceId, where, auth: props.Auth });
      this.#routes.set(apiId, entry);
    }
  }

  /** The APIs with at least one route, implicit ones first. */
  apis(): ApiDefinition[] {
    const apis: ApiDefinition[] = [];
    for (const [id, { kind, routes }] of this.#routes) {
      const resource = this.resources[id];
      const props = isPlainObject(resource) && isPlainObject(resource.Properties) ? resource.Properties : {};
      const stage = this.#string(id, 'StageName', props.StageName);
      const reader: AuthReader = { report: this.report, resolver: this.resolver, functionNames: this.#functionNames };
      const auth = readApiAuth(reader, id, kind, props.Auth);
      const cors = readCors(reader, id, kind, kind === 'rest' ? props.Cors : props.CorsConfiguration);
      const guarded = routes.map((route) => {
        const event = this.#eventAuth.get(route);
        const authorizer = event === undefined ? undefined : routeAuthorizer(reader, event.resourceId, event.where, auth, event.auth);
        return authorizer === undefined ? route : { ...route, authorizer };
      });
      apis.push({
        id,
        kind,
        stageName: stage ?? (kind === 'http' ? '$default' : 'Prod'),
        stageVariables: this.#variables(id, props.Variables ?? props.StageVariables),
        binaryMediaTypes: kind === 'rest' ? this.#mediaTypes(id, props.BinaryMediaTypes) : [],
        routes: guarded,
        ...(auth === undefined ? {} : { auth }),
        ...(cors === undefined ? {} : { cors }),
      });
    }
    const rank = (id: string): number => (id === IMPLICIT_HTTP_API || id === IMPLICIT_REST_API ? 0 : 1);
    return apis.sort((a, b) => rank(a.id) - rank(b.id));
  }

  #route(resourceId: string, where: string, kind: ApiKind, functionName: string, props: Record<string, unknown>): ApiRoute | undefined {
    const path = this.#string(resourceId, `${where}.Properties.Path`, props.Path);
    const method = this.#string(resourceId, `${where}.Properties.Method`, props.Method)?.toUpperCase();
    const source = `Resource ${resourceId} ${where}`;
    const version = this.#string(resourceId, `${where}.Properties.PayloadFormatVersion`, props.PayloadFormatVersion) ?? (kind === 'http' ? '2.0' : '1.0');
    if (version !== '1.0' && version !== '2.0') {
      this.report.problem(resourceId, `${where}.Properties.PayloadFormatVersion`, `must be 1.0 or 2.0, got ${show(version)}`);
      return undefined;
    }
    if (kind === 'rest' && version !== '1.0') this.report.problem(resourceId, `${where}.Properties.PayloadFormatVersion`, 'REST APIs (Type: Api) send payload 1.0 only');
    const timeoutMs = this.#timeout(resourceId, `${where}.Properties.TimeoutInMillis`, kind, props.TimeoutInMillis);
    if (timeoutMs === undefined) return undefined;
    // SAM: an HttpApi event without Path and Method is the API's `$default` route.
    if (kind === 'http' && path === undefined && method === undefined) return { method: 'ANY', path: '$default', functionName, payloadFormatVersion: version, timeoutMs, source };
    if (path === undefined || method === undefined) {
      this.report.problem(resourceId, where, `${kind === 'http' ? 'HttpApi' : 'Api'} events need both Path and Method`);
      return undefined;
    }
    if (!METHODS.has(method)) {
      this.report.problem(resourceId, `${where}.Properties.Method`, `must be one of ${[...METHODS].join(', ')} (any case), got ${show(method)}`);
      return undefined;
    }
    if (kind === 'http' && (path === '$default' || path === '/$default')) return { method: 'ANY', path: '$default', functionName, payloadFormatVersion: version, timeoutMs, source };
    const problem = pathProblem(path);
    if (problem !== undefined) {
      this.report.problem(resourceId, `${where}.Properties.Path`, problem);
      return undefined;
    }
    return { method, path, functionName, payloadFormatVersion: version, timeoutMs, source };
  }

  #timeout(resourceId: string, property: string, kind: ApiKind, value: unknown): number | undefined {
    if (value === undefined) return kind === 'http' ? 30_000 : 29_000;
    const resolved = this.resolver.resolve(value);
    const ms = resolved.ok ? Number(resolved.value) : NaN;
    if (!Number.isInteger(ms) || ms < 50 || ms > 30_000) {
      this.report.problem(resourceId, property, resolved.ok ? `must be an integer from 50 to 30000, got ${show(resolved.value)}` : resolved.reason);
      return undefined;
    }
    return ms;
  }

  /** The logical id of the event's API: `!Ref MyApi`, or the implicit one. */
  #apiId(resourceId: string, where: string, kind: ApiKind, value: unknown): string | undefined {
    if (value === undefined) return kind === 'http' ? IMPLICIT_HTTP_API : IMPLICIT_REST_API;
    const id = isPlainObject(value) && typeof value.Ref === 'string' ? value.Ref : typeof value === 'string' ? value : undefined;
    const resource = id === undefined ? undefined : this.resources[id];
    const type = isPlainObject(resource) && typeof resource.Type === 'string' ? resource.Type : undefined;
    if (id === undefined || type === undefined || API_TYPES[type] !== kind) {
      const want = kind === 'http' ? 'AWS::Serverless::HttpApi' : 'AWS::Serverless::Api';
      this.report.problem(resourceId, `${where}.Properties.${kind === 'http' ? 'ApiId' : 'RestApiId'}`, `must be a Ref to an ${want} resource of this template, got ${show(value)}`);
      return undefined;
    }
    return id;
  }

  #string(resourceId: string, property: string, value: unknown): string | undefined {
    if (value === undefined) return undefined;
    const resolved = this.resolver.resolve(value);
    if (!resolved.ok) {
      this.report.problem(resourceId, property, resolved.reason);
      return undefined;
    }
    if (typeof resolved.value !== 'string' || resolved.value === '') {
      this.report.problem(resourceId, property, `must be a non-empty string, got ${show(resolved.value)}`);
      return undefined;
    }
    return resolved.value;
  }

  #mediaTypes(resourceId: string, value: unknown): string[] {
    if (value === undefined) return [];
    const resolved = this.resolver.resolve(value);
    const types = resolved.ok && Array.isArray(resolved.value) ? resolved.value.map((v) => (typeof v === 'string' ? v.replace(/~1/g, '/').toLowerCase() : '')) : undefined;
    if (types === undefined || !types.every((type) => /^[^/\s]+\/[^/\s]+$/.test(type))) {
      this.report.problem(resourceId, 'BinaryMediaTypes', resolved.ok ? `must be a list of media types like image~1png, got ${show(resolved.value)}` : resolved.reason);
      return [];
    }
    return types;
  }

  #variables(resourceId: string, value: unknown): Record<string, string> {
    if (value === undefined) return {};
    const resolved = this.resolver.resolve(value);
    if (!resolved.ok || !isPlainObject(resolved.value)) {
      this.report.problem(resourceId, 'Variables', resolved.ok ? 'must be a map of strings' : resolved.reason);
      return {};
    }
    return Object.fromEntries(Object.entries(resolved.value).map(([k, v]) => [k, String(v)]));
  }
}

/**
 * Why a route path is not one API Gateway accepts, if it is not: it starts with `/`, its
 * parameters are whole segments (`{id}`), and a greedy `{name+}` is the last segment.
 *
 * @example pathProblem('/users/{id}') // undefined
 * @example pathProblem('/a/{proxy+}/b') // 'a greedy parameter ({proxy+}) must be the last segment'
 */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `must start with /, got ${show(path)}`;
  const segments = path.split('/').slice(1);
  const seen = new Set<string>();
  for (const [i, segment] of segments.entries()) {
    if (segment === '' && !(i === segments.length - 1 && segments.length === 1)) return `has an empty segment: ${show(path)}`;
    if (!segment.includes('{') && !segment.includes('}')) continue;
    const match = /^\{([A-Za-z0-9._-]+)(\+?)\}$/.exec(segment);
    if (match === null) return `a path parameter must be a whole segment like {id}, got ${show(segment)}`;
    const name = match[1] ?? '';
    if (seen.has(name)) return `repeats the parameter {${name}}`;
    seen.add(name);
    if (match[2] === '+' && i !== segments.length - 1) return `a greedy parameter (${segment}) must be the last segment`;
  }
  return undefined;
}
