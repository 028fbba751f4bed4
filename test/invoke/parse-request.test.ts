import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import { ASYNC_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT, isInvokePath, parseFunctionName, parseInvokeHead, parseInvokeRequest } from '../../src/invoke/parse-request.js';

const PATH = (name: string, query = ''): string => `/2015-03-31/functions/${encodeURIComponent(name)}/invocations${query}`;
const body = Buffer.from('{"k":1}');

function refusal(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ServiceError) return err;
    throw err;
  }
  throw new Error('expected a ServiceError');
}

describe('function names', () => {
  it.each([
    ['my-function', 'my-function', undefined],
    ['my-function:v1', 'my-function', 'v1'],
    ['my.fn_1', 'my.fn_1', undefined],
    ['fn:$LATEST', 'fn', '$LATEST'],
    ['123456789012:function:fn', 'fn', undefined],
    ['123456789012:function:fn:7', 'fn', '7'],
    ['arn:aws:lambda:us-east-1:123456789012:function:fn', 'fn', undefined],
    ['arn:aws:lambda:us-east-1:123456789012:function:fn:prod', 'fn', 'prod'],
    ['arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:fn', 'fn', undefined],
  ])('%s', (raw, name, qualifier) => {
    expect(parseFunctionName(raw)).toEqual({ name, qualifier });
  });

  it.each(['my function', 'fn:a:b', 'arn:aws:s3:::bucket', 'fn:bad.qualifier', 'x'.repeat(171), ''])('refuses %j', (raw) => {
    const err = refusal(() => parseFunctionName(raw));
    expect(err.spec.status).toBe(400);
    expect(err.message).toMatch(/^1 validation error detected: Value '.*' at 'functionName' failed to satisfy constraint/);
  });

  it('URL-decodes the path label (the SDK encodes ARNs)', () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:fn:live';
    const req = parseInvokeRequest('POST', PATH(arn), {}, body);
    expect(req.functionName).toBe('fn');
    expect(req.qualifier).toBe('live');
  });

  it('refuses malformed percent-encoding as a bad name, not a crash', () => {
    const err = refusal(() => parseInvokeHead('POST', '/2015-03-31/functions/%E0%A4%A/invocations', {}));
    expect(err.spec.name).toBe('ValidationException');
  });
});

describe('qualifiers', () => {
  it('leaves the qualifier unset ($LATEST) when none is named', () => {
    expect(parseInvokeRequest('POST', PATH('fn'), {}, body).qualifier).toBeUndefined();
  });
  it('takes ?Qualifier=', () => {
    expect(parseInvokeRequest('POST', PATH('fn', '?Qualifier=prod'), {}, body).qualifier).toBe('prod');
  });
  it('accepts the same qualifier twice', () => {
    expect(parseInvokeRequest('POST', PATH('fn:3', '?Qualifier=3'), {}, body).qualifier).toBe('3');
  });
  it('refuses disagreeing qualifiers with Lambda wording', () => {
    const err = refusal(() => parseInvokeHead('POST', PATH('fn:3', '?Qualifier=4'), {}));
    expect(err.spec.name).toBe('InvalidParameterValueException');
    expect(err.message).toBe('The derived qualifier from the function name does not match the specified qualifier.');
  });
  it('refuses a malformed ?Qualifier=', () => {
    expect(refusal(() => parseInvokeHead('POST', PATH('fn', '?Qualifier=a.b'), {})).message).toContain("at 'qualifier'");
  });
});

describe('routes', () => {
  it('knows both invoke paths before the management routes are tried (the router asks it first)', () => {
    expect(isInvokePath('/2015-03-31/functions/f/invocations?Qualifier=1')).toBe(true);
    expect(isInvokePath('/2021-11-15/functions/f/response-streaming-invocations')).toBe(true);
    expect(isInvokePath('/2015-03-31/functions/f/configuration')).toBe(false);
    expect(isInvokePath('/2015-03-31/functions/f/x-invocations')).toBe(false);
  });

  it('marks the streaming route', () => {
    const req = parseInvokeRequest('POST', '/2021-11-15/functions/fn/response-streaming-invocations', {}, body);
    expect(req.streaming).toBe(true);
    expect(parseInvokeRequest('POST', PATH('fn'), {}, body).streaming).toBe(false);
  });
  it('404 for unknown paths, 405 for wrong methods', () => {
    expect(refusal(() => parseInvokeHead('POST', '/2015-03-31/functions', {})).spec.status).toBe(404);
    expect(refusal(() => parseInvokeHead('GET', PATH('fn'), {})).spec.status).toBe(405);
  });
});

