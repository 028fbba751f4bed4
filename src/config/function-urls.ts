/**
 * The Lambda function URLs of a template (docs/http-front-ends.md): SAM's `FunctionUrlConfig` on an
 * `AWS::Serverless::Function` (SAM turns it into an `AWS::Lambda::Url` named `<Function>Url`, on the
 * `AutoPublishAlias` alias when there is one), and CloudFormation's own `AWS::Lambda::Url`
 * (`TargetFunctionArn`, `Qualifier`). Both carry `AuthType`, `Cors` and `InvokeMode`, checked
 * against the Lambda API's rules with the resource and property named.
 */
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { show, type TemplateReport } from './function-properties.js';

export type UrlAuthType = 'NONE' | 'AWS_IAM';
export type UrlInvokeMode = 'BUFFERED' | 'RESPONSE_STREAM';

/** A URL's CORS settings, with Lambda's defaults filled in. */
export interface UrlCors {
  readonly allowOrigins: readonly string[];
  /** Upper case; may hold `*`. */
  readonly allowMethods: readonly string[];
  /** Lower case; may hold `*`. */
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  /** Seconds (0-86400, default 0). */
  readonly maxAge: number;
  readonly allowCredentials: boolean;
}

export interface FunctionUrlDefinition {
  /** The `AWS::Lambda::Url` logical id: the resource's own, or `<Function>Url` for SAM's. */
  readonly id: string;
  readonly functionName: string;
  /** An alias or version; undefined: `$LATEST`. */
  readonly qualifier: string | undefined;
  readonly authType: UrlAuthType;
  readonly invokeMode: UrlInvokeMode;
  /** Undefined: no CORS configured (Lambda adds no CORS headers and passes OPTIONS to the function). */
  readonly cors: UrlCors | undefined;
}

/** What the template says about a function, for the URLs that target it. */
export interface UrlTarget {
  readonly functionName: string;
  readonly publishedAlias: string | undefined;
}

const CORS_METHODS: ReadonlySet<string> = new Set(['GET', 'PUT', 'HEAD', 'POST', 'PATCH', 'DELETE', '*']);
const CORS_KEYS: ReadonlySet<string> = new Set(['AllowOrigins', 'AllowMethods', 'AllowHeaders', 'ExposeHeaders', 'MaxAge', 'AllowCredentials']);

/**
 * Collects function URLs: `addFunction` per loaded function, then `addUrlResources` once all
 * functions are known (an `AWS::Lambda::Url` may target any of them).
 */
export class FunctionUrlCollector {
  readonly #urls: FunctionUrlDefinition[] = [];
  readonly #targets = new Map<string, UrlTarget>();

  constructor(
    private readonly report: TemplateReport,
    private readonly resolver: IntrinsicResolver,
  ) {}

  /**
   * A function of the template (every one, so that `AWS::Lambda::Url` can target it) and its
   * `FunctionUrlConfig` (SAM functions only; already merged with Globals).
   *
   * @example collector.addFunction('Hello', { functionName: 'Hello', publishedAlias: undefined }, { AuthType: 'NONE' });
   */
  addFunction(resourceId: string, target: UrlTarget, config: unknown): void {
    this.#targets.set(resourceId, target);
    if (config === undefined || config === null) return;
    const url = this.#settings(resourceId, 'FunctionUrlConfig.', config);
    if (url !== undefined) this.#add({ id: `${resourceId}Url`, functionName: target.functionName, qualifier: target.publishedAlias, ...url }, resourceId);
  }

  /** Every `AWS::Lambda::Url` resource of the template. */
  addUrlResources(resources: Readonly<Record<string, unknown>>): void {
    for (const [id, resource] of Object.entries(resources)) {
      if (!isPlainObject(resource) || resource.Type !== 'AWS::Lambda::Url') continue;
      const props = resource.Properties;
      if (!isPlainObject(props)) {
        this.report.resourceProblem(id, 'Properties must be a map');
        continue;
      }
      const target = this.#target(id, props.TargetFunctionArn);
      const qualifier = props.Qualifier === undefined ? undefined : this.#string(id, 'Qualifier', props.Qualifier);
      if (qualifier !== undefined && !/^(\$LATEST|[a-zA-Z0-9$_-]{1,128})$/.test(qualifier)) this.report.problem(id, 'Qualifier', `must be an alias name or $LATEST, got ${show(qualifier)}`);
      const url = this.#settings(id, '', props);
      if (target !== undefined && url !== undefined) this.#add({ id, functionName: target.name, qualifier: qualifier ?? target.qualifier, ...url }, id);
    }
  }

  /** The URLs found, in template order (SAM's first). */
  urls(): FunctionUrlDefinition[] {
    return [...this.#urls];
  }

  #add(url: FunctionUrlDefinition, resourceId: string): void {
    const same = this.#urls.find((u) => u.functionName === url.functionName && (u.qualifier ?? '$LATEST') === (url.qualifier ?? '$LATEST'));
    if (same !== undefined) {
      this.report.resourceProblem(resourceId, `function ${url.functionName}${url.qualifier === undefined ? '' : `:${url.qualifier}`} already has a function URL (${same.id}); Lambda allows one per function or alias`);
      return;
    }
    this.#urls.push(url);
  }

