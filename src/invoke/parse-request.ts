/**
 * Parse an Invoke API call into a typed `InvokeRequest` (docs/invoke-api.md).
 *
 * Two stages, so the server can refuse an oversized body before reading it:
 * `parseInvokeHead` (route, function name, headers: everything but the body) and
 * `completeInvokeRequest` (body checks). `parseInvokeRequest` runs both.
 * Every refusal is a thrown `ServiceError` carrying Lambda's own wording.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ServiceError } from '../errors.js';
import type { InvocationType, InvokeRequest } from '../platform/invoke-types.js';
import { validateJson, type JsonVerdict } from './json-validator.js';
import { FUNCTION_REF_PATTERN_TEXT, parseFunctionRef, validationMessage } from '../registry/function-ref.js';

/** Body limit for RequestResponse and DryRun: 6 MB (quotas page; Lambda's 413 message). */
export const SYNC_PAYLOAD_LIMIT = 6_291_456;
/** Body limit for Event: 1 MB since October 2025 (was 256 KB). */
export const ASYNC_PAYLOAD_LIMIT = 1_048_576;
/** `X-Amz-Client-Context` limit, decoded bytes (API_Invoke). */
export const CLIENT_CONTEXT_LIMIT = 3_583;

const QUALIFIER_PATTERN = /^[a-zA-Z0-9$_-]+$/;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const STREAM_PATH = /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations$/;

/** Everything about a call except its body; `bodyLimit` is the cap the body must respect. */
export interface InvokeHead {
  readonly request: Omit<InvokeRequest, 'payload'>;
  readonly bodyLimit: number;
}

