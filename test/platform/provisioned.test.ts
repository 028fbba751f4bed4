/**
 * Provisioned concurrency (issue 4): environments of the published version initialised ahead
 * of traffic, kept warm, used before on-demand ones, replaced when one dies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { Platform } from '../../src/platform/platform.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

function body(outcome: InvokeOutcome): string {
  if (outcome.result.kind === 'response') return outcome.result.payload.toString();
  if (outcome.result.kind === 'function-error') return outcome.result.error.payload.toString();
  throw new Error('stream');
}

describe('provisioned concurrency', () => {
  it('initialises environments before the first invoke and serves the alias from them', async () => {
    platform = new Platform({
      functions: [bootstrapFunction('pc', { publishedAlias: 'live', provisionedConcurrency: 2 })],
      shutdownGraceMs: 100,
    });
    await platform.ready();
    expect(platform.publishedPool('pc')?.provisionedCount).toBe(2);
    expect(platform.publishedPool('pc')?.idleCount).toBe(2);

    const outcome = await platform.invoke(invokeRequest('pc', { env: true }, { qualifier: 'live' }));
    expect(outcome.executedVersion).toBe('1');
    const { env } = JSON.parse(body(outcome)) as { env: Record<string, string> };
    expect(env.AWS_LAMBDA_INITIALIZATION_TYPE).toBe('provisioned-concurrency');
    expect(env.AWS_LAMBDA_FUNCTION_VERSION).toBe('1');
    expect(outcome.logs()).toMatch(/^START RequestId: [0-9a-f-]{36} Version: 1\n/);
    expect(outcome.logs()).not.toContain('Init Duration');
    // no environment was added for it
    expect(platform.publishedPool('pc')?.size).toBe(2);

    const byVersion = await platform.invoke(invokeRequest('pc', { echo: 'v1' }, { qualifier: '1' }));
    expect(body(byVersion)).toBe('"v1"');
    expect(byVersion.logs()).not.toContain('Init Duration');

    const latest = await platform.invoke(invokeRequest('pc', { env: true }));
    expect(latest.executedVersion).toBe('$LATEST');
    expect((JSON.parse(body(latest)) as { env: Record<string, string> }).env.AWS_LAMBDA_INITIALIZATION_TYPE).toBe('on-demand');
    expect(latest.logs()).toContain('Init Duration');
  });

  it('goes on-demand past the provisioned environments, and replaces one that dies', async () => {
    platform = new Platform({ functions: [bootstrapFunction('pc', { publishedAlias: 'live', provisionedConcurrency: 1 })], shutdownGraceMs: 100 });
    await platform.ready();
    const [a, b] = await Promise.all([
      platform.invoke(invokeRequest('pc', { echo: 'a', sleepMs: 200 }, { qualifier: 'live' })),
      platform.invoke(invokeRequest('pc', { echo: 'b', sleepMs: 200 }, { qualifier: 'live' })),
    ]);
    const initDurations = [a, b].filter((o) => o.logs().includes('Init Duration')).length;
    expect(initDurations).toBe(1); // one provisioned, one on-demand
    const crashed = await platform.invoke(invokeRequest('pc', { exit: 1 }, { qualifier: 'live' }));
    expect(JSON.parse(body(crashed)).errorType).toBe('Runtime.ExitError');
    await expect.poll(() => platform?.publishedPool('pc')?.provisionedCount, { timeout: 5000 }).toBe(1);
  });

  it('answers 404 for an alias the function does not have', async () => {
    platform = new Platform({ functions: [bootstrapFunction('pc', { publishedAlias: 'live' })], shutdownGraceMs: 100 });
    expect(() => platform?.accept(invokeRequest('pc', {}, { invocationType: 'DryRun', qualifier: 'other' }))).toThrow('function:pc:other');
    expect((await platform.accept(invokeRequest('pc', {}, { invocationType: 'DryRun', qualifier: 'live' }))).executedVersion).toBe('1');
  });

  it('refuses more provisioned than reserved concurrency', () => {
    expect(() => new Platform({ functions: [bootstrapFunction('pc', { publishedAlias: 'live', provisionedConcurrency: 3, reservedConcurrency: 2 })] })).toThrow(/exceeds its ReservedConcurrentExecutions/);
  });
});
