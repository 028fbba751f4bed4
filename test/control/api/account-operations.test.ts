import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../src/control/api/control-plane.js';
import { statesOf } from '../../../src/control/api/function-states.js';
import { MemorySettingsStore } from '../../../src/control/settings-store.js';
import type { ManagementCall } from '../../../src/management/management-port.js';
import type { ManagementOperation } from '../../../src/management/management-routes.js';
import type { FunctionRegistry } from '../../../src/registry/function-registry.js';
import { registryWith } from '../../registry/registry-fixture.js';
import { yazlZip } from '../yazl-zip.js';

const ROLE = 'arn:aws:iam::123456789012:role/lambda-role';
let stateDir: string;
let registry: FunctionRegistry;
let control: ControlPlane;

async function call(operation: ManagementOperation, labels: Record<string, string> = {}, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const request: ManagementCall = { operation, labels, query: {}, queryAll: {}, body, successStatus: 200 };
  const answer = await control.handle(request);
  await statesOf(registry).settled();
  return (answer.body ?? {}) as Record<string, unknown>;
}

async function usage(): Promise<unknown> {
  return (await call('GetAccountSettings')).AccountUsage;
}

const zipOf = (text: string): Promise<Buffer> => yazlZip([{ name: 'bootstrap', data: `#!/bin/sh\necho ${text}\n`, mode: 0o100755 }]);

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lamina-account-'));
  // One template function: its code is a directory of the project, not a stored package.
  registry = await registryWith(['from-template']);
  control = new ControlPlane({ registry, region: 'us-east-1', accountId: '123456789012', stateDir, now: () => new Date(), settings: new MemorySettingsStore() });
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('GetAccountSettings AccountUsage', () => {
  it('counts every function and the stored packages the versions use, each package once', async () => {
    expect(await usage()).toEqual({ TotalCodeSize: 0, FunctionCount: 1 });
    const one = await zipOf('one');
    const two = await zipOf('two, a little longer');
    await call('CreateFunction', {}, { FunctionName: 'a', Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: one.toString('base64') }, Publish: true });
    // $LATEST and version 1 share one package: counted once.
    expect(await usage()).toEqual({ TotalCodeSize: one.length, FunctionCount: 2 });
    await call('CreateFunction', {}, { FunctionName: 'b', Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: two.toString('base64') } });
    expect(await usage()).toEqual({ TotalCodeSize: one.length + two.length, FunctionCount: 3 });
    // Version 1 keeps the first package while $LATEST has a new one.
    await call('UpdateFunctionCode', { FunctionName: 'a' }, { ZipFile: two.toString('base64') });
    expect(await usage()).toEqual({ TotalCodeSize: one.length + two.length * 2, FunctionCount: 3 });
    await call('DeleteFunction', { FunctionName: 'a' });
    expect(await usage()).toEqual({ TotalCodeSize: two.length, FunctionCount: 2 });
  });

  it('reports the context\'s code storage limit as AccountLimit.TotalCodeSize', async () => {
    control = new ControlPlane({ registry, region: 'us-east-1', accountId: '123456789012', stateDir, now: () => new Date(), settings: new MemorySettingsStore(), codeStorageLimit: 1234 });
    expect((await call('GetAccountSettings')).AccountLimit).toMatchObject({ TotalCodeSize: 1234 });
  });
});
