/**
 * Create/Get/Update/Delete/ListFunctionUrlConfigs (docs/management-api.md, "Function URLs"): a
 * URL config for `$LATEST` or an alias, kept in the settings store (kind `function-url`, key
 * `FUNCTION:QUALIFIER`). When `lamina serve` gives a URL host (ControlContext.urls), the URL is
 * served on its own local port like a template's, and `FunctionUrl` is that local address;
 * otherwise it is Lambda's `https://ID.lambda-url.REGION.on.aws/` form and nothing serves it.
 */
import { createHash } from 'node:crypto';
import { ServiceError } from '../../errors.js';
import type { UrlCors } from '../../config/function-urls.js';
import type { ManagementCall } from '../../management/management-port.js';
import { LATEST } from '../../registry/registry-types.js';
import type { StoredValue } from '../settings-store.js';
import { functionRecords, storedObject } from './stored-records.js';
import { type NamedFunction, namedFunction, optionalString, paginate, qualifierOf, validation } from './call-input.js';
import type { ControlContext, HandlerTable } from './control-context.js';
import { lambdaTime } from './function-output.js';

const KIND = 'function-url';
const MAX_URLS_PAGE = 50;
const METHODS: ReadonlySet<string> = new Set(['GET', 'PUT', 'HEAD', 'POST', 'PATCH', 'DELETE', '*']);

interface UrlRecord {
  readonly functionName: string;
  /** An alias name, or '' for `$LATEST`. */
  readonly qualifier: string;
  readonly authType: 'NONE' | 'AWS_IAM';
  readonly invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  /** The `Cors` member as the caller gave it (Lambda answers it back as given). */
  readonly cors: { readonly [key: string]: StoredValue } | null;
  readonly functionUrl: string;
  readonly creationTime: string;
  readonly lastModifiedTime: string;
}

/** A `Cors` member checked against Lambda's constraints, in the front end's form too. */
export function corsOf(raw: unknown): { given: { [key: string]: StoredValue }; cors: UrlCors } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw validation(String(raw), 'cors', 'Member must be a structure');
  const given = raw as Record<string, unknown>;
  const list = (key: string, max: number, maxLength: number): string[] => {
    const value = given[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.length > max || !value.every((v): v is string => typeof v === 'string' && v.length >= 1 && v.length <= maxLength)) {
      throw validation(JSON.stringify(value), `cors.${key.charAt(0).toLowerCase()}${key.slice(1)}`, `Member must have at most ${max} items of length 1 to ${maxLength}`);
    }
    return value;
  };
  const allowMethods = list('AllowMethods', 6, 6).map((m) => m.toUpperCase());
  const bad = allowMethods.find((m) => !METHODS.has(m));
  if (bad !== undefined) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Invalid value for AllowMethods: ${bad}`);
  const maxAge = given['MaxAge'] ?? 0;
  if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0 || maxAge > 86_400) throw validation(String(maxAge), 'cors.maxAge', 'Member must have value between 0 and 86400');
  const credentials = given['AllowCredentials'] ?? false;
  if (typeof credentials !== 'boolean') throw validation(String(credentials), 'cors.allowCredentials', 'Member must be a boolean');
  const cors: UrlCors = {
    allowOrigins: list('AllowOrigins', 100, 253),
    allowMethods,
    allowHeaders: list('AllowHeaders', 100, 1024).map((h) => h.toLowerCase()),
    exposeHeaders: list('ExposeHeaders', 100, 1024),
    maxAge,
    allowCredentials: credentials,
  };
  return { given: JSON.parse(JSON.stringify(given)) as { [key: string]: StoredValue }, cors };
}

/** `$LATEST` or an alias that exists; Lambda refuses a version number. */
function urlQualifier(call: ManagementCall, named: NamedFunction): string {
  const qualifier = qualifierOf(call, named);
  if (qualifier === undefined || qualifier === LATEST) return '';
  if (/^[0-9]+$/.test(qualifier)) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Function URLs can only be configured for the $LATEST version or an alias, not a published version.');
  if (!named.entry.aliases.has(qualifier)) throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${named.entry.latest.config.arn}:${qualifier}`);
  return qualifier;
}

