/**
 * The Lambda@Edge side of a template (docs/http-front-ends.md, "Lambda@Edge"): each
 * `AWS::CloudFront::Distribution` with its `Origins`, its `DefaultCacheBehavior` and
 * `CacheBehaviors` (`PathPattern`), and their `LambdaFunctionAssociations`. An association names
 * a numbered version of a function of the template (`!Ref FnVersion` on an `AWS::Lambda::Version`,
 * SAM's `!Ref Fn.Version`, or a version ARN); `$LATEST` and aliases are refused as CloudFront
 * refuses them. Lambda@Edge's limits are checked here: a function above them is refused at load,
 * with the function's property and the distribution named (not capped: a silent cap would let a
 * function pass locally that CloudFront refuses to associate).
 */
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { show, type TemplateReport } from './function-properties.js';

export type EdgeEventType = 'viewer-request' | 'origin-request' | 'origin-response' | 'viewer-response';
export const EDGE_EVENT_TYPES: readonly EdgeEventType[] = ['viewer-request', 'origin-request', 'origin-response', 'viewer-response'];

/** Lambda@Edge's quotas per event type: viewer events are the tighter ones. */
export const EDGE_LIMITS: Readonly<Record<EdgeEventType, { readonly timeoutS: number; readonly memoryMb: number }>> = {
  'viewer-request': { timeoutS: 5, memoryMb: 128 },
  'viewer-response': { timeoutS: 5, memoryMb: 128 },
  'origin-request': { timeoutS: 30, memoryMb: 10_240 },
  'origin-response': { timeoutS: 30, memoryMb: 10_240 },
};

export interface EdgeAssociation {
  readonly eventType: EdgeEventType;
  readonly functionName: string;
  /** The qualifier to invoke: `1` for a function with `AutoPublishAlias`, else undefined (`$LATEST` stands in locally). */
  readonly qualifier: string | undefined;
  readonly includeBody: boolean;
}

export interface EdgeBehavior {
  /** Undefined for the default cache behavior. */
  readonly pathPattern: string | undefined;
  readonly targetOriginId: string;
  readonly associations: readonly EdgeAssociation[];
}

export interface EdgeOrigin {
  readonly id: string;
  readonly domainName: string;
  /** `OriginPath`, '' when none. */
  readonly path: string;
  readonly protocol: 'http' | 'https';
  readonly port: number;
}

export interface EdgeDistribution {
  readonly id: string;
  readonly origins: readonly EdgeOrigin[];
  /** `CacheBehaviors` in template order, then the default one (matched in that order). */
  readonly behaviors: readonly EdgeBehavior[];
}

/** What the loader knows of a function, by logical id. */
export interface EdgeFunctionFacts {
  readonly name: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly publishedAlias: string | undefined;
}

/**
 * @example
 * const dists = edgeDistributions(report, resolver, resources, new Map([['Fn', { name: 'Fn', memorySize: 128, timeout: 5, publishedAlias: 'live' }]]));
 */
export function edgeDistributions(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  resources: Readonly<Record<string, unknown>>,
  functions: ReadonlyMap<string, EdgeFunctionFacts>,
): EdgeDistribution[] {
  const out: EdgeDistribution[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (!isPlainObject(resource) || resource.Type !== 'AWS::CloudFront::Distribution') continue;
    const config = isPlainObject(resource.Properties) ? resource.Properties.DistributionConfig : undefined;
    if (!isPlainObject(config)) {
      report.problem(id, 'DistributionConfig', 'must be a map');
      continue;
    }
    // A distribution without Lambda@Edge (a plain S3 site, say) is not ours to serve or to judge.
    if (!hasAssociations(config)) continue;
    const before = report.problems.length;
    const origins = readOrigins(report, resolver, id, config.Origins);
    const behaviors: EdgeBehavior[] = [];
    const extra = config.CacheBehaviors ?? [];
    if (!Array.isArray(extra)) report.problem(id, 'DistributionConfig.CacheBehaviors', `must be a list, got ${show(extra)}`);
    else extra.forEach((raw, i) => behaviors.push(...readBehavior({ report, resolver, resources, functions, id }, `DistributionConfig.CacheBehaviors[${i}]`, raw, true)));
    behaviors.push(...readBehavior({ report, resolver, resources, functions, id }, 'DistributionConfig.DefaultCacheBehavior', config.DefaultCacheBehavior, false));
    for (const b of behaviors) {
      if (!origins.some((o) => o.id === b.targetOriginId)) report.problem(id, 'DistributionConfig', `TargetOriginId ${show(b.targetOriginId)} names no origin of Origins`);
    }
    if (report.problems.length === before) out.push({ id, origins, behaviors });
  }
  return out;
}

