import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../src/control/api/control-plane.js';
import type { CodeObjects } from '../../../src/control/api/control-context.js';
import { MemorySettingsStore } from '../../../src/control/settings-store.js';
import { codeSha256 } from '../../../src/control/package-limits.js';
import { ServiceError } from '../../../src/errors.js';
import type { ManagementAnswer } from '../../../src/management/management-port.js';
import { MANAGEMENT_ROUTES, type ManagementOperation } from '../../../src/management/management-routes.js';
import { registryFromFunctions } from '../../../src/registry/template-load.js';
import { yazlZip } from '../yazl-zip.js';

const ACCOUNT = '123456789012';
const LAYER = `arn:aws:lambda:us-east-1:${ACCOUNT}:layer`;

let stateDir: string;
let control: ControlPlane;
let objects: Map<string, Buffer>;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lamina-layer-ops-'));
  objects = new Map();
  const source: CodeObjects = {
    read: (bucket, key) => {
      const bytes = objects.get(key);
      if (bucket !== 'artifacts') return Promise.resolve({ ok: false, missing: 'bucket' });
      return Promise.resolve(bytes === undefined ? { ok: false, missing: 'key' } : { ok: true, bytes });
    },
  };
  control = new ControlPlane({ registry: registryFromFunctions([]), region: 'us-east-1', accountId: ACCOUNT, stateDir, now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), settings: new MemorySettingsStore(), codeObjects: () => source });
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

function call(operation: ManagementOperation, parts: { labels?: Record<string, string>; query?: Record<string, string>; body?: Record<string, unknown> } = {}): Promise<ManagementAnswer> {
  const route = MANAGEMENT_ROUTES.find((r) => r.operation === operation);
  const query = parts.query ?? {};
  return control.handle({ operation, labels: parts.labels ?? {}, query, queryAll: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])), body: parts.body ?? {}, successStatus: route?.status ?? 200 });
}

async function refusal(answer: Promise<unknown>): Promise<ServiceError> {
  const error: unknown = await answer.then(() => undefined, (err: unknown) => err);
  if (!(error instanceof ServiceError)) throw new Error(`expected a ServiceError, got ${String(error)}`);
  return error;
}

const zipOf = (files: Record<string, string>): Promise<Buffer> => yazlZip(Object.entries(files).map(([name, data]) => ({ name, data })));

async function publish(name: string, body: Record<string, unknown> = {}, files: Record<string, string> = { 'python/mod.py': 'X = 1\n' }): Promise<Record<string, unknown>> {
  const zip = await zipOf(files);
  const answer = await call('PublishLayerVersion', { labels: { LayerName: name }, body: { Content: { ZipFile: zip.toString('base64') }, ...body } });
  expect(answer.status).toBe(201);
  return answer.body as Record<string, unknown>;
}

