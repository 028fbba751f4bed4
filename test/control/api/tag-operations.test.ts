import { describe, expect, it } from 'vitest';
import { controlWith } from './control-fixture.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';
const T = `/2017-03-31/tags/${encodeURIComponent(ARN)}`;

describe('tags', () => {
  it('tags, lists and untags a function by its ARN', async () => {
    const { call } = await controlWith(['f']);
    expect((await call('POST', T, { Tags: { team: 'a', stage: 'dev' } })).status).toBe(204);
    await call('POST', T, { Tags: { stage: 'prod', cost: '' } });
    expect((await call('GET', T)).json).toEqual({ Tags: { team: 'a', stage: 'prod', cost: '' } });
    expect((await call('DELETE', `${T}?tagKeys=team&tagKeys=cost&tagKeys=absent`)).status).toBe(204);
    expect((await call('GET', T)).json).toEqual({ Tags: { stage: 'prod' } });
  });

  it('holds Lambda\'s limits: 50 tags, keys of 128, values of 256, no aws: prefix', async () => {
    const { call, refused } = await controlWith(['f']);
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await call('POST', T, { Tags: fifty });
    expect(await refused('POST', T, { Tags: { one: 'more' } })).toMatchObject({ name: 'InvalidParameterValueException' });
    await call('POST', T, { Tags: { k0: 'replacing is fine' } });
    expect(await refused('POST', T, { Tags: { ['k'.repeat(129)]: 'v' } })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', T, { Tags: { k1: 'v'.repeat(257) } })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', T, { Tags: { 'aws:owner': 'v' } })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refused('POST', T, { Tags: { 'AWS:owner': 'v' } })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refused('POST', T, { Tags: { k1: 7 } })).toMatchObject({ name: 'InvalidRequestContentException' });
    expect(await refused('POST', T, {})).toMatchObject({ name: 'ValidationException' });
    expect(await refused('DELETE', T)).toMatchObject({ name: 'ValidationException' });
  });

  it('wants the unqualified ARN of a function that exists', async () => {
    const { refused } = await controlWith(['f']);
    expect(await refused('GET', `/2017-03-31/tags/${encodeURIComponent(`${ARN}:1`)}`)).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refused('GET', '/2017-03-31/tags/f')).toMatchObject({ name: 'ValidationException' });
    expect(await refused('GET', `/2017-03-31/tags/${encodeURIComponent(`${ARN}x`)}`)).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await refused('GET', `/2017-03-31/tags/${encodeURIComponent(ARN.replace('000000000000', '111111111111'))}`)).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