interface Context {
  readonly report: TemplateReport;
  readonly resolver: IntrinsicResolver;
  readonly resources: Readonly<Record<string, unknown>>;
  readonly functions: ReadonlyMap<string, EdgeFunctionFacts>;
  readonly id: string;
}

function hasAssociations(config: Readonly<Record<string, unknown>>): boolean {
  const behaviors = [config.DefaultCacheBehavior, ...(Array.isArray(config.CacheBehaviors) ? config.CacheBehaviors : [])];
  return behaviors.some((b) => isPlainObject(b) && Array.isArray(b.LambdaFunctionAssociations) && b.LambdaFunctionAssociations.length > 0);
}

function readOrigins(report: TemplateReport, resolver: IntrinsicResolver, id: string, raw: unknown): EdgeOrigin[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    report.problem(id, 'DistributionConfig.Origins', `must be a non-empty list, got ${show(raw)}`);
    return [];
  }
  const origins: EdgeOrigin[] = [];
  raw.forEach((rawOrigin: unknown, i) => {
    const where = `DistributionConfig.Origins[${i}]`;
    // DomainName is often another resource's attribute (!GetAtt Bucket.RegionalDomainName), which no
    // local stack can resolve: the origin is kept, with a warning pointing at --edge-origin.
    const domain = isPlainObject(rawOrigin) ? resolver.resolve(rawOrigin.DomainName) : undefined;
    const resolved = resolver.resolve(isPlainObject(rawOrigin) ? { ...rawOrigin, DomainName: 'unresolved.invalid' } : rawOrigin);
    const o = resolved.ok ? resolved.value : undefined;
    if (!isPlainObject(o) || typeof o.Id !== 'string') {
      report.problem(id, where, resolved.ok ? `needs an Id string, got ${show(o)}` : resolved.reason);
      return;
    }
    if (domain?.ok === true && typeof domain.value === 'string' && domain.value !== '') o.DomainName = domain.value;
    else report.warn(id, `${where}.DomainName`, `cannot be resolved locally (${domain?.ok === false ? domain.reason : show(domain?.value)}); requests to origin ${o.Id} fail unless --edge-origin ${o.Id}=http://host:port`);
    const custom = isPlainObject(o.CustomOriginConfig) ? o.CustomOriginConfig : undefined;
    // An S3 origin is reached over HTTPS; a custom one as its OriginProtocolPolicy says (match-viewer: HTTP locally).
    const protocol = custom === undefined ? 'https' : custom.OriginProtocolPolicy === 'https-only' ? 'https' : 'http';
    const port = Number(protocol === 'https' ? (custom?.HTTPSPort ?? 443) : (custom?.HTTPPort ?? 80));
    if (!Number.isInteger(port) || port < 1 || port > 65_535) report.problem(id, `${where}.CustomOriginConfig`, `port must be 1-65535, got ${show(port)}`);
    origins.push({ id: o.Id, domainName: String(o.DomainName), path: typeof o.OriginPath === 'string' ? o.OriginPath : '', protocol, port });
  });
  return origins;
}

function readBehavior(ctx: Context, where: string, raw: unknown, needsPattern: boolean): EdgeBehavior[] {
  const { report, id } = ctx;
  if (!isPlainObject(raw) || typeof raw.TargetOriginId !== 'string') {
    report.problem(id, where, `must be a map with TargetOriginId, got ${show(raw)}`);
    return [];
  }
  const pattern = raw.PathPattern;
  if (needsPattern && (typeof pattern !== 'string' || pattern === '')) report.problem(id, `${where}.PathPattern`, `must be a non-empty string, got ${show(pattern)}`);
  const list = raw.LambdaFunctionAssociations ?? [];
  if (!Array.isArray(list)) {
    report.problem(id, `${where}.LambdaFunctionAssociations`, `must be a list, got ${show(list)}`);
    return [];
  }
  const associations: EdgeAssociation[] = [];
  list.forEach((a: unknown, i) => {
    const at = `${where}.LambdaFunctionAssociations[${i}]`;
    const association = readAssociation(ctx, at, a);
    if (association === undefined) return;
    if (associations.some((other) => other.eventType === association.eventType)) report.problem(id, `${at}.EventType`, `${association.eventType} is associated twice (one function per event type)`);
    associations.push(association);
  });
  return [{ pathPattern: needsPattern && typeof pattern === 'string' ? pattern : undefined, targetOriginId: raw.TargetOriginId, associations }];
}

