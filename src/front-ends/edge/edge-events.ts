/**
 * The events CloudFront gives a Lambda@Edge function (docs/http-front-ends.md, "Lambda@Edge"),
 * typed by `@types/aws-lambda`'s CloudFrontRequestEvent and CloudFrontResponseEvent: one record
 * with `cf.config` and `cf.request` (and `cf.response` for the response events). Headers are keyed
 * by lower-case name, each a list of `{key, value}` keeping the name as written.
 */
import type { CloudFrontHeaders, CloudFrontRequest, CloudFrontRequestEvent, CloudFrontResponse, CloudFrontResponseEvent } from 'aws-lambda';
import type { EdgeEventType, EdgeOrigin } from '../../config/edge-distributions.js';
import type { FrontRequest } from '../http-request.js';
import { exposedPairs } from './edge-headers.js';

/** How much of a body a request event carries with `IncludeBody`: CloudFront truncates beyond it. */
export const EDGE_BODY_LIMITS: Readonly<Record<'viewer-request' | 'origin-request', number>> = {
  'viewer-request': 40 * 1024,
  'origin-request': 1024 * 1024,
};

export interface EdgeConfig {
  readonly distributionDomainName: string;
  readonly distributionId: string;
  readonly requestId: string;
}

/**
 * Header pairs as CloudFront's header map (lower-case keys, values in order, the first spelling kept).
 *
 * @example toCloudFrontHeaders([['x-a', '1']], new Map([['x-a', 'X-A']])) // { 'x-a': [{ key: 'X-A', value: '1' }] }
 */
export function toCloudFrontHeaders(pairs: ReadonlyArray<readonly [string, string]>, rawNames?: ReadonlyMap<string, string>): CloudFrontHeaders {
  const out: CloudFrontHeaders = {};
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    (out[lower] ??= []).push({ key: rawNames?.get(lower) ?? name, value });
  }
  return out;
}

/**
 * CloudFront's header map back to pairs to send (each entry's `key`, else its map key).
 *
 * @example fromCloudFrontHeaders({ 'x-a': [{ key: 'X-A', value: '1' }] }) // [['X-A', '1']]
 */
export function fromCloudFrontHeaders(headers: CloudFrontHeaders): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, list] of Object.entries(headers)) for (const entry of list) out.push([entry.key ?? name, entry.value]);
  return out;
}

/**
 * The request object of a viewer-request event, from the viewer's request (without the headers
 * CloudFront hides from functions, e.g. `connection`).
 *
 * @example viewerRequest(front) // { clientIp: '127.0.0.1', headers: {...}, method: 'GET', querystring: 'a=1', uri: '/x' }
 */
export function viewerRequest(front: FrontRequest): CloudFrontRequest {
  return { clientIp: front.sourceIp, headers: toCloudFrontHeaders(exposedPairs(front.headers), front.rawNames), method: front.method, querystring: front.rawQueryString, uri: front.rawPath };
}

/** The `origin` object of an origin-request event: where CloudFront would send the request. */
export function originObject(origin: EdgeOrigin): NonNullable<CloudFrontRequest['origin']> {
  return {
    custom: { customHeaders: {}, domainName: origin.domainName, keepaliveTimeout: 5, path: origin.path, port: origin.port, protocol: origin.protocol, readTimeout: 30, sslProtocols: ['TLSv1.2'] },
  };
}

/**
 * The request as a function sees it for this event: without a body unless `includeBody` (then
 * base64, `inputTruncated` past the event's limit), with `origin` for origin-request.
 */
export function eventRequest(request: CloudFrontRequest, body: Buffer, type: EdgeEventType, includeBody: boolean, origin: EdgeOrigin | undefined): CloudFrontRequest {
  const { body: _dropped, origin: _origin, ...rest } = request;
  const out: CloudFrontRequest = { ...rest, headers: structuredClone(request.headers) };
  if (includeBody && (type === 'viewer-request' || type === 'origin-request')) {
    const limit = EDGE_BODY_LIMITS[type];
    out.body = { inputTruncated: body.length > limit, action: 'read-only', encoding: 'base64', data: body.subarray(0, limit).toString('base64') };
  }
  if (type === 'origin-request' && origin !== undefined) out.origin = request.origin ?? originObject(origin);
  return out;
}

/**
 * A viewer-request or origin-request event.
 *
 * @example requestEvent(config, 'viewer-request', viewerRequest(front)).Records[0].cf.config.eventType // 'viewer-request'
 */
export function requestEvent(config: EdgeConfig, eventType: 'viewer-request' | 'origin-request', request: CloudFrontRequest): CloudFrontRequestEvent {
  return { Records: [{ cf: { config: { ...config, eventType }, request } }] };
}

/**
 * An origin-response or viewer-response event: the request (no body) and the response so far.
 *
 * @example responseEvent(config, 'origin-response', request, { status: '200', statusDescription: 'OK', headers: {} })
 */
export function responseEvent(config: EdgeConfig, eventType: 'origin-response' | 'viewer-response', request: CloudFrontRequest, response: CloudFrontResponse): CloudFrontResponseEvent {
  const { body: _body, ...withoutBody } = request;
  return { Records: [{ cf: { config: { ...config, eventType }, request: withoutBody, response } }] };
}