function load(context: ControlContext, name: string, qualifier: string): UrlRecord | undefined {
  const value = context.settings.get(KIND, `${name}:${qualifier}`);
  return value === undefined ? undefined : (value as unknown as UrlRecord);
}

function notFound(): ServiceError {
  return new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', 'The resource you requested does not exist.');
}

/** Lambda's URL form: 32 lower-case characters derived from the function and qualifier. */
function lambdaUrl(context: ControlContext, arn: string, qualifier: string): string {
  const id = createHash('sha256').update(`${arn}:${qualifier}`).digest('hex').slice(0, 32);
  return `https://${id}.lambda-url.${context.region}.on.aws/`;
}

function render(record: UrlRecord, arn: string, withModified: boolean): Record<string, unknown> {
  return {
    FunctionUrl: record.functionUrl,
    FunctionArn: record.qualifier === '' ? arn : `${arn}:${record.qualifier}`,
    AuthType: record.authType,
    ...(record.cors === null ? {} : { Cors: record.cors }),
    CreationTime: record.creationTime,
    ...(withModified ? { LastModifiedTime: record.lastModifiedTime } : {}),
    InvokeMode: record.invokeMode,
  };
}

function authTypeOf(body: Readonly<Record<string, unknown>>, fallback?: UrlRecord['authType']): UrlRecord['authType'] {
  const authType = optionalString(body, 'AuthType') ?? fallback;
  if (authType === undefined) throw validation('null', 'authType', 'Member must not be null');
  if (authType !== 'NONE' && authType !== 'AWS_IAM') throw validation(authType, 'authType', 'Member must satisfy enum value set: [AWS_IAM, NONE]');
  return authType;
}

function invokeModeOf(body: Readonly<Record<string, unknown>>, fallback: UrlRecord['invokeMode']): UrlRecord['invokeMode'] {
  const mode = optionalString(body, 'InvokeMode') ?? fallback;
  if (mode !== 'BUFFERED' && mode !== 'RESPONSE_STREAM') throw validation(mode, 'invokeMode', 'Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]');
  return mode;
}

/** Serve (or serve again) a record on the URL host, when there is one: its address is the FunctionUrl. */
async function served(context: ControlContext, record: UrlRecord, preferredPort?: number): Promise<string | undefined> {
  if (context.urls === undefined) return undefined;
  const cors = record.cors === null ? undefined : corsOf(record.cors).cors;
  return context.urls.open({
    id: `${record.functionName}${record.qualifier === '' ? '' : `-${record.qualifier}`}-api-url`,
    functionName: record.functionName,
    qualifier: record.qualifier === '' ? undefined : record.qualifier,
    authType: record.authType,
    invokeMode: record.invokeMode,
    cors,
  }, preferredPort);
}

/**
 * Serve every stored URL config again (at `lamina serve`'s start), each on the port of its
 * `FunctionUrl` when that port is free, else on a new one, which the stored config then records.
 * Answers one line per URL for the start's report.
 *
 * @example for (const line of await serveStoredUrls(context)) log(line);
 */
export async function serveStoredUrls(context: ControlContext): Promise<string[]> {
  const lines: string[] = [];
  if (context.urls === undefined) return lines;
  for (const [key, value] of context.settings.list(KIND)) {
    const record = storedObject(value) as unknown as UrlRecord | undefined;
    if (record === undefined || typeof record.functionUrl !== 'string') continue;
    // A function or alias gone while Lamina was stopped (a template edit) has no URL to serve.
    const entry = context.registry.entry(record.functionName);
    if (entry === undefined || (record.qualifier !== '' && !entry.aliases.has(record.qualifier))) continue;
    const port = /^http:\/\/(?:\[[^\]]+\]|[^/:]+):(\d+)\/$/.exec(record.functionUrl)?.[1];
    const address = await served(context, record, port === undefined ? undefined : Number(port));
    if (address === undefined) continue;
    if (address !== record.functionUrl) await context.settings.put(KIND, key, { ...record, functionUrl: address } as unknown as StoredValue);
    lines.push(`${record.functionName}${record.qualifier === '' ? '' : `:${record.qualifier}`}: function URL ${address}${address === record.functionUrl ? '' : ` (was ${record.functionUrl}: its port is taken)`}`);
  }
  return lines;
}

