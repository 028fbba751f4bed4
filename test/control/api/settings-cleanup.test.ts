import { describe, expect, it } from 'vitest';
import { deleteFunction } from '../../../src/registry/latest-changes.js';
import { controlWith } from './control-fixture.js';

const F = '/2015-03-31/functions';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';

describe('settings that go with what is deleted', () => {
  it('an alias takes its configs; the function takes everything; another function keeps its own', async () => {
    const { call, context } = await controlWith(['f', 'f2']);
    await call('POST', `${F}/f/versions`, {});
    await call('POST', `${F}/f/aliases`, { Name: 'live', FunctionVersion: '1' });
    await call('PUT', '/2019-09-25/functions/f/event-invoke-config?Qualifier=live', { MaximumRetryAttempts: 0 });
    await call('PUT', '/2019-09-25/functions/f/event-invoke-config', { MaximumRetryAttempts: 1 });
    await call('PUT', '/2019-09-30/functions/f/provisioned-concurrency?Qualifier=live', { ProvisionedConcurrentExecutions: 1 });
    await call('POST', `${F}/f/policy?Qualifier=live`, { StatementId: 'a', Action: 'lambda:InvokeFunction', Principal: '*' });
    await call('POST', `${F}/f/policy`, { StatementId: 'b', Action: 'lambda:InvokeFunction', Principal: '*' });
    await call('POST', '/2021-10-31/functions/f/url?Qualifier=live', { AuthType: 'NONE' });
    await call('POST', `/2017-03-31/tags/${encodeURIComponent(ARN)}`, { Tags: { team: 'a' } });
    await call('PUT', '/2019-09-25/functions/f2/event-invoke-config', { MaximumRetryAttempts: 2 });
    const keys = () => (['policy', 'event-invoke-config', 'provisioned-concurrency', 'function-url', 'tags'] as const).flatMap((kind) => context.settings.list(kind).map(([key]) => `${kind} ${key}`));
    expect(keys()).toHaveLength(8);

    await call('DELETE', `${F}/f/aliases/live`);
    await expect.poll(() => keys().sort()).toEqual(['event-invoke-config f2:$LATEST', 'event-invoke-config f:$LATEST', 'policy f:', `tags ${ARN}`].sort());
    await deleteFunction(context.registry, 'f');
    await expect.poll(keys).toEqual(['event-invoke-config f2:$LATEST']);
  });
});