  #settings(resourceId: string, prefix: string, raw: unknown): Pick<FunctionUrlDefinition, 'authType' | 'invokeMode' | 'cors'> | undefined {
    // Only the URL's own settings: TargetFunctionArn (a Ref to a resource) is read elsewhere.
    const own = isPlainObject(raw) ? { AuthType: raw.AuthType, InvokeMode: raw.InvokeMode, Cors: raw.Cors } : raw;
    const resolved = this.resolver.resolve(own);
    if (!resolved.ok || !isPlainObject(resolved.value)) {
      this.report.problem(resourceId, prefix === '' ? 'Properties' : prefix.slice(0, -1), resolved.ok ? `must be a map with AuthType, got ${show(resolved.value)}` : resolved.reason);
      return undefined;
    }
    const props = resolved.value;
    const before = this.report.problems.length;
    const authType = props.AuthType;
    if (authType !== 'NONE' && authType !== 'AWS_IAM') this.report.problem(resourceId, `${prefix}AuthType`, `must be NONE or AWS_IAM, got ${show(authType)}`);
    const mode = props.InvokeMode ?? 'BUFFERED';
    if (mode !== 'BUFFERED' && mode !== 'RESPONSE_STREAM') this.report.problem(resourceId, `${prefix}InvokeMode`, `must be BUFFERED or RESPONSE_STREAM, got ${show(mode)}`);
    const cors = props.Cors === undefined ? undefined : this.#cors(resourceId, `${prefix}Cors`, props.Cors);
    if (this.report.problems.length > before) return undefined;
    return { authType: authType as UrlAuthType, invokeMode: mode as UrlInvokeMode, cors };
  }

  #cors(resourceId: string, property: string, raw: unknown): UrlCors | undefined {
    if (!isPlainObject(raw)) {
      this.report.problem(resourceId, property, `must be a map, got ${show(raw)}`);
      return undefined;
    }
    for (const key of Object.keys(raw)) if (!CORS_KEYS.has(key)) this.report.problem(resourceId, `${property}.${key}`, `is not a Cors property (${[...CORS_KEYS].join(', ')})`);
    const list = (key: string, max: number, maxLength: number): string[] => {
      const value = raw[key];
      if (value === undefined) return [];
      if (!Array.isArray(value) || value.length > max || !value.every((v): v is string => typeof v === 'string' && v.length >= 1 && v.length <= maxLength)) {
        this.report.problem(resourceId, `${property}.${key}`, `must be a list of at most ${max} strings of 1-${maxLength} characters, got ${show(value)}`);
        return [];
      }
      return value;
    };
    const allowMethods = list('AllowMethods', 6, 6).map((m) => m.toUpperCase());
    const bad = allowMethods.find((m) => !CORS_METHODS.has(m));
    if (bad !== undefined) this.report.problem(resourceId, `${property}.AllowMethods`, `${show(bad)} is not one of ${[...CORS_METHODS].join(', ')}`);
    const maxAge = raw.MaxAge ?? 0;
    const age = typeof maxAge === 'string' && /^\d+$/.test(maxAge) ? Number(maxAge) : maxAge;
    if (typeof age !== 'number' || !Number.isInteger(age) || age < 0 || age > 86_400) this.report.problem(resourceId, `${property}.MaxAge`, `must be an integer from 0 to 86400, got ${show(maxAge)}`);
    const credentials = raw.AllowCredentials ?? false;
    if (credentials !== true && credentials !== false && credentials !== 'true' && credentials !== 'false') this.report.problem(resourceId, `${property}.AllowCredentials`, `must be a boolean, got ${show(credentials)}`);
    return {
      allowOrigins: list('AllowOrigins', 100, 253),
      allowMethods,
      allowHeaders: list('AllowHeaders', 100, 1024).map((h) => h.toLowerCase()),
      exposeHeaders: list('ExposeHeaders', 100, 1024),
      maxAge: typeof age === 'number' ? age : 0,
      allowCredentials: credentials === true || credentials === 'true',
    };
  }

  /** `TargetFunctionArn`: `!Ref Fn`, `!GetAtt Fn.Arn`, a function name or ARN (`...:function:name[:qualifier]`). */
  #target(resourceId: string, raw: unknown): { name: string; qualifier: string | undefined } | undefined {
    const logical = referencedResource(raw);
    const byId = logical === undefined ? undefined : this.#targets.get(logical);
    if (byId !== undefined) return { name: byId.functionName, qualifier: undefined };
    const text = logical === undefined ? this.#string(resourceId, 'TargetFunctionArn', raw) : undefined;
    const arn = text === undefined ? undefined : /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::([^:]+))?$/.exec(text);
    const name = arn === null || arn === undefined ? text : arn[1];
    const known = [...this.#targets.values()].find((t) => t.functionName === name);
    if (known === undefined) {
      this.report.problem(resourceId, 'TargetFunctionArn', `must name a function of this template (!Ref, !GetAtt <Function>.Arn, its name or ARN), got ${show(raw)}`);
      return undefined;
    }
    return { name: known.functionName, qualifier: arn?.[2] };
  }

  #string(resourceId: string, property: string, raw: unknown): string | undefined {
    const resolved = this.resolver.resolve(raw);
    if (resolved.ok && typeof resolved.value === 'string' && resolved.value !== '') return resolved.value;
    this.report.problem(resourceId, property, resolved.ok ? `must be a non-empty string, got ${show(resolved.value)}` : resolved.reason);
    return undefined;
  }
}

/** The logical id behind `{Ref: X}` or `{'Fn::GetAtt': [X, 'Arn']}` / `'X.Arn'`, if that is what `raw` is. */
function referencedResource(raw: unknown): string | undefined {
  if (!isPlainObject(raw)) return undefined;
  if (typeof raw.Ref === 'string') return raw.Ref;
  const att = raw['Fn::GetAtt'];
  if (Array.isArray(att) && att.length === 2 && att[1] === 'Arn' && typeof att[0] === 'string') return att[0];
  if (typeof att === 'string' && att.endsWith('.Arn')) return att.slice(0, -4);
  return undefined;
}
