/**
 * Lambda authorizers and CORS of a SAM API resource (docs/http-front-ends.md): `Auth` of an
 * `AWS::Serverless::Api` (TOKEN and REQUEST authorizers) or an `AWS::Serverless::HttpApi`
 * (payload 1.0 or 2.0, simple responses), `Cors` (REST) and `CorsConfiguration` (HTTP API).
 * Authorizer functions are functions of the same template, named by `!GetAtt Fn.Arn`.
 */
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { show, type TemplateReport } from './function-properties.js';

export interface LambdaAuthorizer {
  readonly name: string;
  /** The function to invoke (its deployed name). */
  readonly functionName: string;
  /** REST: TOKEN or REQUEST; HTTP APIs: always REQUEST. */
  readonly type: 'TOKEN' | 'REQUEST';
  /** HTTP APIs: the event and answer format; REST APIs: '1.0'. */
  readonly payloadFormatVersion: '1.0' | '2.0';
  /** HTTP APIs with payload 2.0: the function may answer `{isAuthorized, context}`. */
  readonly simpleResponses: boolean;
  /** Identity sources, header names lower case; all must be present or the caller gets 401. */
  readonly headers: readonly string[];
  readonly queryStrings: readonly string[];
  /** TOKEN: a regular expression the token must match (else 401, without invoking). */
  readonly validationExpression: string | undefined;
  /** Seconds an answer is cached by identity (0: never). */
  readonly ttlSeconds: number;
}

export interface ApiAuth {
  readonly authorizers: Readonly<Record<string, LambdaAuthorizer>>;
  readonly defaultAuthorizer: string | undefined;
  /** REST: SAM puts the default authorizer on its CORS preflight methods unless told not to. */
  readonly authorizePreflight: boolean;
  /** Authorizers that are not Lambda authorizers (Cognito, JWT): warned about, their routes open. */
  readonly ignored: readonly string[];
}

export interface CorsSettings {
  readonly allowOrigins: readonly string[];
  /** Empty: REST APIs list the path's own methods. */
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAge: number | undefined;
  readonly allowCredentials: boolean;
}

type Kind = 'http' | 'rest';

/** What reading the properties needs: the report, the resolver, and function names by resource id. */
export interface AuthReader {
  readonly report: TemplateReport;
  readonly resolver: IntrinsicResolver;
  readonly functionNames: ReadonlyMap<string, string>;
}

function resolved(reader: AuthReader, id: string, property: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  const r = reader.resolver.resolve(value);
  if (!r.ok) {
    reader.report.problem(id, property, r.reason);
    return undefined;
  }
  return r.value;
}

function strings(reader: AuthReader, id: string, property: string, value: unknown): string[] {
  const v = resolved(reader, id, property, value);
  if (v === undefined) return [];
  const list = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : undefined;
  if (list === undefined || !list.every((item): item is string => typeof item === 'string')) {
    reader.report.problem(id, property, `must be a list of strings, got ${show(v)}`);
    return [];
  }
  return list.map((item) => item.trim()).filter((item) => item !== '');
}

/** The function an authorizer names: `!GetAtt Fn.Arn`, `!Ref Fn`, or a function ARN / name. */
function authorizerFunction(reader: AuthReader, id: string, property: string, value: unknown): string | undefined {
  const getAtt = isPlainObject(value) ? value['Fn::GetAtt'] : undefined;
  const ref = isPlainObject(value) && typeof value.Ref === 'string' ? value.Ref : undefined;
  const target = Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : ref;
  if (target !== undefined) {
    const name = reader.functionNames.get(target);
    if (name === undefined) reader.report.problem(id, property, `must name a function of this template, got ${show(value)}`);
    return name;
  }
  const text = resolved(reader, id, property, value);
  if (typeof text !== 'string' || text === '') {
    reader.report.problem(id, property, `must be !GetAtt Function.Arn, got ${show(value)}`);
    return undefined;
  }
  const name = /:function:([^:]+)/.exec(text)?.[1] ?? text;
  if (![...reader.functionNames.values()].includes(name)) reader.report.problem(id, property, `names no function of this template: ${show(text)}`);
  return name;
}

function ttl(reader: AuthReader, id: string, property: string, value: unknown): number {
  const v = resolved(reader, id, property, value);
  if (v === undefined) return 300;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 3600) {
    reader.report.problem(id, property, `must be an integer from 0 to 3600, got ${show(v)}`);
    return 0;
  }
  return n;
}

