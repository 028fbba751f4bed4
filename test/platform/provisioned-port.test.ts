/**
 * The platform's side of provisioned concurrency changed at run time (the ProvisionedPort of
 * src/control/api/control-context.ts): environments of a version started, counted when initialised,
 * lowered and retired without failing an invocation in flight. Real runtime processes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ProvisionedPort } from '../../src/control/api/control-context.js';
import { Platform } from '../../src/platform/platform.js';
import { deleteFunction, publishVersion } from '../../src/registry/latest-changes.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { envOf, invokeRequest } from '../helpers/invoke-request.js';
import { value } from '../registry/registry-fixture.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

/** Polls until `check` holds; the test's own timeout is the limit. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function withVersionOne(): Promise<Platform> {
  platform = new Platform({ functions: [bootstrapFunction('fn')] });
  value(await publishVersion(platform.registry, 'fn'));
  return platform;
}

describe('Platform as the ProvisionedPort', () => {
  it('initialises environments of a version published at run time and serves it from them', async () => {
    const p = await withVersionOne();
    const port: ProvisionedPort = p;
    port.setProvisioned('fn', '1', 2);
    await until(() => port.readyProvisioned('fn', '1') === 2);
    const outcome = await p.invoke(invokeRequest('fn', { env: true }, { qualifier: '1' }));
    expect(envOf(outcome)['AWS_LAMBDA_INITIALIZATION_TYPE']).toBe('provisioned-concurrency');
    expect(outcome.logs()).not.toContain('Init Duration');
    expect(port.readyProvisioned('fn', '$LATEST')).toBe(0);
    // Raising the count adds only the missing ones.
    port.setProvisioned('fn', '1', 3);
    await until(() => port.readyProvisioned('fn', '1') === 3);
    expect(p.registry.versions('fn')?.map((record) => record.version)).toEqual(['$LATEST', '1']);
  });

  it('lowers the count without failing an invocation in flight; 0 retires every one', async () => {
    const p = await withVersionOne();
    p.setProvisioned('fn', '1', 3);
    await until(() => p.readyProvisioned('fn', '1') === 3);
    const inFlight = p.invoke(invokeRequest('fn', { echo: 'long', sleepMs: 600 }, { qualifier: '1' }));
    p.setProvisioned('fn', '1', 1);
    expect(p.readyProvisioned('fn', '1')).toBe(1);
    const versionPool = p.publishedPool('fn');
    // Two of the three go: the two idle ones, or one idle and the busy one once free.
    await until(() => versionPool?.size === 1);
    p.setProvisioned('fn', '1', 0);
    expect(p.readyProvisioned('fn', '1')).toBe(0);
    const outcome = await inFlight;
    expect(outcome.result.kind === 'response' ? outcome.result.payload.toString() : outcome.result.kind).toBe('"long"');
    await until(() => versionPool?.size === 0);
    // Invokes still work, on demand.
    const later = await p.invoke(invokeRequest('fn', { env: true }, { qualifier: '1' }));
    expect(envOf(later)['AWS_LAMBDA_INITIALIZATION_TYPE']).toBe('on-demand');
  });

  it('keeps the count of a template version (AutoPublishAlias) changeable, down to 0', async () => {
    platform = new Platform({ functions: [bootstrapFunction('pc', { publishedAlias: 'live', provisionedConcurrency: 2 })] });
    await platform.ready();
    expect(platform.readyProvisioned('pc', '1')).toBe(2);
    platform.setProvisioned('pc', '1', 0);
    const pool = platform.publishedPool('pc');
    await until(() => pool?.size === 0);
    expect(platform.readyProvisioned('pc', '1')).toBe(0);
  });

  it('refuses a version that does not exist, and forgets the count of a deleted version', async () => {
    const p = await withVersionOne();
    expect(() => p.setProvisioned('fn', '7', 1)).toThrow(expect.objectContaining({ name: 'ResourceNotFoundException' }));
    expect(() => p.setProvisioned('nope', '1', 1)).toThrow(expect.objectContaining({ name: 'ResourceNotFoundException' }));
    p.setProvisioned('fn', '1', 1);
    await until(() => p.readyProvisioned('fn', '1') === 1);
    const pool = p.publishedPool('fn');
    value(await deleteFunction(p.registry, 'fn', '1'));
    await until(() => pool?.size === 0);
    expect(p.readyProvisioned('fn', '1')).toBe(0);
    // A later version 2 starts with none.
    value(await publishVersion(p.registry, 'fn', { description: 'two' }));
    expect(p.readyProvisioned('fn', '2')).toBe(0);
  });
});