function readAssociation(ctx: Context, at: string, raw: unknown): EdgeAssociation | undefined {
  const { report, id } = ctx;
  if (!isPlainObject(raw)) {
    report.problem(id, at, `must be a map, got ${show(raw)}`);
    return undefined;
  }
  const eventType = raw.EventType;
  if (typeof eventType !== 'string' || !(EDGE_EVENT_TYPES as readonly string[]).includes(eventType)) {
    report.problem(id, `${at}.EventType`, `must be one of ${EDGE_EVENT_TYPES.join(', ')}, got ${show(eventType)}`);
    return undefined;
  }
  const type = eventType as EdgeEventType;
  const include = raw.IncludeBody ?? false;
  if (include !== true && include !== false && include !== 'true' && include !== 'false') report.problem(id, `${at}.IncludeBody`, `must be a boolean, got ${show(include)}`);
  const includeBody = include === true || include === 'true';
  if (includeBody && type !== 'viewer-request' && type !== 'origin-request') report.problem(id, `${at}.IncludeBody`, `is only for viewer-request and origin-request, not ${type}`);
  const target = functionOf(ctx, `${at}.LambdaFunctionARN`, raw.LambdaFunctionARN);
  if (target === undefined) return undefined;
  const limits = EDGE_LIMITS[type];
  if (target.facts.timeout > limits.timeoutS) report.problem(target.id, 'Timeout', `${target.facts.timeout} s is over Lambda@Edge's ${limits.timeoutS} s for ${type} (associated by ${id} ${at})`);
  if (target.facts.memorySize > limits.memoryMb) report.problem(target.id, 'MemorySize', `${target.facts.memorySize} MB is over Lambda@Edge's ${limits.memoryMb} MB for ${type} (associated by ${id} ${at})`);
  return { eventType: type, functionName: target.facts.name, qualifier: target.facts.publishedAlias === undefined ? undefined : '1', includeBody };
}

/** The function a `LambdaFunctionARN` names: a numbered version of a function of the template. */
function functionOf(ctx: Context, at: string, raw: unknown): { id: string; facts: EdgeFunctionFacts } | undefined {
  const { report, id, functions, resources } = ctx;
  const ref = isPlainObject(raw) && typeof raw.Ref === 'string' ? raw.Ref : undefined;
  let logical: string | undefined;
  if (ref !== undefined) {
    const resource = resources[ref];
    if (ref.endsWith('.Version') && functions.has(ref.slice(0, -8))) {
      logical = ref.slice(0, -8);
      if (functions.get(logical)?.publishedAlias === undefined) report.problem(id, at, `${ref} needs AutoPublishAlias on ${logical} (SAM publishes the version)`);
    } else if (ref.endsWith('.Alias') || (isPlainObject(resource) && resource.Type === 'AWS::Lambda::Alias')) {
      report.problem(id, at, `${ref} is an alias: Lambda@Edge needs a numbered function version`);
      return undefined;
    } else if (isPlainObject(resource) && resource.Type === 'AWS::Lambda::Version' && isPlainObject(resource.Properties)) {
      const fn = resource.Properties.FunctionName;
      logical = isPlainObject(fn) && typeof fn.Ref === 'string' ? fn.Ref : typeof fn === 'string' ? [...functions].find(([, f]) => f.name === fn)?.[0] : undefined;
    } else if (functions.has(ref)) {
      report.problem(id, at, `!Ref ${ref} is the function, not a version: Lambda@Edge needs a numbered version (an AWS::Lambda::Version, or ${ref}.Version with AutoPublishAlias)`);
      return undefined;
    }
  } else {
    const resolved = ctx.resolver.resolve(raw);
    const arn = resolved.ok && typeof resolved.value === 'string' ? /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::([^:]+))?$/.exec(resolved.value) : null;
    if (arn !== null && !/^\d+$/.test(arn[2] ?? '')) {
      report.problem(id, at, `${show(resolved.ok ? resolved.value : raw)} must end with a version number ($LATEST and aliases are refused by CloudFront)`);
      return undefined;
    }
    logical = arn === null ? undefined : [...functions].find(([, f]) => f.name === arn[1])?.[0];
  }
  const facts = logical === undefined ? undefined : functions.get(logical);
  if (logical === undefined || facts === undefined) {
    report.problem(id, at, `must name a version of a function of this template (!Ref <AWS::Lambda::Version>, !Ref <Function>.Version, or a version ARN), got ${show(raw)}`);
    return undefined;
  }
  return { id: logical, facts };
}