function authorizer(reader: AuthReader, id: string, kind: Kind, name: string, spec: unknown): LambdaAuthorizer | undefined {
  const where = `Auth.Authorizers.${name}`;
  if (!isPlainObject(spec)) return reader.report.problem(id, where, 'must be a map'), undefined;
  if (spec.FunctionArn === undefined) {
    // Cognito (UserPoolArn) and JWT authorizers are not Lambda authorizers.
    reader.report.warn(id, where, 'only Lambda authorizers (FunctionArn) are served; this one is ignored and its routes are open');
    return undefined;
  }
  const functionName = authorizerFunction(reader, id, `${where}.FunctionArn`, spec.FunctionArn);
  const identity = spec.Identity ?? {};
  if (!isPlainObject(identity)) return reader.report.problem(id, `${where}.Identity`, 'must be a map'), undefined;
  const type = kind === 'http' ? 'REQUEST' : resolved(reader, id, `${where}.FunctionPayloadType`, spec.FunctionPayloadType) ?? 'TOKEN';
  if (type !== 'TOKEN' && type !== 'REQUEST') return reader.report.problem(id, `${where}.FunctionPayloadType`, `must be TOKEN or REQUEST, got ${show(type)}`), undefined;
  const version = kind === 'rest' ? '1.0' : resolved(reader, id, `${where}.AuthorizerPayloadFormatVersion`, spec.AuthorizerPayloadFormatVersion);
  if (version !== '1.0' && version !== '2.0') return reader.report.problem(id, `${where}.AuthorizerPayloadFormatVersion`, `must be 1.0 or 2.0, got ${show(version)}`), undefined;
  const simple = resolved(reader, id, `${where}.EnableSimpleResponses`, spec.EnableSimpleResponses) === true;
  if (simple && version !== '2.0') reader.report.problem(id, `${where}.EnableSimpleResponses`, 'needs AuthorizerPayloadFormatVersion 2.0');
  const headers = type === 'TOKEN' ? [String(resolved(reader, id, `${where}.Identity.Header`, identity.Header) ?? 'Authorization')] : strings(reader, id, `${where}.Identity.Headers`, identity.Headers);
  const expression = resolved(reader, id, `${where}.Identity.ValidationExpression`, identity.ValidationExpression);
  if (expression !== undefined) {
    try {
      new RegExp(String(expression));
    } catch {
      reader.report.problem(id, `${where}.Identity.ValidationExpression`, `is not a regular expression: ${show(expression)}`);
    }
  }
  if (functionName === undefined) return undefined;
  return {
    name,
    functionName,
    type,
    payloadFormatVersion: version,
    simpleResponses: simple,
    headers: headers.map((h) => h.toLowerCase()),
    queryStrings: type === 'TOKEN' ? [] : strings(reader, id, `${where}.Identity.QueryStrings`, identity.QueryStrings),
    validationExpression: expression === undefined ? undefined : String(expression),
    ttlSeconds: ttl(reader, id, `${where}.Identity.ReauthorizeEvery`, identity.ReauthorizeEvery),
  };
}

/**
 * The `Auth` property of an API resource; undefined when it has no Lambda authorizer.
 *
 * @example readApiAuth(reader, 'MyApi', 'rest', { DefaultAuthorizer: 'Tok', Authorizers: { Tok: { FunctionArn: { 'Fn::GetAtt': ['AuthFn', 'Arn'] } } } })
 */
export function readApiAuth(reader: AuthReader, id: string, kind: Kind, value: unknown): ApiAuth | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) return reader.report.problem(id, 'Auth', 'must be a map'), undefined;
  const authorizers: Record<string, LambdaAuthorizer> = {};
  const ignored: string[] = [];
  const specs = value.Authorizers ?? {};
  if (!isPlainObject(specs)) return reader.report.problem(id, 'Auth.Authorizers', 'must be a map'), undefined;
  for (const [name, spec] of Object.entries(specs)) {
    if (isPlainObject(spec) && spec.FunctionArn === undefined) ignored.push(name);
    const read = authorizer(reader, id, kind, name, spec);
    if (read !== undefined) authorizers[name] = read;
  }
  const fallback = resolved(reader, id, 'Auth.DefaultAuthorizer', value.DefaultAuthorizer);
  const defaultAuthorizer = typeof fallback === 'string' && fallback !== 'NONE' ? fallback : undefined;
  if (defaultAuthorizer !== undefined && !(defaultAuthorizer in authorizers) && !(isPlainObject(specs) && defaultAuthorizer in specs)) {
    reader.report.problem(id, 'Auth.DefaultAuthorizer', `names no authorizer of Auth.Authorizers: ${show(defaultAuthorizer)}`);
  }
  const authorizePreflight = resolved(reader, id, 'Auth.AddDefaultAuthorizerToCorsPreflight', value.AddDefaultAuthorizerToCorsPreflight) !== false;
  return { authorizers, defaultAuthorizer: defaultAuthorizer !== undefined && defaultAuthorizer in authorizers ? defaultAuthorizer : undefined, authorizePreflight, ignored };
}

