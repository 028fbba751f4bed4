/**
 * What a Lambda@Edge function answers, read as CloudFront reads it (docs/http-front-ends.md,
 * "Lambda@Edge"). A request event's function returns the request to go on with (its headers,
 * `uri`, `querystring`, a replaced body, another origin) or a generated response that ends the
 * request there; a response event's function returns the response. Anything CloudFront would
 * refuse is a `failure` naming the catalogue code and CloudFront's reason.
 */
import type { CloudFrontHeaders, CloudFrontRequest } from 'aws-lambda';
import type { EdgeEventType, EdgeOrigin } from '../../config/edge-distributions.js';
import { isPlainObject } from '../../config/cfn-intrinsics.js';
import type { GatewayErrorCode } from '../../errors.js';
import { EDGE_BODY_LIMITS } from './edge-events.js';
import { headerProblem } from './edge-headers.js';

/** The largest response a function may generate (headers and body), per event type. */
export const GENERATED_RESPONSE_LIMITS: Readonly<Record<EdgeEventType, number>> = {
  'viewer-request': 40 * 1024,
  'viewer-response': 40 * 1024,
  'origin-request': 1024 * 1024,
  'origin-response': 1024 * 1024,
};

/** A response on its way to the viewer. */
export interface EdgeAnswer {
  readonly status: number;
  readonly statusDescription: string;
  readonly headers: CloudFrontHeaders;
  readonly body: Buffer;
}

export interface EdgeFailure {
  readonly kind: 'failure';
  readonly code: GatewayErrorCode;
  readonly detail: string;
}

export type RequestResult =
  | { readonly kind: 'request'; readonly request: CloudFrontRequest; readonly body: Buffer; readonly origin: EdgeOrigin | undefined }
  | { readonly kind: 'response'; readonly answer: EdgeAnswer }
  | EdgeFailure;

/** @example isFailure(readAnswer({ status: 'x' }, 'origin-response', {}, Buffer.alloc(0))) // true */
export function isFailure(value: EdgeAnswer | EdgeFailure): value is EdgeFailure {
  return 'kind' in value;
}

