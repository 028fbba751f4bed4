import { describe, expect, it } from 'vitest';
import { updateLatest } from '../../../src/registry/latest-changes.js';
import { controlWith } from './control-fixture.js';

const F = '/2015-03-31/functions';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';

describe('PublishVersion', () => {
  it('publishes $LATEST as version 1, then answers the same version while nothing changed', async () => {
    const { call, context } = await controlWith(['f']);
    const first = await call('POST', `${F}/f/versions`, { Description: 'first' });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ FunctionName: 'f', Version: '1', FunctionArn: `${ARN}:1`, Description: 'first', CodeSha256: 'sha-f', State: 'Active' });
    expect(first.json['LastModified']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect((await call('POST', `${F}/f/versions`, {})).json['Version']).toBe('1');
    await updateLatest(context.registry, 'f', { config: { timeout: 10 } });
    const second = await call('POST', `${F}/${encodeURIComponent(ARN)}/versions`, {});
    expect(second.json).toMatchObject({ Version: '2', Timeout: 10 });
  });

  it('checks CodeSha256 and RevisionId against $LATEST', async () => {
    const { call, refused, context } = await controlWith(['f']);
    const wrongSha = await refused('POST', `${F}/f/versions`, { CodeSha256: 'other' });
    expect(wrongSha).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(wrongSha.message).toContain('is different from current CodeSHA256 in $LATEST (sha-f)');
    const stale = await refused('POST', `${F}/f/versions`, { RevisionId: 'not-the-revision' });
    expect(stale).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
    const revision = context.registry.version('f', '$LATEST')?.revisionId;
    expect((await call('POST', `${F}/f/versions`, { CodeSha256: 'sha-f', RevisionId: revision })).json['Version']).toBe('1');
  });

  it('refuses bad members and unknown functions with Lambda\'s errors', async () => {
    const { refused } = await controlWith(['f']);
    expect(await refused('POST', `${F}/f/versions`, { Description: 'x'.repeat(257) })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', `${F}/f/versions`, { CodeSha256: 42 })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', `${F}/nope/versions`, {})).toMatchObject({ name: 'ResourceNotFoundException', message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope' });
    expect(await refused('POST', `${F}/bad%20name/versions`, {})).toMatchObject({ name: 'ValidationException' });
  });
});

describe('ListVersionsByFunction', () => {
  it('lists $LATEST then the versions in number order, a page at a time', async () => {
    const { call, context } = await controlWith(['f']);
    for (let timeout = 4; timeout < 9; timeout += 1) {
      await updateLatest(context.registry, 'f', { config: { timeout } });
      await call('POST', `${F}/f/versions`, {});
    }
    const all = await call('GET', `${F}/f/versions`);
    expect((all.json['Versions'] as { Version: string }[]).map((v) => v.Version)).toEqual(['$LATEST', '1', '2', '3', '4', '5']);
    expect((all.json['Versions'] as { FunctionArn: string }[])[0]?.FunctionArn).toBe(`${ARN}:$LATEST`);
    expect(all.json['NextMarker']).toBeUndefined();
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await call('GET', `${F}/f/versions?MaxItems=4${marker === undefined ? '' : `&Marker=${marker}`}`);
      const versions = page.json['Versions'] as { Version: string }[];
      expect(versions.length).toBeLessThanOrEqual(4);
      seen.push(...versions.map((v) => v.Version));
      marker = page.json['NextMarker'] as string | undefined;
    } while (marker !== undefined);
    expect(seen).toEqual(['$LATEST', '1', '2', '3', '4', '5']);
  });

  it('refuses a MaxItems out of range and a marker it did not give', async () => {
    const { refused } = await controlWith(['f']);
    expect(await refused('GET', `${F}/f/versions?MaxItems=0`)).toMatchObject({ name: 'ValidationException' });
    expect(await refused('GET', `${F}/f/versions?MaxItems=10001`)).toMatchObject({ name: 'ValidationException' });
    expect(await refused('GET', `${F}/f/versions?Marker=xyz`)).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refused('GET', `${F}/f/versions?Marker=99`)).toMatchObject({ name: 'InvalidParameterValueException' });
  });
});
