import type { CloudFrontRequestEvent, CloudFrontResponseEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { EdgeOrigin } from '../../../src/config/edge-distributions.js';
import { eventRequest, fromCloudFrontHeaders, requestEvent, responseEvent, toCloudFrontHeaders, viewerRequest } from '../../../src/front-ends/edge/edge-events.js';
import type { FrontRequest } from '../../../src/front-ends/http-request.js';

const config = { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==' };
const origin: EdgeOrigin = { id: 'Web', domainName: 'example.org', path: '', protocol: 'https', port: 443 };

function front(headers: Array<[string, string]>, body = Buffer.alloc(0)): FrontRequest {
  return {
    method: 'GET', rawPath: '/', rawQueryString: '', body, sourceIp: '203.0.113.178', protocol: 'HTTP/1.1', receivedAt: 0,
    headers: headers.map(([n, v]) => [n.toLowerCase(), v] as const), rawNames: new Map([...headers].reverse().map(([n]) => [n.toLowerCase(), n])),
  };
}

describe('Lambda@Edge events', () => {
  it('builds the viewer-request event of AWS\'s published example, field for field', () => {
    const request = viewerRequest(front([['Host', 'd111111abcdef8.cloudfront.net'], ['User-Agent', 'curl/7.66.0'], ['accept', '*/*']]));
    const event: CloudFrontRequestEvent = requestEvent(config, 'viewer-request', eventRequest(request, Buffer.alloc(0), 'viewer-request', false, origin));
    // The published sample (CloudFront developer guide, "Lambda@Edge event structure", viewer request).
    expect(event).toEqual({
      Records: [{ cf: {
        config: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==' },
        request: {
          clientIp: '203.0.113.178',
          headers: { host: [{ key: 'Host', value: 'd111111abcdef8.cloudfront.net' }], 'user-agent': [{ key: 'User-Agent', value: 'curl/7.66.0' }], accept: [{ key: 'accept', value: '*/*' }] },
          method: 'GET', querystring: '', uri: '/',
        },
      } }],
    });
  });

  it('hides the headers CloudFront never shows a function, keeps repeated ones in order', () => {
    const request = viewerRequest(front([['Connection', 'keep-alive'], ['X-Edge-Foo', '1'], ['X-Many', 'a'], ['x-many', 'b']]));
    expect(request.headers).toEqual({ 'x-many': [{ key: 'X-Many', value: 'a' }, { key: 'X-Many', value: 'b' }] });
    expect(fromCloudFrontHeaders(request.headers)).toEqual([['X-Many', 'a'], ['X-Many', 'b']]);
    expect(fromCloudFrontHeaders({ 'x-a': [{ value: '1' }] })).toEqual([['x-a', '1']]);
    expect(toCloudFrontHeaders([['X-A', '1']])).toEqual({ 'x-a': [{ key: 'X-A', value: '1' }] });
  });

  it('passes the body base64 with IncludeBody, truncated past 40 KB (viewer) and 1 MB (origin)', () => {
    const small = Buffer.from('{"a":1}');
    const req = viewerRequest(front([]));
    expect(eventRequest(req, small, 'viewer-request', true, origin).body).toEqual({ inputTruncated: false, action: 'read-only', encoding: 'base64', data: small.toString('base64') });
    expect(eventRequest(req, small, 'viewer-request', false, origin).body).toBeUndefined();
    const big = Buffer.alloc(40 * 1024 + 1, 7);
    const viewer = eventRequest(req, big, 'viewer-request', true, origin).body;
    expect(viewer?.inputTruncated).toBe(true);
    expect(Buffer.from(viewer?.data ?? '', 'base64').length).toBe(40 * 1024);
    const atOrigin = eventRequest(req, big, 'origin-request', true, origin).body;
    expect(atOrigin?.inputTruncated).toBe(false);
    expect(Buffer.from(atOrigin?.data ?? '', 'base64')).toEqual(big);
    // IncludeBody means nothing for response events.
    expect(eventRequest(req, small, 'origin-response', true, origin).body).toBeUndefined();
  });

  it('gives origin-request the custom origin object, and response events the request without body', () => {
    const req = viewerRequest(front([]));
    const sent = eventRequest(req, Buffer.alloc(0), 'origin-request', false, origin);
    expect(sent.origin).toEqual({ custom: { customHeaders: {}, domainName: 'example.org', keepaliveTimeout: 5, path: '', port: 443, protocol: 'https', readTimeout: 30, sslProtocols: ['TLSv1.2'] } });
    expect(eventRequest(req, Buffer.alloc(0), 'viewer-request', false, origin).origin).toBeUndefined();
    const withBody = { ...req, body: { inputTruncated: false, action: 'read-only' as const, encoding: 'base64' as const, data: 'eA==' } };
    const event: CloudFrontResponseEvent = responseEvent(config, 'origin-response', withBody, { status: '200', statusDescription: 'OK', headers: {} });
    const record = event.Records[0]?.cf;
    expect(record?.config.eventType).toBe('origin-response');
    expect(record !== undefined && 'body' in record.request).toBe(false);
    expect(record?.response).toEqual({ status: '200', statusDescription: 'OK', headers: {} });
  });

  it('does not let a function\'s edits reach the request it was given (headers copied)', () => {
    const req = viewerRequest(front([['X-A', '1']]));
    const sent = eventRequest(req, Buffer.alloc(0), 'viewer-request', false, origin);
    sent.headers['x-a']?.push({ key: 'X-A', value: '2' });
    expect(req.headers['x-a']).toHaveLength(1);
  });
});
