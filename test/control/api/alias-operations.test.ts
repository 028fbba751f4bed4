import { describe, expect, it } from 'vitest';
import { updateLatest } from '../../../src/registry/latest-changes.js';
import { controlWith, type Fixture } from './control-fixture.js';

const F = '/2015-03-31/functions';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';

/** A function with versions 1, 2 and 3 published. */
async function threeVersions(): Promise<Fixture> {
  const fixture = await controlWith(['f']);
  for (const timeout of [4, 5, 6]) {
    await updateLatest(fixture.context.registry, 'f', { config: { timeout } });
    await fixture.call('POST', `${F}/f/versions`, {});
  }
  return fixture;
}

describe('CreateAlias and GetAlias', () => {
  it('creates an alias with a weighted second version and answers AliasConfiguration', async () => {
    const { call } = await threeVersions();
    const created = await call('POST', `${F}/f/aliases`, { Name: 'live', FunctionVersion: '2', Description: 'prod', RoutingConfig: { AdditionalVersionWeights: { '1': 0.3 } } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ AliasArn: `${ARN}:live`, Name: 'live', FunctionVersion: '2', Description: 'prod', RoutingConfig: { AdditionalVersionWeights: { '1': 0.3 } }, RevisionId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown });
    const got = await call('GET', `${F}/f/aliases/live`);
    expect(got.json).toEqual(created.json);
  });

  it('refuses what Lambda refuses', async () => {
    const { call, refused } = await threeVersions();
    await call('POST', `${F}/f/aliases`, { Name: 'live', FunctionVersion: '1' });
    expect(await refused('POST', `${F}/f/aliases`, { Name: 'live', FunctionVersion: '2' })).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    // An alias cannot point to an alias, nor be named like a version.
    expect(await refused('POST', `${F}/f/aliases`, { Name: 'other', FunctionVersion: 'live' })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', `${F}/f/aliases`, { Name: '12', FunctionVersion: '1' })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', `${F}/f/aliases`, { Name: 'x', FunctionVersion: '9' })).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await refused('POST', `${F}/f/aliases`, { Name: 'x' })).toMatchObject({ name: 'ValidationException', message: expect.stringContaining("'functionVersion'") as unknown });
    expect(await refused('POST', `${F}/f/aliases`, { Name: 'x', FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refused('POST', `${F}/f/aliases`, { Name: 'x', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 1.5 } } })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', `${F}/f/aliases`, { Name: 'x', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1, '3': 0.1 } } })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refused('POST', `${F}/f/aliases`, { Name: 'x', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': '0.1' } } })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('GET', `${F}/f/aliases/missing`)).toMatchObject({ name: 'ResourceNotFoundException', message: `Cannot find alias arn: ${ARN}:missing` });
  });
});

describe('UpdateAlias', () => {
  it('moves the alias, changes its weights, removes them with an empty map, and checks RevisionId', async () => {
    const { call, refused } = await threeVersions();
    const created = await call('POST', `${F}/f/aliases`, { Name: 'live', FunctionVersion: '1' });
    const moved = await call('PUT', `${F}/f/aliases/live`, { FunctionVersion: '3', RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } }, RevisionId: created.json['RevisionId'] });
    expect(moved.json).toMatchObject({ FunctionVersion: '3', RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } } });
    expect(moved.json['RevisionId']).not.toBe(created.json['RevisionId']);
    expect(await refused('PUT', `${F}/f/aliases/live`, { Description: 'late', RevisionId: created.json['RevisionId'] })).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
    const described = await call('PUT', `${F}/f/aliases/live`, { Description: 'kept weights' });
    expect(described.json).toMatchObject({ FunctionVersion: '3', Description: 'kept weights', RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } } });
    const plain = await call('PUT', `${F}/f/aliases/live`, { RoutingConfig: { AdditionalVersionWeights: {} } });
    expect(plain.json['RoutingConfig']).toBeUndefined();
    expect(await refused('PUT', `${F}/f/aliases/nope`, { FunctionVersion: '1' })).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('DeleteAlias and ListAliases', () => {
  it('lists with the FunctionVersion filter and pages, and deletes (a missing alias too, as Lambda does)', async () => {
    const { call } = await threeVersions();
    for (const [name, version] of [['a', '1'], ['b', '2'], ['c', '1'], ['d', '3']] as const) await call('POST', `${F}/f/aliases`, { Name: name, FunctionVersion: version });
    const names = (answer: { json: Record<string, unknown> }) => (answer.json['Aliases'] as { Name: string }[]).map((a) => a.Name);
    expect(names(await call('GET', `${F}/f/aliases`))).toEqual(['a', 'b', 'c', 'd']);
    expect(names(await call('GET', `${F}/f/aliases?FunctionVersion=1`))).toEqual(['a', 'c']);
    const first = await call('GET', `${F}/f/aliases?MaxItems=3`);
    expect(names(first)).toEqual(['a', 'b', 'c']);
    expect(names(await call('GET', `${F}/f/aliases?MaxItems=3&Marker=${String(first.json['NextMarker'])}`))).toEqual(['d']);
    expect((await call('DELETE', `${F}/f/aliases/b`)).status).toBe(204);
    expect((await call('DELETE', `${F}/f/aliases/b`)).status).toBe(204);
    expect(names(await call('GET', `${F}/f/aliases`))).toEqual(['a', 'c', 'd']);
  });
});