export const FUNCTION_URL_HANDLERS: HandlerTable = {
  CreateFunctionUrlConfig: async (context, call) => {
    const named = namedFunction(context, call);
    const qualifier = urlQualifier(call, named);
    const arn = named.entry.latest.config.arn;
    const authType = authTypeOf(call.body);
    const invokeMode = invokeModeOf(call.body, 'BUFFERED');
    const cors = call.body['Cors'] === undefined || call.body['Cors'] === null ? null : corsOf(call.body['Cors']).given;
    if (load(context, named.name, qualifier) !== undefined) {
      throw new ServiceError('LAMINA_ERR_RESOURCE_CONFLICT', `Failed to create function url config for [functionArn = ${qualifier === '' ? arn : `${arn}:${qualifier}`}]. Error message:  FunctionUrlConfig exists for this Lambda function`);
    }
    const now = lambdaTime(context.now().toISOString());
    const draft: UrlRecord = { functionName: named.name, qualifier, authType, invokeMode, cors, functionUrl: lambdaUrl(context, arn, qualifier), creationTime: now, lastModifiedTime: now };
    const record = { ...draft, functionUrl: (await served(context, draft)) ?? draft.functionUrl };
    await context.settings.put(KIND, `${named.name}:${qualifier}`, record as unknown as StoredValue);
    return { status: call.successStatus, body: render(record, arn, false) };
  },

  GetFunctionUrlConfig: (context, call) => {
    const named = namedFunction(context, call);
    const record = load(context, named.name, urlQualifier(call, named));
    if (record === undefined) throw notFound();
    return Promise.resolve({ status: call.successStatus, body: render(record, named.entry.latest.config.arn, true) });
  },

  UpdateFunctionUrlConfig: async (context, call) => {
    const named = namedFunction(context, call);
    const qualifier = urlQualifier(call, named);
    const current = load(context, named.name, qualifier);
    if (current === undefined) throw notFound();
    const corsGiven = call.body['Cors'];
    const next: UrlRecord = {
      ...current,
      authType: authTypeOf(call.body, current.authType),
      invokeMode: invokeModeOf(call.body, current.invokeMode),
      cors: corsGiven === undefined || corsGiven === null ? current.cors : corsOf(corsGiven).given,
      lastModifiedTime: lambdaTime(context.now().toISOString()),
    };
    const record = { ...next, functionUrl: (await served(context, next)) ?? next.functionUrl };
    await context.settings.put(KIND, `${named.name}:${qualifier}`, record as unknown as StoredValue);
    return { status: call.successStatus, body: render(record, named.entry.latest.config.arn, true) };
  },

  DeleteFunctionUrlConfig: async (context, call) => {
    const named = namedFunction(context, call);
    const qualifier = urlQualifier(call, named);
    if (load(context, named.name, qualifier) === undefined) throw notFound();
    await context.urls?.close(named.name, qualifier === '' ? undefined : qualifier);
    await context.settings.delete(KIND, `${named.name}:${qualifier}`);
    return { status: call.successStatus };
  },

  ListFunctionUrlConfigs: (context, call) => {
    const named = namedFunction(context, call);
    const records = functionRecords(context.settings, KIND, named.name, (value) => storedObject(value) as unknown as UrlRecord | undefined);
    const page = paginate(records, call.query, MAX_URLS_PAGE);
    const arn = named.entry.latest.config.arn;
    return Promise.resolve({ status: call.successStatus, body: { FunctionUrlConfigs: page.items.map((record) => render(record, arn, true)), ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }) } });
  },
};
