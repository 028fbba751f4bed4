/**
 * Functions and the layers they name through the management API: a function keeps a layer
 * version deleted since (as on Lambda), so its code and configuration can still be updated; only
 * the layers an update adds are looked up.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../src/errors.js';
import { ControlPlane } from '../../../src/control/api/control-plane.js';
import { statesOf } from '../../../src/control/api/function-states.js';
import { LayerStore } from '../../../src/control/layer-store.js';
import { MemorySettingsStore } from '../../../src/control/settings-store.js';
import { FunctionRegistry } from '../../../src/registry/function-registry.js';
import { LATEST } from '../../../src/registry/registry-types.js';
import type { ManagementOperation } from '../../../src/management/management-routes.js';
import { yazlZip } from '../yazl-zip.js';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/lambda-role`;
let stateDir: string;
let registry: FunctionRegistry;
let control: ControlPlane;

function call(operation: ManagementOperation, parts: { labels?: Record<string, string>; body?: Record<string, unknown> } = {}): Promise<{ status: number; body?: unknown }> {
  return control.handle({ operation, labels: parts.labels ?? {}, query: {}, queryAll: {}, body: parts.body ?? {}, successStatus: 200 });
}

async function refusal(pending: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = await pending.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ServiceError);
  return { name: (error as ServiceError).name, message: (error as ServiceError).message };
}

const bootstrapZip = (text: string): Promise<Buffer> => yazlZip([{ name: 'bootstrap', data: `#!/bin/sh\necho ${text}\n`, mode: 0o100755 }]);

async function publish(name: string, zip: Buffer): Promise<string> {
  const answer = (await call('PublishLayerVersion', { labels: { LayerName: name }, body: { Content: { ZipFile: zip.toString('base64') } } })).body as Record<string, unknown>;
  return String(answer.LayerVersionArn);
}

async function settled(): Promise<void> {
  await statesOf(registry).settled();
}

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lamina-fnlayers-'));
  registry = new FunctionRegistry({ region: 'us-east-1', accountId: ACCOUNT });
  const settings = new MemorySettingsStore();
  control = new ControlPlane({ registry, region: 'us-east-1', accountId: ACCOUNT, stateDir, now: () => new Date(), settings, layers: new LayerStore({ region: 'us-east-1', accountId: ACCOUNT, stateDir, settings }) });
});

afterEach(async () => {
  await settled();
  await rm(stateDir, { recursive: true, force: true });
});

describe('a function and a deleted layer version', () => {
  it('UpdateFunctionCode still works and the function still runs the layer\'s bootstrap', async () => {
    const arn = await publish('runtime', await bootstrapZip('from-layer'));
    const code = await yazlZip([{ name: 'README', data: 'the runtime is in the layer\n' }]);
    await call('CreateFunction', { body: { FunctionName: 'fn', Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: code.toString('base64') }, Layers: [arn] } });
    await settled();
    const layerDir = registry.version('fn', LATEST)?.config.layers?.[0];
    expect(layerDir).toBe(join(stateDir, 'layers', 'runtime', '1'));
    await call('DeleteLayerVersion', { labels: { LayerName: 'runtime', VersionNumber: '1' } });

    const other = await yazlZip([{ name: 'README', data: 'new code, same layer\n' }]);
    const updated = (await call('UpdateFunctionCode', { labels: { FunctionName: 'fn' }, body: { ZipFile: other.toString('base64') } })).body as Record<string, unknown>;
    expect(updated.Layers).toEqual([{ Arn: arn, CodeSize: expect.any(Number) }]);
    await settled();
    const config = registry.version('fn', LATEST)?.config;
    expect(config?.layers).toEqual([layerDir]);
    expect(config?.launch).toMatchObject({ kind: 'bootstrap', command: join(layerDir ?? '', 'bootstrap') });

    // A configuration change that does not name layers, then one that keeps the deleted version and adds a new one.
    await call('UpdateFunctionConfiguration', { labels: { FunctionName: 'fn' }, body: { Timeout: 7 } });
    await settled();
    const extra = await publish('extra', await yazlZip([{ name: 'lib/x.txt', data: 'x\n' }]));
    const both = (await call('UpdateFunctionConfiguration', { labels: { FunctionName: 'fn' }, body: { Layers: [arn, extra] } })).body as Record<string, unknown>;
    expect((both.Layers as Array<{ Arn: string }>).map((l) => l.Arn)).toEqual([arn, extra]);
    await settled();
    expect(registry.version('fn', LATEST)?.config.layers).toEqual([layerDir, join(stateDir, 'layers', 'extra', '1')]);

    // A deleted version the function does not have is still refused.
    await call('UpdateFunctionConfiguration', { labels: { FunctionName: 'fn' }, body: { Layers: [extra] } });
    await settled();
    expect(await refusal(call('UpdateFunctionConfiguration', { labels: { FunctionName: 'fn' }, body: { Layers: [arn] } }))).toEqual({ name: 'InvalidParameterValueException', message: `Layer version ${arn} does not exist.` });
  });
});

describe('the account\'s code storage', () => {
  it('counts layer archives for CreateFunction, UpdateFunctionCode and GetAccountSettings', async () => {
    const layerZip = await bootstrapZip('layer');
    const code = await bootstrapZip('fn');
    control = new ControlPlane({ ...control.context, codeStorageLimit: layerZip.length + code.length + 10 });
    await publish('runtime', layerZip);
    expect(((await call('GetAccountSettings')).body as { AccountUsage: { TotalCodeSize: number } }).AccountUsage.TotalCodeSize).toBe(layerZip.length);
    await call('CreateFunction', { body: { FunctionName: 'fits', Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: code.toString('base64') } } });
    await settled();
    expect(((await call('GetAccountSettings')).body as { AccountUsage: { TotalCodeSize: number } }).AccountUsage.TotalCodeSize).toBe(layerZip.length + code.length);
    const full = { name: 'CodeStorageExceededException', message: 'Code storage limit exceeded.' };
    expect(await refusal(call('CreateFunction', { body: { FunctionName: 'over', Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: code.toString('base64') } } }))).toEqual(full);
    expect(await refusal(call('UpdateFunctionCode', { labels: { FunctionName: 'fits' }, body: { ZipFile: code.toString('base64') } }))).toEqual(full);
    // Deleting the layer version frees its share.
    await call('DeleteLayerVersion', { labels: { LayerName: 'runtime', VersionNumber: '1' } });
    await call('UpdateFunctionCode', { labels: { FunctionName: 'fits' }, body: { ZipFile: code.toString('base64') } });
  });
});
