import type { CloudFrontRequest } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { EdgeOrigin } from '../../../src/config/edge-distributions.js';
import { headerProblem, isDisallowedHeader } from '../../../src/front-ends/edge/edge-headers.js';
import { readRequestResult, readResponseResult, type EdgeAnswer } from '../../../src/front-ends/edge/edge-results.js';

const origin: EdgeOrigin = { id: 'Web', domainName: 'example.org', path: '', protocol: 'http', port: 80 };
const before: CloudFrontRequest = {
  clientIp: '127.0.0.1', method: 'POST', uri: '/a', querystring: 'x=1',
  headers: { host: [{ key: 'Host', value: 'example.org' }], 'content-length': [{ key: 'Content-Length', value: '3' }] },
};
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('Lambda@Edge request results', () => {
  it('continues with the function\'s request: headers, uri and querystring merged, method and client kept', () => {
    const changed = { ...before, method: 'DELETE', uri: '/b', querystring: '', headers: { ...before.headers, 'x-added': [{ key: 'X-Added', value: 'yes' }] } };
    const result = readRequestResult(json(changed), 'viewer-request', before, Buffer.from('abc'), origin);
    expect(result).toEqual({ kind: 'request', request: { clientIp: '127.0.0.1', method: 'POST', uri: '/b', querystring: '', headers: changed.headers }, body: Buffer.from('abc'), origin });
  });

  it('replaces the body when the function says so, within the event\'s limit', () => {
    const replaced = readRequestResult(json({ ...before, body: { action: 'replace', encoding: 'text', data: 'new' } }), 'viewer-request', before, Buffer.from('abc'), origin);
    expect(replaced.kind === 'request' && replaced.body.toString()).toBe('new');
    const tooBig = readRequestResult(json({ ...before, body: { action: 'replace', encoding: 'base64', data: Buffer.alloc(40 * 1024 + 1).toString('base64') } }), 'viewer-request', before, Buffer.alloc(0), origin);
    expect(tooBig).toMatchObject({ kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_VALIDATION' });
    const kept = readRequestResult(json({ ...before, body: { action: 'read-only', encoding: 'text', data: 'ignored' } }), 'viewer-request', before, Buffer.from('abc'), origin);
    expect(kept.kind === 'request' && kept.body.toString()).toBe('abc');
  });

  it('refuses a changed, added or removed read-only header, as CloudFront\'s LambdaValidationError', () => {
    const host = readRequestResult(json({ ...before, headers: { ...before.headers, host: [{ key: 'Host', value: 'evil.example' }] } }), 'viewer-request', before, Buffer.alloc(0), origin);
    expect(host).toEqual({ kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_VALIDATION', detail: 'The function tried to add, delete, or change a read-only header' });
    const removed = readRequestResult(json({ ...before, headers: { host: before.headers.host } }), 'viewer-request', before, Buffer.alloc(0), origin);
    expect(removed).toMatchObject({ kind: 'failure' });
    // Host may change at origin-request; If-None-Match may not be added there.
    const originHost = readRequestResult(json({ ...before, headers: { ...before.headers, host: [{ key: 'Host', value: 'other.example' }] } }), 'origin-request', before, Buffer.alloc(0), origin);
    expect(originHost.kind).toBe('request');
    const inm = readRequestResult(json({ ...before, headers: { ...before.headers, 'if-none-match': [{ value: '"x"' }] } }), 'origin-request', before, Buffer.alloc(0), origin);
    expect(inm).toMatchObject({ kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_VALIDATION' });
  });

  it('refuses malformed header maps and disallowed headers', () => {
    expect(headerProblem({ 'X-Upper': [{ value: 'a' }] }, 'origin-response', undefined)).toMatch(/not lower case/);
    expect(headerProblem({ 'x-a': [{ key: 'X-B', value: 'a' }] }, 'origin-response', undefined)).toMatch(/key does not match/);
    expect(headerProblem({ 'x-a': [{ value: 1 }] }, 'origin-response', undefined)).toMatch(/without a string value/);
    expect(headerProblem({ 'x-a': { value: 'a' } }, 'origin-response', undefined)).toMatch(/not a list/);
    expect(headerProblem({ 'x-a': [{ value: 'a\r\nx-b: c' }] }, 'origin-response', undefined)).toMatch(/line break/);
    expect(headerProblem({ 'x-cache': [{ value: 'Hit' }] }, 'origin-response', undefined)).toMatch(/disallowed header/);
    expect(headerProblem([], 'origin-response', undefined)).toMatch(/not a map/);
    expect(isDisallowedHeader('X-Amz-Cf-Id')).toBe(true);
    expect(isDisallowedHeader('X-Amz-Date')).toBe(false);
  });

  it('reads a generated response (status as text or number, base64 body) and enforces 40 KB / 1 MB', () => {
    const generated = readRequestResult(json({ status: '302', statusDescription: 'Found', headers: { location: [{ key: 'Location', value: '/x' }] } }), 'viewer-request', before, Buffer.from('abc'), origin);
    expect(generated).toEqual({ kind: 'response', answer: { status: 302, statusDescription: 'Found', headers: { location: [{ key: 'Location', value: '/x' }] }, body: Buffer.alloc(0) } });
    const b64 = readRequestResult(json({ status: 200, body: Buffer.from('hi').toString('base64'), bodyEncoding: 'base64' }), 'origin-request', before, Buffer.alloc(0), origin);
    expect(b64.kind === 'response' && b64.answer.body.toString()).toBe('hi');
    const body = 'x'.repeat(40 * 1024 + 1);
    expect(readRequestResult(json({ status: '200', body }), 'viewer-request', before, Buffer.alloc(0), origin)).toMatchObject({ kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_VALIDATION' });
    expect(readRequestResult(json({ status: '200', body }), 'origin-request', before, Buffer.alloc(0), origin).kind).toBe('response');
    expect(readRequestResult(json({ status: '200', body: 'x'.repeat(1024 * 1024 + 1) }), 'origin-request', before, Buffer.alloc(0), origin).kind).toBe('failure');
    expect(readRequestResult(json({ status: '2000' }), 'origin-request', before, Buffer.alloc(0), origin)).toMatchObject({ kind: 'failure' });
    expect(readRequestResult(json({ status: '200', body: 5 }), 'origin-request', before, Buffer.alloc(0), origin)).toMatchObject({ kind: 'failure' });
  });

  it('answers invalid JSON and non-objects as CloudFront does, and a function\'s own "kind" field is not ours', () => {
    expect(readRequestResult(Buffer.from('nope'), 'viewer-request', before, Buffer.alloc(0), origin)).toEqual({ kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_INVALID_JSON', detail: 'The JSON output is not parsable' });
    expect(readRequestResult(json([1]), 'viewer-request', before, Buffer.alloc(0), origin)).toMatchObject({ code: 'LAMINA_ERR_GW_EDGE_VALIDATION' });
    expect(readRequestResult(json({ kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_ORIGIN' }), 'viewer-request', before, Buffer.alloc(0), origin)).toMatchObject({ code: 'LAMINA_ERR_GW_EDGE_VALIDATION' });
    expect(readRequestResult(json({ ...before, uri: 'no-slash' }), 'viewer-request', before, Buffer.alloc(0), origin)).toMatchObject({ kind: 'failure' });
  });

  it('lets origin-request send the request to another custom origin, and refuses a broken origin object', () => {
    const moved = readRequestResult(json({ ...before, origin: { custom: { domainName: 'other.example', port: 8443, protocol: 'https', path: '/p' } } }), 'origin-request', before, Buffer.alloc(0), origin);
    expect(moved.kind === 'request' && moved.origin).toEqual({ id: 'Web', domainName: 'other.example', port: 8443, protocol: 'https', path: '/p' });
    expect(readRequestResult(json({ ...before, origin: { s3: {} } }), 'origin-request', before, Buffer.alloc(0), origin)).toMatchObject({ kind: 'failure' });
  });
});

describe('Lambda@Edge response results', () => {
  const answer: EdgeAnswer = { status: 200, statusDescription: 'OK', headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain' }], via: [{ key: 'Via', value: '1.1 x' }] }, body: Buffer.from('origin body') };

  it('origin-response may change the status, headers and body', () => {
    const out = readResponseResult(json({ status: '404', statusDescription: 'Not Found', headers: { ...answer.headers, 'x-b': [{ key: 'X-B', value: '1' }] } }), 'origin-response', answer);
    expect(out).toEqual({ status: 404, statusDescription: 'Not Found', headers: { ...answer.headers, 'x-b': [{ key: 'X-B', value: '1' }] }, body: Buffer.from('origin body') });
    const body = readResponseResult(json({ status: '200', headers: answer.headers, body: 'replaced' }), 'origin-response', answer);
    expect('body' in body && body.body.toString()).toBe('replaced');
  });

  it('viewer-response keeps the status, and may not touch Via or Content-Length', () => {
    expect(readResponseResult(json({ status: '500', headers: answer.headers }), 'viewer-response', answer)).toMatchObject({ status: 200 });
    expect(readResponseResult(json({ status: '200', headers: { 'content-type': answer.headers['content-type'] } }), 'viewer-response', answer)).toMatchObject({ kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_VALIDATION' });
    expect(readResponseResult(json({ headers: { ...answer.headers, 'content-length': [{ value: '1' }] } }), 'viewer-response', answer)).toMatchObject({ kind: 'failure' });
  });
});