describe('headers', () => {
  it('reads invocation type, tail, trace and tenant', () => {
    const req = parseInvokeRequest('POST', PATH('fn'), {
      'x-amz-invocation-type': 'Event', 'x-amz-log-type': 'Tail', 'x-amzn-trace-id': 'Root=1-abc', 'x-amz-tenant-id': 't1',
    }, body);
    expect(req).toMatchObject({ invocationType: 'Event', tailLogs: true, traceId: 'Root=1-abc', tenantId: 't1', clientContext: undefined });
  });
  it.each(['RequestResponse', 'Event', 'DryRun'])('accepts %s', (type) => {
    expect(parseInvokeHead('POST', PATH('fn'), { 'x-amz-invocation-type': type }).request.invocationType).toBe(type);
  });
  it('refuses unknown invocation and log types', () => {
    expect(refusal(() => parseInvokeHead('POST', PATH('fn'), { 'x-amz-invocation-type': 'Later' })).message).toContain('[Event, RequestResponse, DryRun]');
    expect(refusal(() => parseInvokeHead('POST', PATH('fn'), { 'x-amz-log-type': 'All' })).message).toContain('[None, Tail]');
  });
  it('refuses Event on the streaming route', () => {
    const err = refusal(() => parseInvokeHead('POST', '/2021-11-15/functions/fn/response-streaming-invocations', { 'x-amz-invocation-type': 'Event' }));
    expect(err.message).toContain('[RequestResponse, DryRun]');
  });
  it('decodes the client context', () => {
    const context = JSON.stringify({ custom: { a: 'b' } });
    const req = parseInvokeHead('POST', PATH('fn'), { 'x-amz-client-context': Buffer.from(context).toString('base64') });
    expect(req.request.clientContext).toBe(context);
  });
  it.each(['not base64!', Buffer.from('not json').toString('base64'), Buffer.from('[1]').toString('base64')])('refuses client context %j', (value) => {
    const err = refusal(() => parseInvokeHead('POST', PATH('fn'), { 'x-amz-client-context': value }));
    expect(err.spec.name).toBe('InvalidRequestContentException');
    expect(err.message).toBe('Client context must be a valid Base64-encoded JSON object.');
  });
  it('takes a client context of exactly 3,583 bytes and refuses one more', () => {
    const json = (n: number): string => Buffer.from(`{"a":"${'x'.repeat(n - 8)}"}`).toString('base64');
    expect(parseInvokeHead('POST', PATH('fn'), { 'x-amz-client-context': json(3583) }).request.clientContext).toHaveLength(3583);
    expect(refusal(() => parseInvokeHead('POST', PATH('fn'), { 'x-amz-client-context': json(3584) })).spec.status).toBe(400);
  });
});

describe('body', () => {
  it('keeps the payload bytes untouched', () => {
    const raw = Buffer.from('{ "spaced" :  [1, 2] }');
    expect(parseInvokeRequest('POST', PATH('fn'), {}, raw).payload).toBe(raw);
  });
  it('treats an empty body as {}', () => {
    expect(parseInvokeRequest('POST', PATH('fn'), {}, Buffer.alloc(0)).payload.toString()).toBe('{}');
  });
  it('accepts any JSON value', () => {
    expect(parseInvokeRequest('POST', PATH('fn'), {}, Buffer.from('"text"')).payload.toString()).toBe('"text"');
  });
  it('refuses invalid JSON with Lambda wording', () => {
    const err = refusal(() => parseInvokeRequest('POST', PATH('fn'), {}, Buffer.from('STRING_VALUE')));
    expect(err.spec.name).toBe('InvalidRequestContentException');
    expect(err.message).toMatch(/^Could not parse request body into json: Could not parse payload into json: /);
  });
  it('enforces 6 MB for RequestResponse and 1 MB for Event', () => {
    const sync = Buffer.alloc(SYNC_PAYLOAD_LIMIT + 1, 0x20);
    expect(refusal(() => parseInvokeRequest('POST', PATH('fn'), {}, sync)).message).toBe(
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
    const async = Buffer.alloc(ASYNC_PAYLOAD_LIMIT + 1, 0x20);
    const err = refusal(() => parseInvokeRequest('POST', PATH('fn'), { 'x-amz-invocation-type': 'Event' }, async));
    expect(err.spec.status).toBe(413);
    expect(err.message).toBe('1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)');
  });
});
