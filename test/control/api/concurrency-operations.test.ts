import { describe, expect, it } from 'vitest';
import { updateLatest } from '../../../src/registry/latest-changes.js';
import { controlWith, FakeProvisioned, type Fixture } from './control-fixture.js';

const F = '/2015-03-31/functions';
const C = '/2017-10-31/functions';
const P = '/2019-09-30/functions';

async function published(extra = {}): Promise<Fixture> {
  const fixture = await controlWith(['f', 'g'], extra, { accountConcurrency: 1000 });
  await fixture.call('POST', `${F}/f/versions`, {});
  await fixture.call('POST', `${F}/f/aliases`, { Name: 'live', FunctionVersion: '1' });
  return fixture;
}

describe('reserved concurrency', () => {
  it('puts, gets and deletes a reservation that admission reads from the registry', async () => {
    const { call, refused, context } = await published();
    expect((await call('GET', `/2019-09-30/functions/f/concurrency`)).json).toEqual({});
    expect((await call('PUT', `${C}/f/concurrency`, { ReservedConcurrentExecutions: 50 })).json).toEqual({ ReservedConcurrentExecutions: 50 });
    expect(context.registry.reservations.reservedFor('f')).toBe(50);
    expect((await call('GET', `/2019-09-30/functions/f/concurrency`)).json).toEqual({ ReservedConcurrentExecutions: 50 });
    expect(await refused('PUT', `${C}/g/concurrency`, { ReservedConcurrentExecutions: 851 })).toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('[100]') as unknown });
    expect(await refused('PUT', `${C}/g/concurrency`, { ReservedConcurrentExecutions: -1 })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('PUT', `${C}/g/concurrency`, {})).toMatchObject({ name: 'ValidationException' });
    expect(await refused('PUT', `${C}/nope/concurrency`, { ReservedConcurrentExecutions: 1 })).toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await call('DELETE', `${C}/f/concurrency`)).status).toBe(204);
    expect(context.registry.reservations.reservedFor('f')).toBeUndefined();
  });
});

