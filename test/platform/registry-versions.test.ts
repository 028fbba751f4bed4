/**
 * The platform runs what the registry resolves: a version published after start gets its own
 * environments with its own configuration, and a weighted alias reports the version it ran.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Platform } from '../../src/platform/platform.js';
import { createAlias } from '../../src/registry/alias-changes.js';
import { publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { envOf, invokeRequest } from '../helpers/invoke-request.js';
import { value } from '../registry/registry-fixture.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

describe('Platform over the registry', () => {
  it('runs a version published after start in its own environments, with that version\'s configuration', async () => {
    platform = new Platform({ functions: [bootstrapFunction('echo', { environment: { STAGE: 'one' } })] });
    const registry = platform.registry;
    value(await publishVersion(registry, 'echo'));
    value(await updateLatest(registry, 'echo', { config: { environment: { STAGE: 'two' } } }));
    value(await publishVersion(registry, 'echo'));
    const one = await platform.invoke(invokeRequest('echo', { env: true }, { qualifier: '1' }));
    const two = await platform.invoke(invokeRequest('echo', { env: true }, { qualifier: '2' }));
    expect([one.executedVersion, envOf(one)['STAGE'], envOf(one)['AWS_LAMBDA_FUNCTION_VERSION']]).toEqual(['1', 'one', '1']);
    expect([two.executedVersion, envOf(two)['STAGE'], envOf(two)['AWS_LAMBDA_FUNCTION_VERSION']]).toEqual(['2', 'two', '2']);
    await expect(platform.invoke(invokeRequest('echo', {}, { qualifier: '3' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('sends a weighted alias\'s invokes to both versions and says which ran', async () => {
    platform = new Platform({ functions: [bootstrapFunction('echo')] });
    const registry = platform.registry;
    value(await publishVersion(registry, 'echo'));
    value(await updateLatest(registry, 'echo', { config: { timeout: 4 } }));
    value(await publishVersion(registry, 'echo'));
    value(await createAlias(registry, 'echo', 'live', { functionVersion: '1', routing: { version: '2', weight: 0.5 } }));
    const executed = new Set<string>();
    for (let i = 0; i < 40 && executed.size < 2; i += 1) executed.add((await platform.invoke(invokeRequest('echo', { echo: i }, { qualifier: 'live' }))).executedVersion);
    expect(executed).toEqual(new Set(['1', '2']));
  });
});
