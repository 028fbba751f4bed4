import { describe, expect, it } from 'vitest';
import type { ALBResult } from 'aws-lambda';
import { albError, albResponse, MAX_ALB_RESPONSE_BYTES } from '../../../src/front-ends/alb/alb-response.js';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('albResponse', () => {
  it('maps AWS\'s published sample answer: status, reason phrase, headers, body', () => {
    const sample: ALBResult = { statusCode: 200, statusDescription: '200 OK', isBase64Encoded: false, headers: { 'Content-Type': 'text/html' }, body: '<h1>Hello from Lambda!</h1>' };
    const answer = albResponse(json(sample), false);
    expect(answer).toEqual({ status: 200, statusMessage: 'OK', headers: [['content-type', 'text/html']], body: Buffer.from('<h1>Hello from Lambda!</h1>') });
  });

  it('uses headers without multi-value headers, multiValueHeaders with them (the other is ignored)', () => {
    const both = { statusCode: 201, headers: { 'x-one': 1, 'x-bool': true }, multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] } };
    expect(albResponse(json(both), false)?.headers).toEqual([['x-one', '1'], ['x-bool', 'true']]);
    expect(albResponse(json(both), true)?.headers).toEqual([['set-cookie', 'a=1'], ['set-cookie', 'b=2']]);
  });

  it('decodes a base64 body', () => {
    expect(albResponse(json({ statusCode: 200, body: Buffer.from([0, 1, 255]).toString('base64'), isBase64Encoded: true }), false)?.body).toEqual(Buffer.from([0, 1, 255]));
  });

  it('leaves out a reason phrase Node could not write', () => {
    expect(albResponse(json({ statusCode: 404, statusDescription: '404 Not\r\nFound' }), false)?.statusMessage).toBeUndefined();
    expect(albResponse(json({ statusCode: 404 }), false)).toEqual({ status: 404, statusMessage: undefined, headers: [], body: Buffer.alloc(0) });
  });

  it('refuses what the load balancer cannot map (the caller answers 502)', () => {
    for (const bad of ['"hello"', 'not json', '[1]', 'null', '{"body":"no status"}', '{"statusCode":"200"}', '{"statusCode":99}', '{"statusCode":200.5}', '{"statusCode":200,"body":{}}', '{"statusCode":200,"headers":{"a":{}}}', '{"statusCode":200,"headers":[]}']) {
      expect(albResponse(Buffer.from(bad), false), bad).toBeUndefined();
    }
    expect(albResponse(Buffer.from('{"statusCode":200,"multiValueHeaders":{"a":"not a list"}}'), true)).toBeUndefined();
    expect(albResponse(Buffer.from('{"statusCode":200,"multiValueHeaders":{"a":[null]}}'), true)).toBeUndefined();
  });

  it('refuses an answer over 1 MB', () => {
    const body = 'x'.repeat(MAX_ALB_RESPONSE_BYTES);
    expect(albResponse(json({ statusCode: 200, body }), false)).toBeUndefined();
    expect(albResponse(json({ statusCode: 200, body: body.slice(0, MAX_ALB_RESPONSE_BYTES - 100) }), false)?.status).toBe(200);
  });
});

describe('albError', () => {
  it('is the load balancer\'s HTML page with its status', () => {
    const answer = albError('LAMINA_ERR_ALB_BAD_GATEWAY');
    expect(answer.status).toBe(502);
    expect(answer.statusMessage).toBe('Bad Gateway');
    expect(answer.headers).toEqual([['server', 'awselb/2.0'], ['content-type', 'text/html']]);
    expect(answer.body.toString()).toContain('<title>502 Bad Gateway</title>');
  });
});