/** Lambda's wording for a constraint failure (Lambda names it ValidationException; see the report). */
function validation(value: string, field: string, constraint: string): ServiceError {
  return new ServiceError('LAMINA_ERR_VALIDATION', validationMessage(value, field, constraint));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

/**
 * Split a `FunctionName` path label into name and qualifier, validating it like Lambda.
 *
 * @example
 * parseFunctionName('arn:aws:lambda:us-east-1:123456789012:function:f:prod'); // { name: 'f', qualifier: 'prod' }
 * parseFunctionName('123456789012:function:f'); // { name: 'f', qualifier: undefined }
 */
export function parseFunctionName(raw: string): { name: string; qualifier: string | undefined } {
  const parsed = parseFunctionRef(raw);
  if (!parsed.ok) throw new ServiceError(parsed.error.code, parsed.error.message);
  return { name: parsed.value.name, qualifier: parsed.value.qualifier };
}

/** Whether a URL names one of the two invoke paths (the front door's router asks first). */
export function isInvokePath(url: string): boolean {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  // Both invoke paths end in `invocations` (`/invocations`, `/response-streaming-invocations`).
  return path.endsWith('invocations') && (INVOKE_PATH.test(path) || STREAM_PATH.test(path));
}

function routeOf(method: string, rawUrl: string): { label: string; query: string; streaming: boolean } {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  const invoke = INVOKE_PATH.exec(path);
  const stream = invoke === null ? STREAM_PATH.exec(path) : null;
  const label = invoke?.[1] ?? stream?.[1];
  if (label === undefined) {
    throw new ServiceError('LAMINA_ERR_UNKNOWN_OPERATION', `No operation matches ${method} ${path}`);
  }
  if (method !== 'POST') {
    throw new ServiceError('LAMINA_ERR_METHOD_NOT_ALLOWED', `Method ${method} is not allowed on ${path}; use POST`);
  }
  return { label, query, streaming: stream !== null };
}

function decodeLabel(label: string): string {
  try {
    return decodeURIComponent(label);
  } catch {
    throw validation(label, 'functionName', `Member must satisfy regular expression pattern: ${FUNCTION_REF_PATTERN_TEXT}`);
  }
}

function queryQualifier(query: string): string | undefined {
  if (query === '') return undefined;
  let value: string | null;
  try {
    value = new URLSearchParams(query).get('Qualifier');
  } catch {
    return undefined;
  }
  if (value === null || value === '') return undefined;
  if (value.length > 128 || !QUALIFIER_PATTERN.test(value)) {
    throw validation(value, 'qualifier', 'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)');
  }
  return value;
}

function invocationTypeOf(headers: IncomingHttpHeaders, streaming: boolean): InvocationType {
  const value = header(headers, 'x-amz-invocation-type') ?? 'RequestResponse';
  const allowed = streaming ? ['RequestResponse', 'DryRun'] : ['Event', 'RequestResponse', 'DryRun'];
  if (!allowed.includes(value)) {
    throw validation(value, 'invocationType', `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as InvocationType;
}

function tailOf(headers: IncomingHttpHeaders): boolean {
  const value = header(headers, 'x-amz-log-type') ?? 'None';
  if (value !== 'None' && value !== 'Tail') {
    throw validation(value, 'logType', 'Member must satisfy enum value set: [None, Tail]');
  }
  return value === 'Tail';
}

/** Decode `X-Amz-Client-Context`: base64 of a JSON object, at most 3,583 bytes decoded. */
function clientContextOf(headers: IncomingHttpHeaders): string | undefined {
  const encoded = header(headers, 'x-amz-client-context');
  if (encoded === undefined) return undefined;
  const bad = (): ServiceError =>
    new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', 'Client context must be a valid Base64-encoded JSON object.');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 === 1) throw bad();
  const decoded = Buffer.from(encoded, 'base64');
  if (decoded.length > CLIENT_CONTEXT_LIMIT) {
    throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', `Client context must be smaller than ${CLIENT_CONTEXT_LIMIT + 1} bytes.`);
  }
  const text = decoded.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad();
  return text;
}

/**
 * Parse route, function name, qualifier and headers. Throws 404/405 for a request that is not an invoke.
 *
 * @example
 * const head = parseInvokeHead('POST', '/2015-03-31/functions/f/invocations?Qualifier=1', { 'x-amz-invocation-type': 'Event' });
 * head.bodyLimit; // 1048576
 */
export function parseInvokeHead(method: string, rawUrl: string, headers: IncomingHttpHeaders): InvokeHead {
  const route = routeOf(method, rawUrl);
  const { name, qualifier: inName } = parseFunctionName(decodeLabel(route.label));
  const inQuery = queryQualifier(route.query);
  if (inName !== undefined && inQuery !== undefined && inName !== inQuery) {
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'The derived qualifier from the function name does not match the specified qualifier.');
  }
  const invocationType = invocationTypeOf(headers, route.streaming);
  const request = {
    functionName: name,
    qualifier: inName ?? inQuery,
    invocationType,
    clientContext: clientContextOf(headers),
    tailLogs: tailOf(headers),
    traceId: header(headers, 'x-amzn-trace-id'),
    tenantId: header(headers, 'x-amz-tenant-id'),
    streaming: route.streaming,
  };
  return { request, bodyLimit: invocationType === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT };
}

/**
 * The 413 Lambda answers for an oversized body; `size` is how many bytes were seen.
 *
 * @example
 * payloadTooLarge(head, 2_000_000).message; // '2000000 byte payload is too large for the Event invocation type (limit 1048576 bytes)'
 */
export function payloadTooLarge(head: InvokeHead, size: number): ServiceError {
  const message =
    head.request.invocationType === 'Event'
      ? `${size} byte payload is too large for the Event invocation type (limit ${head.bodyLimit} bytes)`
      : `Request must be smaller than ${head.bodyLimit} bytes for the InvokeFunction operation`;
  return new ServiceError('LAMINA_ERR_REQUEST_TOO_LARGE', message);
}

/**
 * The 400 Lambda answers for a body that is not JSON; `detail` says where and why.
 *
 * @example
 * notJson('Unexpected end-of-input at byte offset 3').message; // 'Could not parse request body into json: ...'
 */
export function notJson(detail: string): ServiceError {
  return new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: Could not parse payload into json: ${detail}`);
}

/**
 * Check the body and finish the request. An empty (or all-whitespace) body is the event `{}`,
 * as Lambda delivers it; anything else must be JSON and is passed on untouched. The front door
 * passes the `verdict` of the `JsonValidator` it fed while the body arrived; without one the
 * whole body is validated here (tests, tools).
 *
 * @example
 * completeInvokeRequest(head, Buffer.from('{"a":1}')).payload; // the same bytes
 */
export function completeInvokeRequest(head: InvokeHead, body: Buffer, verdict: JsonVerdict = validateJson(body)): InvokeRequest {
  if (body.length > head.bodyLimit) throw payloadTooLarge(head, body.length);
  if (!verdict.ok) throw notJson(verdict.message);
  if (verdict.empty) return { ...head.request, payload: Buffer.from('{}') };
  return { ...head.request, payload: body };
}

/**
 * Parse a whole buffered call (tests, tools): `parseInvokeHead` then `completeInvokeRequest`.
 *
 * @example
 * parseInvokeRequest('POST', '/2015-03-31/functions/my-fn/invocations', {}, Buffer.from('{}')).qualifier; // undefined ($LATEST)
 */
export function parseInvokeRequest(method: string, rawUrl: string, headers: IncomingHttpHeaders, body: Buffer): InvokeRequest {
  return completeInvokeRequest(parseInvokeHead(method, rawUrl, headers), body);
}
