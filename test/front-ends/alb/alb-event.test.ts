import { describe, expect, it } from 'vitest';
import type { ALBEvent } from 'aws-lambda';
import type { AlbTargetGroup } from '../../../src/config/alb-targets.js';
import { albEvent, albTraceId, rawQueryParameters } from '../../../src/front-ends/alb/alb-event.js';
import type { FrontRequest } from '../../../src/front-ends/http-request.js';

const arn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a';
const single: AlbTargetGroup = { id: 'Tg', arn, functionName: 'Fn', multiValueHeaders: false };
const multi: AlbTargetGroup = { ...single, multiValueHeaders: true };

function request(overrides: Partial<FrontRequest>): FrontRequest {
  const headers: Array<readonly [string, string]> = [['host', 'lambda-alb-123578498.us-east-1.elb.amazonaws.com'], ['accept', 'text/html'], ['x-tag', 'a'], ['x-tag', 'b']];
  return { method: 'GET', rawPath: '/lambda', rawQueryString: 'query=1234ABCD', headers, body: Buffer.alloc(0), sourceIp: '72.12.164.125', protocol: 'HTTP/1.1', receivedAt: Date.UTC(2019, 0, 31, 21, 0, 0), ...overrides };
}

describe('albEvent', () => {
  it('has the fields of AWS\'s published ALB sample event, with their types', () => {
    const event = albEvent(request({}), { targetGroup: single, listenerPort: 80 });
    // AWS's sample: requestContext.elb.targetGroupArn, httpMethod, path, queryStringParameters, headers, body "", isBase64Encoded false.
    expect(Object.keys(event).sort()).toEqual(['body', 'headers', 'httpMethod', 'isBase64Encoded', 'path', 'queryStringParameters', 'requestContext']);
    expect(event.requestContext).toEqual({ elb: { targetGroupArn: arn } });
    expect(event.httpMethod).toBe('GET');
    expect(event.path).toBe('/lambda');
    expect(event.queryStringParameters).toEqual({ query: '1234ABCD' });
    expect(event.body).toBe('');
    expect(event.isBase64Encoded).toBe(false);
    const headers = event.headers ?? {};
    expect(headers['host']).toBe('lambda-alb-123578498.us-east-1.elb.amazonaws.com');
    // The load balancer's own headers, as in the sample.
    expect(headers['x-forwarded-for']).toBe('72.12.164.125');
    expect(headers['x-forwarded-port']).toBe('80');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-amzn-trace-id']).toMatch(/^Root=1-5c5361d0-[0-9a-f]{24}$/);
    // A repeated header without multi-value headers: its last value.
    expect(headers['x-tag']).toBe('b');
    for (const value of Object.values(headers)) expect(typeof value).toBe('string');
  });

  it('passes query parameters as received, still percent-encoded; the last of a repeated one', () => {
    const event = albEvent(request({ rawQueryString: 'name=foo&name=bar&q=a%20b+c&flag&e%3D=x=y' }), { targetGroup: single, listenerPort: 80 });
    expect(event.queryStringParameters).toEqual({ name: 'bar', q: 'a%20b+c', flag: '', 'e%3D': 'x=y' });
    expect(event.multiValueQueryStringParameters).toBeUndefined();
    expect(event.multiValueHeaders).toBeUndefined();
  });

  it('with multi-value headers: lists of headers and query parameters, and no single-value maps', () => {
    const event: ALBEvent = albEvent(request({ rawQueryString: 'name=foo&name=bar' }), { targetGroup: multi, listenerPort: 443 });
    expect(Object.keys(event).sort()).toEqual(['body', 'httpMethod', 'isBase64Encoded', 'multiValueHeaders', 'multiValueQueryStringParameters', 'path', 'requestContext']);
    expect(event.multiValueQueryStringParameters).toEqual({ name: ['foo', 'bar'] });
    expect(event.multiValueHeaders?.['x-tag']).toEqual(['a', 'b']);
    expect(event.multiValueHeaders?.['x-forwarded-port']).toEqual(['443']);
  });

  it('gives no query as empty maps', () => {
    expect(albEvent(request({ rawQueryString: '' }), { targetGroup: single, listenerPort: 80 }).queryStringParameters).toEqual({});
    expect(albEvent(request({ rawQueryString: '' }), { targetGroup: multi, listenerPort: 80 }).multiValueQueryStringParameters).toEqual({});
  });

  it('appends the client to an X-Forwarded-For it was sent, and keeps a trace id it was sent', () => {
    const headers: Array<readonly [string, string]> = [['x-forwarded-for', '10.0.0.1'], ['x-amzn-trace-id', 'Root=1-00000000-000000000000000000000000']];
    const event = albEvent(request({ headers }), { targetGroup: single, listenerPort: 80 });
    expect(event.headers?.['x-forwarded-for']).toBe('10.0.0.1, 72.12.164.125');
    expect(event.headers?.['x-amzn-trace-id']).toBe('Root=1-00000000-000000000000000000000000');
  });

  it('passes text bodies as text and base64-encodes the others', () => {
    const json = albEvent(request({ method: 'POST', headers: [['content-type', 'application/json']], body: Buffer.from('{"a":"é"}') }), { targetGroup: single, listenerPort: 80 });
    expect(json).toMatchObject({ httpMethod: 'POST', body: '{"a":"é"}', isBase64Encoded: false });
    const bytes = Buffer.from([0, 255, 1, 2]);
    const binary = albEvent(request({ method: 'PUT', headers: [['content-type', 'application/octet-stream']], body: bytes }), { targetGroup: single, listenerPort: 80 });
    expect(binary).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
    const untyped = albEvent(request({ method: 'POST', headers: [], body: Buffer.from('x=1') }), { targetGroup: single, listenerPort: 80 });
    expect(untyped.isBase64Encoded).toBe(true);
  });

  it('keeps the path as received', () => {
    expect(albEvent(request({ rawPath: '/a%20b/../c' }), { targetGroup: single, listenerPort: 80 }).path).toBe('/a%20b/../c');
  });
});

describe('rawQueryParameters and albTraceId', () => {
  it('splits without decoding', () => {
    expect(rawQueryParameters('a=1&&a=%2F&b')).toEqual(new Map([['a', ['1', '%2F']], ['b', ['']]]));
    expect(rawQueryParameters('')).toEqual(new Map());
  });

  it('writes the epoch seconds in hex', () => {
    expect(albTraceId(0)).toMatch(/^Root=1-00000000-[0-9a-f]{24}$/);
    expect(albTraceId(1700000000999)).toMatch(/^Root=1-6553f100-/);
  });
});