const invalid = (detail: string): EdgeFailure => ({ kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_VALIDATION', detail });

/** The function's JSON object (wrapped, so that a function's own `kind` field cannot pass for ours). */
function parse(payload: Buffer): { readonly kind: 'parsed'; readonly value: Record<string, unknown> } | EdgeFailure {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_INVALID_JSON', detail: 'The JSON output is not parsable' };
  }
  return isPlainObject(value) ? { kind: 'parsed', value } : invalid('The function did not return an object');
}

function statusOf(raw: unknown): number | undefined {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{3}$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

function headerBytes(headers: CloudFrontHeaders): number {
  let size = 0;
  for (const [name, list] of Object.entries(headers)) for (const e of list) size += name.length + e.value.length + 4;
  return size;
}

/**
 * A response a function generated or rewrote: `status` (a 3-digit string or number), optional
 * `statusDescription`, `headers`, `body` with `bodyEncoding` text or base64 (`previousBody` when
 * it has none), within the event type's size limit.
 */
export function readAnswer(value: Record<string, unknown>, type: EdgeEventType, before: CloudFrontHeaders | undefined, previousBody: Buffer): EdgeAnswer | EdgeFailure {
  const status = statusOf(value.status);
  if (status === undefined) return invalid(`The status ${JSON.stringify(value.status)} is not a valid HTTP status code`);
  const headers = value.headers ?? {};
  const problem = headerProblem(headers, type, before);
  if (problem !== undefined) return invalid(problem);
  const encoding = value.bodyEncoding ?? 'text';
  if (encoding !== 'text' && encoding !== 'base64') return invalid('The bodyEncoding is not text or base64');
  if (value.body !== undefined && typeof value.body !== 'string') return invalid('The body is not a string');
  const body = typeof value.body === 'string' ? Buffer.from(value.body, encoding === 'base64' ? 'base64' : 'utf8') : previousBody;
  const cf = headers as CloudFrontHeaders;
  if (typeof value.body === 'string' && body.length + headerBytes(cf) > GENERATED_RESPONSE_LIMITS[type]) {
    return invalid(`The generated response exceeds the maximum size of ${GENERATED_RESPONSE_LIMITS[type]} bytes for ${type}`);
  }
  const description = typeof value.statusDescription === 'string' ? value.statusDescription : '';
  return { status, statusDescription: description, headers: cf, body };
}

/**
 * A viewer-request or origin-request function's answer.
 *
 * @example readRequestResult(Buffer.from(JSON.stringify(request)), 'viewer-request', request, Buffer.alloc(0), origin) // { kind: 'request', ... }
 */
export function readRequestResult(payload: Buffer, type: 'viewer-request' | 'origin-request', before: CloudFrontRequest, body: Buffer, origin: EdgeOrigin | undefined): RequestResult {
  const parsed = parse(payload);
  if (parsed.kind === 'failure') return parsed;
  const value = parsed.value;
  if (value.status !== undefined) {
    const answer = readAnswer(value, type, undefined, Buffer.alloc(0));
    return isFailure(answer) ? answer : { kind: 'response', answer };
  }
  if (typeof value.uri !== 'string' || !value.uri.startsWith('/')) return invalid('The uri is not a string that starts with /');
  const querystring = value.querystring ?? '';
  if (typeof querystring !== 'string') return invalid('The querystring is not a string');
  const problem = headerProblem(value.headers, type, before.headers);
  if (problem !== undefined) return invalid(problem);
  let newBody = body;
  if (isPlainObject(value.body) && value.body.action === 'replace') {
    const { data, encoding } = value.body;
    if (typeof data !== 'string' || (encoding !== 'text' && encoding !== 'base64')) return invalid('The replaced body needs data and an encoding of text or base64');
    newBody = Buffer.from(data, encoding === 'base64' ? 'base64' : 'utf8');
    if (newBody.length > EDGE_BODY_LIMITS[type]) return invalid(`The replaced body exceeds ${EDGE_BODY_LIMITS[type]} bytes for ${type}`);
  }
  const next = type === 'origin-request' ? originFrom(value.origin, origin) : origin;
  if (next === undefined && type === 'origin-request') return invalid('The origin is not a custom origin with domainName, port and protocol');
  const request: CloudFrontRequest = { clientIp: before.clientIp, method: before.method, uri: value.uri, querystring, headers: value.headers as CloudFrontHeaders };
  return { kind: 'request', request, body: newBody, origin: next };
}

/** A function may send the request to another custom origin by rewriting `origin.custom`. */
function originFrom(raw: unknown, current: EdgeOrigin | undefined): EdgeOrigin | undefined {
  if (raw === undefined) return current;
  const custom = isPlainObject(raw) ? raw.custom : undefined;
  if (!isPlainObject(custom) || typeof custom.domainName !== 'string' || (custom.protocol !== 'http' && custom.protocol !== 'https')) return undefined;
  const port = Number(custom.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  const path = typeof custom.path === 'string' ? custom.path : '';
  return { id: current?.id ?? 'origin', domainName: custom.domainName, port, protocol: custom.protocol, path };
}

/**
 * An origin-response or viewer-response function's answer: the response to go on with. A
 * viewer-response function cannot change the status (CloudFront keeps the one it had).
 *
 * @example readResponseResult(Buffer.from('{"status":"200","headers":{}}'), 'origin-response', answer)
 */
export function readResponseResult(payload: Buffer, type: 'origin-response' | 'viewer-response', before: EdgeAnswer): EdgeAnswer | EdgeFailure {
  const parsed = parse(payload);
  if (parsed.kind === 'failure') return parsed;
  const value = parsed.value;
  const status = type === 'viewer-response' ? String(before.status) : (value.status ?? String(before.status));
  return readAnswer({ ...value, status, statusDescription: value.statusDescription ?? before.statusDescription }, type, before.headers, before.body);
}
