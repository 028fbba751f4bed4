import { describe, expect, it } from 'vitest';
import type { FunctionUrlDefinition } from '../../../src/config/function-urls.js';
import type { FrontRequest } from '../../../src/front-ends/http-request.js';
import { functionUrlEvent, urlIdOf } from '../../../src/front-ends/function-urls/url-event.js';

const url: FunctionUrlDefinition = { id: 'HelloUrl', functionName: 'Hello', qualifier: undefined, authType: 'NONE', invokeMode: 'BUFFERED', cors: undefined };
const context = { url, accountId: '123456789012', region: 'eu-west-1' };

function request(overrides: Partial<FrontRequest>): FrontRequest {
  return { method: 'GET', rawPath: '/', rawQueryString: '', headers: [['host', '127.0.0.1:3100']], body: Buffer.alloc(0), sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', receivedAt: Date.UTC(2024, 0, 2, 3, 4, 5), ...overrides };
}

describe('urlIdOf', () => {
  it('gives 32 lower-case letters and digits, the same for the same URL and not for another', () => {
    expect(urlIdOf('HelloUrl')).toMatch(/^[a-z0-9]{32}$/);
    expect(urlIdOf('HelloUrl')).toBe(urlIdOf('HelloUrl'));
    expect(urlIdOf('OtherUrl')).not.toBe(urlIdOf('HelloUrl'));
  });
});

describe('functionUrlEvent', () => {
  it('is the 2.0 event of a $default route with the URL\'s request context, as Lambda documents it', () => {
    const e = functionUrlEvent(
      request({ method: 'POST', rawPath: '/my/path%20x', rawQueryString: 'a=1&a=2&b=x+y', headers: [['host', '127.0.0.1:3100'], ['content-type', 'application/json'], ['cookie', 'c1=v1; c2=v2'], ['user-agent', 'curl/8'], ['x-many', 'a'], ['x-many', 'b']], body: Buffer.from('{"k":1}') }),
      context,
      '2b4e4a5e-6f2a-4b57-9d1e-0e6a2b7f1c11',
      undefined,
    );
    const id = urlIdOf('HelloUrl');
    expect(Object.keys(e).sort()).toEqual(['body', 'cookies', 'headers', 'isBase64Encoded', 'queryStringParameters', 'rawPath', 'rawQueryString', 'requestContext', 'routeKey', 'version']);
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/my/path%20x',
      rawQueryString: 'a=1&a=2&b=x+y',
      cookies: ['c1=v1', 'c2=v2'],
      headers: { host: '127.0.0.1:3100', 'content-type': 'application/json', 'user-agent': 'curl/8', 'x-many': 'a,b' },
      queryStringParameters: { a: '1,2', b: 'x y' },
      body: '{"k":1}',
      isBase64Encoded: false,
    });
    expect(e.requestContext).toEqual({
      accountId: '123456789012',
      apiId: id,
      domainName: `${id}.lambda-url.eu-west-1.on.aws`,
      domainPrefix: id,
      http: { method: 'POST', path: '/my/path x', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8' },
      requestId: '2b4e4a5e-6f2a-4b57-9d1e-0e6a2b7f1c11',
      routeKey: '$default',
      stage: '$default',
      time: '02/Jan/2024:03:04:05 +0000',
      timeEpoch: Date.UTC(2024, 0, 2, 3, 4, 5),
    });
  });

  it('base64-encodes a binary body and leaves out what is empty', () => {
    const e = functionUrlEvent(request({ headers: [['content-type', 'image/png']], body: Buffer.from([0, 1, 2, 255]) }), context, 'r', undefined);
    expect(e.body).toBe(Buffer.from([0, 1, 2, 255]).toString('base64'));
    expect(e.isBase64Encoded).toBe(true);
    const bare = functionUrlEvent(request({}), context, 'r', undefined);
    expect('body' in bare || 'cookies' in bare || 'queryStringParameters' in bare || 'pathParameters' in bare || 'stageVariables' in bare).toBe(false);
  });

  it('names the signer in authorizer.iam for an AWS_IAM URL, and nothing for NONE', () => {
    const e = functionUrlEvent(request({}), { ...context, url: { ...url, authType: 'AWS_IAM' } }, 'r', { accessKeyId: 'AKIDEXAMPLE' });
    expect(e.requestContext.authorizer).toEqual({
      iam: { accessKey: 'AKIDEXAMPLE', accountId: '123456789012', callerId: 'AKIDEXAMPLE', cognitoIdentity: null, principalOrgId: null, userArn: 'arn:aws:iam::123456789012:user/AKIDEXAMPLE', userId: 'AKIDEXAMPLE' },
    });
    expect('authorizer' in functionUrlEvent(request({}), context, 'r', undefined).requestContext).toBe(false);
  });
});
