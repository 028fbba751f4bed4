import { afterEach, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../src/control/api/control-plane.js';
import { MemorySettingsStore } from '../../../src/control/settings-store.js';
import { ApiUrlHost } from '../../../src/front-ends/function-urls/api-url-host.js';
import { matchManagementRoute, toManagementCall } from '../../../src/management/match-route.js';
import { Platform } from '../../../src/platform/platform.js';
import { bootstrapFunction } from '../../helpers/function-config.js';
import { controlWith } from './control-fixture.js';

const U = '/2021-10-31/functions';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';

describe('function URL configs (stored)', () => {
  it('creates, gets, updates, lists and deletes a URL config for $LATEST and an alias', async () => {
    const { call, refused } = await controlWith(['f']);
    const created = await call('POST', `${U}/f/url`, { AuthType: 'NONE', Cors: { AllowOrigins: ['https://example.com'], MaxAge: 60 } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      FunctionUrl: expect.stringMatching(/^https:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws\/$/) as unknown,
      FunctionArn: ARN,
      AuthType: 'NONE',
      Cors: { AllowOrigins: ['https://example.com'], MaxAge: 60 },
      CreationTime: '2026-03-01T12:00:00.000+0000',
      InvokeMode: 'BUFFERED',
    });
    expect(await refused('POST', `${U}/f/url`, { AuthType: 'NONE' })).toMatchObject({ name: 'ResourceConflictException' });
    const updated = await call('PUT', `${U}/f/url`, { AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM' });
    expect(updated.json).toMatchObject({ FunctionUrl: created.json['FunctionUrl'], AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM', Cors: { MaxAge: 60 }, LastModifiedTime: '2026-03-01T12:00:00.000+0000' });
    expect((await call('GET', `${U}/f/url`)).json).toEqual(updated.json);
    await call('POST', '/2015-03-31/functions/f/versions', {});
    await call('POST', '/2015-03-31/functions/f/aliases', { Name: 'live', FunctionVersion: '1' });
    await call('POST', `${U}/f/url?Qualifier=live`, { AuthType: 'NONE' });
    const list = await call('GET', `${U}/f/urls`);
    expect((list.json['FunctionUrlConfigs'] as { FunctionArn: string }[]).map((u) => u.FunctionArn)).toEqual([ARN, `${ARN}:live`]);
    expect((await call('DELETE', `${U}/f/url`)).status).toBe(204);
    expect(await refused('GET', `${U}/f/url`)).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('refuses what Lambda refuses', async () => {
    const { call, refused } = await controlWith(['f']);
    await call('POST', '/2015-03-31/functions/f/versions', {});
    expect(await refused('POST', `${U}/f/url`, {})).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', `${U}/f/url`, { AuthType: 'OPEN' })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', `${U}/f/url`, { AuthType: 'NONE', InvokeMode: 'STREAM' })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', `${U}/f/url?Qualifier=1`, { AuthType: 'NONE' })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refused('POST', `${U}/f/url?Qualifier=nope`, { AuthType: 'NONE' })).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await refused('POST', `${U}/f/url`, { AuthType: 'NONE', Cors: { AllowMethods: ['FETCH'] } })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refused('POST', `${U}/f/url`, { AuthType: 'NONE', Cors: { MaxAge: 86_401 } })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('PUT', `${U}/f/url`, { AuthType: 'NONE' })).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('function URL configs (served)', () => {
  let platform: Platform | undefined;
  let host: ApiUrlHost | undefined;
  afterEach(async () => {
    await host?.closeAll();
    await platform?.stop();
  });

  it('serves a URL created through the API, with its CORS, and stops serving it once deleted', async () => {
    platform = new Platform({ functions: [bootstrapFunction('f', {}, 'recorder')] });
    host = new ApiUrlHost(platform, { host: '127.0.0.1', accountId: '000000000000', region: 'us-east-1', keys: [] });
    const control = new ControlPlane({ registry: platform.registry, region: 'us-east-1', accountId: '000000000000', stateDir: '/nonexistent', now: () => new Date(), settings: new MemorySettingsStore(), urls: host });
    const call = async (method: string, url: string, body?: unknown) => {
      const match = matchManagementRoute(method, url);
      if (match === undefined) throw new Error(`no route ${url}`);
      return (await control.handle(toManagementCall(match, Buffer.from(body === undefined ? '' : JSON.stringify(body))))).body as Record<string, string>;
    };
    const created = await call('POST', `${U}/f/url`, { AuthType: 'NONE', Cors: { AllowOrigins: ['https://a.example'] } });
    const url = created['FunctionUrl'] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const answer = await fetch(`${url}path?x=1`, { method: 'POST', body: 'hello', headers: { origin: 'https://a.example' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://a.example');
    // The recorder runtime answers the event it got: the function URL event of this request.
    expect(JSON.parse(await answer.text())).toMatchObject({ rawPath: '/path', rawQueryString: 'x=1', body: 'hello' });
    const updated = await call('PUT', `${U}/f/url`, { Cors: { AllowOrigins: ['https://b.example'] } });
    expect(updated['FunctionUrl']).toBe(url);
    const again = await fetch(url, { headers: { origin: 'https://b.example' } });
    expect(again.headers.get('access-control-allow-origin')).toBe('https://b.example');
    await again.text();
    await call('DELETE', `${U}/f/url`);
    await expect(fetch(url)).rejects.toThrow();
  });
});