describe('provisioned concurrency', () => {
  it('goes IN_PROGRESS then READY as the platform reports environments ready', async () => {
    const port = new FakeProvisioned();
    const { call } = await published({ provisioned: port });
    const put = await call('PUT', `${P}/f/provisioned-concurrency?Qualifier=live`, { ProvisionedConcurrentExecutions: 3 });
    expect(put.status).toBe(202);
    expect(put.json).toMatchObject({ RequestedProvisionedConcurrentExecutions: 3, AvailableProvisionedConcurrentExecutions: 0, AllocatedProvisionedConcurrentExecutions: 0, Status: 'IN_PROGRESS' });
    // The alias's version is what the platform is asked to keep warm.
    expect(port.asked.get('f:1')).toBe(3);
    port.ready.set('f:1', 2);
    expect((await call('GET', `${P}/f/provisioned-concurrency?Qualifier=live`)).json).toMatchObject({ AvailableProvisionedConcurrentExecutions: 2, Status: 'IN_PROGRESS' });
    port.ready.set('f:1', 3);
    expect((await call('GET', `${P}/f/provisioned-concurrency?Qualifier=live`)).json).toMatchObject({ AvailableProvisionedConcurrentExecutions: 3, Status: 'READY' });
    const list = await call('GET', `${P}/f/provisioned-concurrency?List=ALL`);
    expect(list.json['ProvisionedConcurrencyConfigs']).toEqual([expect.objectContaining({ FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:live', Status: 'READY' })]);
    expect((await call('DELETE', `${P}/f/provisioned-concurrency?Qualifier=live`)).status).toBe(204);
    expect(port.asked.get('f:1')).toBe(0);
    expect((await call('GET', `${P}/f/provisioned-concurrency?List=ALL`)).json['ProvisionedConcurrencyConfigs']).toEqual([]);
  });

  it('refuses $LATEST, weighted aliases, missing configs and the limits Lambda enforces', async () => {
    const { call, refused, context } = await published();
    expect(await refused('PUT', `${P}/f/provisioned-concurrency?Qualifier=$LATEST`, { ProvisionedConcurrentExecutions: 1 })).toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.',
    });
    expect(await refused('PUT', `${P}/f/provisioned-concurrency`, { ProvisionedConcurrentExecutions: 1 })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('PUT', `${P}/f/provisioned-concurrency?Qualifier=7`, { ProvisionedConcurrentExecutions: 1 })).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await refused('PUT', `${P}/f/provisioned-concurrency?Qualifier=1`, { ProvisionedConcurrentExecutions: 0 })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('GET', `${P}/f/provisioned-concurrency?Qualifier=1`)).toMatchObject({ name: 'ProvisionedConcurrencyConfigNotFoundException', status: 404 });
    expect(await refused('DELETE', `${P}/f/provisioned-concurrency?Qualifier=live`)).toMatchObject({ name: 'ProvisionedConcurrencyConfigNotFoundException' });
    // Within the reservation: 10 reserved holds 6 on the version and 4 on the alias, not 5.
    await call('PUT', `${C}/f/concurrency`, { ReservedConcurrentExecutions: 10 });
    await call('PUT', `${P}/f/provisioned-concurrency?Qualifier=1`, { ProvisionedConcurrentExecutions: 6 });
    expect(await refused('PUT', `${P}/f/provisioned-concurrency?Qualifier=live`, { ProvisionedConcurrentExecutions: 5 })).toMatchObject({ name: 'InvalidParameterValueException' });
    await call('PUT', `${P}/f/provisioned-concurrency?Qualifier=live`, { ProvisionedConcurrentExecutions: 4 });
    // And a reservation cannot drop under what is provisioned.
    expect(await refused('PUT', `${C}/f/concurrency`, { ReservedConcurrentExecutions: 9 })).toMatchObject({ name: 'InvalidParameterValueException' });
    // Without a reservation: the unreserved pool (1000 - 10 reserved) must keep its 100.
    await call('POST', `${F}/g/versions`, {});
    expect(await refused('PUT', `${P}/g/provisioned-concurrency?Qualifier=1`, { ProvisionedConcurrentExecutions: 891 })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect((await call('PUT', `${P}/g/provisioned-concurrency?Qualifier=1`, { ProvisionedConcurrentExecutions: 890 })).status).toBe(202);
    // A weighted alias cannot have provisioned concurrency.
    await updateLatest(context.registry, 'g', { config: { timeout: 9 } });
    await call('POST', `${F}/g/versions`, {});
    await call('POST', `${F}/g/aliases`, { Name: 'w', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } });
    expect(await refused('PUT', `${P}/g/provisioned-concurrency?Qualifier=w`, { ProvisionedConcurrentExecutions: 1 })).toMatchObject({ name: 'InvalidParameterValueException', message: 'Alias with weights can not be used with Provisioned Concurrency' });
  });
});

describe('provisioned concurrency of an alias that moves', () => {
  it('follows the alias to its new version, adds up with the version\'s own config, and goes when the alias goes', async () => {
    const port = new FakeProvisioned();
    const { call, refused, context } = await published({ provisioned: port });
    await updateLatest(context.registry, 'f', { config: { timeout: 9 } });
    await call('POST', `${F}/f/versions`, {});
    await call('PUT', `${P}/f/provisioned-concurrency?Qualifier=live`, { ProvisionedConcurrentExecutions: 3 });
    await call('PUT', `${P}/f/provisioned-concurrency?Qualifier=2`, { ProvisionedConcurrentExecutions: 2 });
    expect([port.asked.get('f:1'), port.asked.get('f:2')]).toEqual([3, 2]);
    await call('PUT', `${F}/f/aliases/live`, { FunctionVersion: '2' });
    expect([port.asked.get('f:1'), port.asked.get('f:2')]).toEqual([0, 5]);
    expect(await refused('PUT', `${F}/f/aliases/live`, { RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } })).toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'Alias with weights can not be used with Provisioned Concurrency',
    });
    await call('DELETE', `${F}/f/aliases/live`);
    await expect.poll(() => port.asked.get('f:2')).toBe(2);
  });
});