describe('PublishLayerVersion', () => {
  it('answers Lambda\'s shape: ARNs, Version, CreatedDate, Content with the zip\'s digest and a link to the archive', async () => {
    const zip = await zipOf({ 'python/mod.py': 'X = 1\n' });
    const answer = await call('PublishLayerVersion', {
      labels: { LayerName: 'deps' },
      body: { Content: { ZipFile: zip.toString('base64') }, Description: 'shared code', CompatibleRuntimes: ['python3.12', 'python3.13'], CompatibleArchitectures: ['arm64'], LicenseInfo: 'MIT' },
    });
    const body = answer.body as Record<string, unknown> & { Content: { Location: string } };
    expect(answer.status).toBe(201);
    expect(body).toEqual({
      Content: { Location: body.Content.Location, CodeSha256: codeSha256(zip), CodeSize: zip.length },
      LayerArn: `${LAYER}:deps`,
      LayerVersionArn: `${LAYER}:deps:1`,
      Version: 1,
      Description: 'shared code',
      CreatedDate: '2026-01-02T03:04:05.006+0000',
      CompatibleRuntimes: ['python3.12', 'python3.13'],
      CompatibleArchitectures: ['arm64'],
      LicenseInfo: 'MIT',
    });
    expect((await readFile(fileURLToPath(body.Content.Location))).equals(zip)).toBe(true);
    expect(await readFile(join(stateDir, 'layers', 'deps', '1', 'python', 'mod.py'), 'utf8')).toBe('X = 1\n');
    expect((await publish(`${LAYER}:deps`)).Version).toBe(2);
  });

  it('reads Content from the embedded S3, with Lambda\'s GetObject errors when the object or bucket is missing', async () => {
    objects.set('layers/deps.zip', await zipOf({ 'bin/tool': 'x' }));
    const answer = await call('PublishLayerVersion', { labels: { LayerName: 'deps' }, body: { Content: { S3Bucket: 'artifacts', S3Key: 'layers/deps.zip' } } });
    expect((answer.body as { Content: { CodeSha256: string } }).Content.CodeSha256).toBe(codeSha256(objects.get('layers/deps.zip') ?? Buffer.alloc(0)));
    const noKey = await refusal(call('PublishLayerVersion', { labels: { LayerName: 'deps' }, body: { Content: { S3Bucket: 'artifacts', S3Key: 'missing.zip' } } }));
    expect([noKey.name, noKey.message]).toEqual(['InvalidParameterValueException', 'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.']);
    const noBucket = await refusal(call('PublishLayerVersion', { labels: { LayerName: 'deps' }, body: { Content: { S3Bucket: 'elsewhere', S3Key: 'x.zip' } } }));
    expect(noBucket.message).toContain('S3 Error Code: NoSuchBucket');
  });

  it('refuses bad input as Lambda does, and a refused publish takes no version number', async () => {
    const cases: Array<[Record<string, string>, Record<string, unknown>, string, RegExp]> = [
      [{ LayerName: 'bad name' }, { Content: { ZipFile: '' } }, 'ValidationException', /at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern/],
      [{ LayerName: 'x'.repeat(141) }, { Content: { ZipFile: '' } }, 'ValidationException', /length less than or equal to 140/],
      [{ LayerName: 'deps' }, {}, 'ValidationException', /Value null at 'content'/],
      [{ LayerName: 'deps' }, { Content: {} }, 'InvalidParameterValueException', /Please provide a source for the layer/],
      [{ LayerName: 'deps' }, { Content: { ZipFile: 'not base64!' } }, 'InvalidRequestContentException', /ZipFile must be base64/],
      [{ LayerName: 'deps' }, { Content: { ZipFile: Buffer.from('PK\u0003\u0004 not really a zip').toString('base64') } }, 'InvalidParameterValueException', /^Could not unzip uploaded file/],
      [{ LayerName: 'deps' }, { Content: { ZipFile: '' }, CompatibleRuntimes: Array.from({ length: 16 }, () => 'python3.12') }, 'ValidationException', /at 'compatibleRuntimes' .* less than or equal to 15/],
      [{ LayerName: 'deps' }, { Content: { ZipFile: '' }, CompatibleRuntimes: ['cobol85'] }, 'ValidationException', /enum value set/],
      [{ LayerName: 'deps' }, { Content: { ZipFile: '' }, CompatibleArchitectures: ['sparc'] }, 'ValidationException', /\[x86_64, arm64\]/],
      [{ LayerName: 'deps' }, { Content: { ZipFile: '' }, Description: 'd'.repeat(257) }, 'ValidationException', /at 'description' .* 256/],
    ];
    for (const [labels, body, name, message] of cases) {
      const error = await refusal(call('PublishLayerVersion', { labels, body }));
      expect([error.name, error.message]).toEqual([name, expect.stringMatching(message)]);
    }
    expect((await publish('deps')).Version).toBe(1);
  });
});

describe('code storage', () => {
  it('counts layer archives in the account\'s code storage; deleting a version frees its share', async () => {
    const zip = await zipOf({ 'python/mod.py': 'X = 1\n' });
    control = new ControlPlane({ ...control.context, codeStorageLimit: zip.length * 2 });
    await publish('deps');
    await publish('deps');
    const full = await refusal(call('PublishLayerVersion', { labels: { LayerName: 'deps' }, body: { Content: { ZipFile: zip.toString('base64') } } }));
    expect([full.name, full.message]).toEqual(['CodeStorageExceededException', 'Code storage limit exceeded.']);
    await call('DeleteLayerVersion', { labels: { LayerName: 'deps', VersionNumber: '1' } });
    expect((await publish('deps')).Version).toBe(3);
  });
});