/** SAM's REST `Cors` values are API Gateway literals in single quotes: `"'*'"`. */
function unquote(text: string): string {
  return /^'.*'$/.test(text) ? text.slice(1, -1) : text;
}

/**
 * REST `Cors` (a quoted origin, or a map) or HTTP API `CorsConfiguration` (true, or a map).
 *
 * @example readCors(reader, 'MyApi', 'rest', "'https://example.com'") // { allowOrigins: ['https://example.com'], ... }
 */
export function readCors(reader: AuthReader, id: string, kind: Kind, value: unknown): CorsSettings | undefined {
  const property = kind === 'rest' ? 'Cors' : 'CorsConfiguration';
  const v = resolved(reader, id, property, value);
  if (v === undefined || v === false) return undefined;
  const none: CorsSettings = { allowOrigins: ['*'], allowMethods: kind === 'http' ? ['*'] : [], allowHeaders: kind === 'http' ? ['*'] : [], exposeHeaders: [], maxAge: undefined, allowCredentials: false };
  if (v === true && kind === 'http') return none;
  if (typeof v === 'string' && kind === 'rest') return { ...none, allowOrigins: [unquote(v)] };
  if (!isPlainObject(v)) return reader.report.problem(id, property, `must be ${kind === 'rest' ? 'a quoted origin or a map' : 'true or a map'}, got ${show(v)}`), undefined;
  const list = (name: string): string[] => (kind === 'rest' ? strings(reader, id, `${property}.${name}`, typeof v[name] === 'string' ? unquote(v[name]) : v[name]) : strings(reader, id, `${property}.${name}`, v[name]));
  const maxAge = v.MaxAge === undefined ? undefined : Number(kind === 'rest' && typeof v.MaxAge === 'string' ? unquote(v.MaxAge) : v.MaxAge);
  if (maxAge !== undefined && !Number.isInteger(maxAge)) reader.report.problem(id, `${property}.MaxAge`, `must be an integer, got ${show(v.MaxAge)}`);
  const origins = list(kind === 'rest' ? 'AllowOrigin' : 'AllowOrigins');
  if (kind === 'rest' && origins.length === 0) reader.report.problem(id, `${property}.AllowOrigin`, 'is required');
  return {
    allowOrigins: origins,
    allowMethods: list('AllowMethods').map((m) => m.toUpperCase()),
    allowHeaders: list('AllowHeaders'),
    exposeHeaders: kind === 'http' ? list('ExposeHeaders') : [],
    maxAge: maxAge !== undefined && Number.isInteger(maxAge) ? maxAge : undefined,
    allowCredentials: v.AllowCredentials === true || v.AllowCredentials === 'true',
  };
}

/**
 * The authorizer of one event: its `Auth.Authorizer` (`NONE`: open), else the API's default.
 *
 * @example routeAuthorizer(auth, { Authorizer: 'NONE' }) // undefined
 */
export function routeAuthorizer(reader: AuthReader, id: string, where: string, auth: ApiAuth | undefined, eventAuth: unknown): string | undefined {
  const named = isPlainObject(eventAuth) ? resolved(reader, id, `${where}.Auth.Authorizer`, eventAuth.Authorizer) : undefined;
  if (named === 'NONE') return undefined;
  if (named === undefined) return auth?.defaultAuthorizer;
  if (typeof named === 'string' && auth?.ignored.includes(named) === true) return undefined;
  if (typeof named !== 'string' || auth === undefined || !(named in auth.authorizers)) {
    reader.report.problem(id, `${where}.Auth.Authorizer`, `names no Lambda authorizer of its API: ${show(named)}`);
    return undefined;
  }
  return named;
}
