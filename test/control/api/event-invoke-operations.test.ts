import { describe, expect, it } from 'vitest';
import { eventInvokeLookup } from '../../../src/control/api/event-invoke-store.js';
import { controlWith } from './control-fixture.js';

const E = '/2019-09-25/functions';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:failures';

describe('event invoke configs', () => {
  it('puts, gets, updates, lists and deletes per qualifier, and the queue\'s lookup sees each change', async () => {
    const { call, context } = await controlWith(['f']);
    await call('POST', '/2015-03-31/functions/f/versions', {});
    const lookup = eventInvokeLookup(context.settings);
    expect(lookup('f', '$LATEST')).toBeUndefined();
    const put = await call('PUT', `${E}/f/event-invoke-config`, { MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: QUEUE } } });
    expect(put.json).toEqual({ LastModified: Date.parse('2026-03-01T12:00:00Z') / 1000, FunctionArn: `${ARN}:$LATEST`, MaximumRetryAttempts: 1, DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: QUEUE } } });
    expect(lookup('f', '$LATEST')).toMatchObject({ maximumRetryAttempts: 1, maximumEventAgeSeconds: 21_600, onFailure: { kind: 'sqs', queueName: 'failures' } });
    // Update keeps what it does not name; Put replaces everything.
    const updated = await call('POST', `${E}/f/event-invoke-config`, { MaximumEventAgeInSeconds: 120 });
    expect(updated.json).toMatchObject({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 120, DestinationConfig: { OnFailure: { Destination: QUEUE } } });
    const cleared = await call('POST', `${E}/f/event-invoke-config`, { DestinationConfig: { OnFailure: {} } });
    expect(cleared.json['DestinationConfig']).toEqual({ OnSuccess: {}, OnFailure: {} });
    await call('PUT', `${E}/f/event-invoke-config?Qualifier=1`, { MaximumRetryAttempts: 0 });
    expect((await call('GET', `${E}/f/event-invoke-config?Qualifier=1`)).json).toEqual({ LastModified: expect.any(Number) as unknown, FunctionArn: `${ARN}:1`, MaximumRetryAttempts: 0, DestinationConfig: { OnSuccess: {}, OnFailure: {} } });
    expect(lookup('f', '1')).toMatchObject({ maximumRetryAttempts: 0 });
    const list = await call('GET', `${E}/f/event-invoke-config/list?MaxItems=1`);
    expect((list.json['FunctionEventInvokeConfigs'] as { FunctionArn: string }[]).map((c) => c.FunctionArn)).toEqual([`${ARN}:$LATEST`]);
    expect(list.json['NextMarker']).toBe('1');
    expect((await call('DELETE', `${E}/f/event-invoke-config?Qualifier=1`)).status).toBe(204);
    expect(lookup('f', '1')).toBeUndefined();
  });

  it('refuses values outside Lambda\'s ranges, bad destinations and configs that are not there', async () => {
    const { refused } = await controlWith(['f']);
    expect(await refused('PUT', `${E}/f/event-invoke-config`, { MaximumRetryAttempts: 3 })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('PUT', `${E}/f/event-invoke-config`, { MaximumRetryAttempts: -1 })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('PUT', `${E}/f/event-invoke-config`, { MaximumEventAgeInSeconds: 59 })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('PUT', `${E}/f/event-invoke-config`, { MaximumEventAgeInSeconds: 21_601 })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('PUT', `${E}/f/event-invoke-config`, { MaximumRetryAttempts: 1.5 })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('PUT', `${E}/f/event-invoke-config`, { DestinationConfig: { OnSuccess: { Destination: 'not-an-arn' } } })).toMatchObject({ name: 'InvalidParameterValueException', message: 'The destination ARN not-an-arn is invalid.' });
    expect(await refused('PUT', `${E}/f/event-invoke-config?Qualifier=9`, {})).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await refused('GET', `${E}/f/event-invoke-config`)).toMatchObject({ name: 'ResourceNotFoundException', message: `The function ${ARN}:$LATEST doesn't have an EventInvokeConfig` });
    expect(await refused('POST', `${E}/f/event-invoke-config`, { MaximumRetryAttempts: 1 })).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await refused('DELETE', `${E}/f/event-invoke-config`)).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