describe('GetLayerVersion, GetLayerVersionByArn, DeleteLayerVersion', () => {
  it('gets a version by name, by layer ARN and by version ARN; after deletion it is gone and its number is not reused', async () => {
    const published = await publish('deps', { Description: 'd' });
    expect((await call('GetLayerVersion', { labels: { LayerName: 'deps', VersionNumber: '1' } })).body).toEqual(published);
    expect((await call('GetLayerVersion', { labels: { LayerName: `${LAYER}:deps`, VersionNumber: '1' } })).body).toEqual(published);
    expect((await call('GetLayerVersionByArn', { query: { find: 'LayerVersion', Arn: `${LAYER}:deps:1` } })).body).toEqual(published);
    expect((await call('DeleteLayerVersion', { labels: { LayerName: 'deps', VersionNumber: '1' } })).status).toBe(204);
    const gone = await refusal(call('GetLayerVersion', { labels: { LayerName: 'deps', VersionNumber: '1' } }));
    expect([gone.name, gone.spec.status, gone.message]).toEqual(['ResourceNotFoundException', 404, 'The resource you requested does not exist.']);
    expect((await call('DeleteLayerVersion', { labels: { LayerName: 'deps', VersionNumber: '1' } })).status).toBe(204);
    expect((await publish('deps')).Version).toBe(2);
  });

  it('answers not found for unknown layers and other accounts, and ValidationException for malformed ARNs and numbers', async () => {
    await publish('deps');
    expect((await refusal(call('GetLayerVersion', { labels: { LayerName: 'nope', VersionNumber: '1' } }))).name).toBe('ResourceNotFoundException');
    expect((await refusal(call('GetLayerVersionByArn', { query: { Arn: 'arn:aws:lambda:us-east-1:999999999999:layer:deps:1' } }))).name).toBe('ResourceNotFoundException');
    const badArn = await refusal(call('GetLayerVersionByArn', { query: { Arn: `${LAYER}:deps` } }));
    expect([badArn.name, badArn.message]).toEqual(['ValidationException', expect.stringContaining("at 'arn' failed to satisfy constraint")]);
    expect((await refusal(call('GetLayerVersion', { labels: { LayerName: 'deps', VersionNumber: 'one' } }))).name).toBe('ValidationException');
  });
});

describe('ListLayers and ListLayerVersions', () => {
  it('lists each layer with its latest matching version, filtered by runtime and architecture, in pages', async () => {
    await publish('alpha', { CompatibleRuntimes: ['python3.12'], CompatibleArchitectures: ['x86_64'] });
    await publish('alpha', { CompatibleRuntimes: ['nodejs22.x'], CompatibleArchitectures: ['arm64'] });
    await publish('beta', { CompatibleRuntimes: ['python3.12'] });
    await publish('gamma');
    const all = (await call('ListLayers')).body as { Layers: Array<{ LayerName: string; LayerArn: string; LatestMatchingVersion: { Version: number; LayerVersionArn: string } }> };
    expect(all.Layers.map((l) => [l.LayerName, l.LatestMatchingVersion.Version])).toEqual([['alpha', 2], ['beta', 1], ['gamma', 1]]);
    expect(all.Layers[0]?.LayerArn).toBe(`${LAYER}:alpha`);
    const python = (await call('ListLayers', { query: { CompatibleRuntime: 'python3.12' } })).body as typeof all;
    expect(python.Layers.map((l) => [l.LayerName, l.LatestMatchingVersion.Version])).toEqual([['alpha', 1], ['beta', 1]]);
    const arm = (await call('ListLayers', { query: { CompatibleArchitecture: 'arm64' } })).body as typeof all;
    expect(arm.Layers.map((l) => l.LayerName)).toEqual(['alpha']);
    const first = (await call('ListLayers', { query: { MaxItems: '2' } })).body as typeof all & { NextMarker: string };
    expect(first.Layers.map((l) => l.LayerName)).toEqual(['alpha', 'beta']);
    const second = (await call('ListLayers', { query: { MaxItems: '2', Marker: first.NextMarker } })).body as typeof all & { NextMarker?: string };
    expect([second.Layers.map((l) => l.LayerName), second.NextMarker]).toEqual([['gamma'], undefined]);
    expect((await refusal(call('ListLayers', { query: { MaxItems: '51' } }))).name).toBe('ValidationException');
    expect((await refusal(call('ListLayers', { query: { CompatibleArchitecture: 'sparc' } }))).name).toBe('ValidationException');
  });

  it('lists a layer\'s versions newest first in pages; an unknown layer has none', async () => {
    for (let i = 0; i < 3; i += 1) await publish('deps');
    await call('DeleteLayerVersion', { labels: { LayerName: 'deps', VersionNumber: '2' } });
    const listed = (await call('ListLayerVersions', { labels: { LayerName: 'deps' } })).body as { LayerVersions: Array<{ Version: number; LayerVersionArn: string }> };
    expect(listed.LayerVersions.map((v) => [v.Version, v.LayerVersionArn])).toEqual([[3, `${LAYER}:deps:3`], [1, `${LAYER}:deps:1`]]);
    const page = (await call('ListLayerVersions', { labels: { LayerName: 'deps' }, query: { MaxItems: '1' } })).body as { LayerVersions: Array<{ Version: number }>; NextMarker: string };
    const rest = (await call('ListLayerVersions', { labels: { LayerName: 'deps' }, query: { MaxItems: '1', Marker: page.NextMarker } })).body as { LayerVersions: Array<{ Version: number }> };
    expect([page.LayerVersions[0]?.Version, rest.LayerVersions[0]?.Version]).toEqual([3, 1]);
    expect((await call('ListLayerVersions', { labels: { LayerName: 'nope' } })).body).toEqual({ LayerVersions: [] });
  });
});
