import { lstat, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LayerStore } from '../../src/control/layer-store.js';
import { MemorySettingsStore } from '../../src/control/settings-store.js';
import { codeSha256 } from '../../src/control/package-limits.js';
import { rawZip } from './raw-zip.js';
import { yazlZip } from './yazl-zip.js';

const INPUT = { description: 'deps', compatibleRuntimes: ['nodejs22.x'], compatibleArchitectures: ['x86_64'], licenseInfo: 'MIT' };
const ARN = 'arn:aws:lambda:us-east-1:123456789012:layer';

let stateDir: string;
let settings: MemorySettingsStore;
let store: LayerStore;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lamina-layer-store-'));
  settings = new MemorySettingsStore();
  store = new LayerStore({ region: 'us-east-1', accountId: '123456789012', stateDir, settings, now: () => new Date(Date.UTC(2026, 10, 30, 9, 58, 1, 23)) });
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function publish(name: string, files: Record<string, string>): Promise<number> {
  const zip = await yazlZip(Object.entries(files).map(([n, data]) => ({ name: n, data })));
  const result = await store.publish(name, zip, INPUT);
  if (!result.ok) throw new Error(result.error.detail);
  return result.record.version;
}

describe('LayerStore', () => {
  it('unpacks a version under <stateDir>/layers/<name>/<version>, keeps the zip, records its digest and date', async () => {
    const zip = await yazlZip([{ name: 'nodejs/node_modules/left/index.js', data: 'module.exports = 1;' }]);
    const result = await store.publish('deps', zip, INPUT);
    if (!result.ok) throw new Error(result.error.detail);
    const { record } = result;
    expect(record.version).toBe(1);
    expect(record.dir).toBe(join(stateDir, 'layers', 'deps', '1'));
    expect(await readFile(join(record.dir, 'nodejs/node_modules/left/index.js'), 'utf8')).toBe('module.exports = 1;');
    expect((await readFile(`${record.dir}.zip`)).equals(zip)).toBe(true);
    expect(record.codeSha256).toBe(codeSha256(zip));
    expect(record.codeSize).toBe(zip.length);
    expect(record.unzippedBytes).toBe('module.exports = 1;'.length);
    expect(record.createdDate).toBe('2026-11-30T09:58:01.023+0000');
    expect(settings.get('layer-version', 'deps:0000000001')).toMatchObject({ name: 'deps', version: 1, codeSha256: record.codeSha256 });
  });

  it('never gives a deleted version number again, and keeps the deleted version\'s files for functions using it', async () => {
    expect(await publish('deps', { a: '1' })).toBe(1);
    expect(await publish('deps', { a: '2' })).toBe(2);
    await store.delete('deps', 2);
    expect(store.get('deps', 2)).toBeUndefined();
    expect(await readFile(join(stateDir, 'layers', 'deps', '2', 'a'), 'utf8')).toBe('2');
    expect(await publish('deps', { a: '3' })).toBe(3);
    expect(store.versions('deps').map((r) => r.version)).toEqual([3, 1]);
    await store.delete('deps', 1);
    await store.delete('deps', 3);
    expect(store.names()).toEqual([]);
    expect(await publish('deps', { a: '4' })).toBe(4);
  });

  it('numbers concurrent publishes of one name 1..n, each with its own content', async () => {
    const versions = await Promise.all([0, 1, 2, 3, 4].map((i) => publish('same', { f: String(i) })));
    expect([...versions].sort()).toEqual([1, 2, 3, 4, 5]);
    for (const [i, version] of versions.entries()) expect(await readFile(join(stateDir, 'layers', 'same', String(version), 'f'), 'utf8')).toBe(String(i));
  });

  it('refuses a corrupt zip without taking a number or leaving files', async () => {
    const zip = await yazlZip([{ name: 'a', data: 'x'.repeat(1000) }]);
    const corrupt = Buffer.from(zip);
    corrupt.fill(0, 10, 60);
    const result = await store.publish('deps', corrupt, INPUT);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('LAMINA_ERR_LAMBDA_INVALID_ZIP');
    const slip = await store.publish('deps', rawZip([{ name: '../../escape', data: Buffer.from('x') }]), INPUT);
    expect(slip.ok).toBe(false);
    expect(settings.list('layer-version')).toEqual([]);
    expect((await readdir(join(stateDir, 'layers', 'deps'))).filter((f) => !f.startsWith('.'))).toEqual([]);
    await expect(lstat(join(stateDir, 'escape'))).rejects.toThrow();
    expect(await publish('deps', { ok: '1' })).toBe(1);
  });

  it('resolves version ARNs to directories in order with their unzipped total', async () => {
    await publish('a', { x: '12345' });
    await publish('b', { y: '123' });
    const resolved = store.resolve([`${ARN}:b:1`, `${ARN}:a:1`]);
    expect(resolved).toEqual({ ok: true, dirs: [join(stateDir, 'layers', 'b', '1'), join(stateDir, 'layers', 'a', '1')], unzippedBytes: 8 });
  });

  it('refuses more than 5 layers, unknown versions, deleted ones, other accounts and malformed ARNs with Lambda\'s messages', async () => {
    await publish('a', { x: '1' });
    await publish('a', { x: '2' });
    expect(store.resolve(Array.from({ length: 6 }, () => `${ARN}:a:1`))).toEqual({ ok: false, code: 'LAMINA_ERR_INVALID_PARAMETER', message: 'Cannot reference more than 5 layers.' });
    expect(store.resolve([`${ARN}:a:9`])).toEqual({ ok: false, code: 'LAMINA_ERR_INVALID_PARAMETER', message: `Layer version ${ARN}:a:9 does not exist.` });
    await store.delete('a', 1);
    expect(store.resolve([`${ARN}:a:1`]).ok).toBe(false);
    expect(store.resolve(['arn:aws:lambda:us-east-1:999999999999:layer:a:2']).ok).toBe(false);
    expect(store.resolve(['arn:aws:lambda:eu-west-1:123456789012:layer:a:2']).ok).toBe(false);
    const bad = store.resolve(['arn:aws:lambda:us-east-1:123456789012:layer:a b:2']);
    expect(bad).toMatchObject({ ok: false, code: 'LAMINA_ERR_INVALID_PARAMETER' });
    expect(store.resolve([`${ARN}:a:2`]).ok).toBe(true);
  });

  it('finds its versions again through a new store over the same settings (what persistence keeps)', async () => {
    await publish('deps', { a: '1' });
    await publish('deps', { a: '2' });
    const again = new LayerStore({ region: 'us-east-1', accountId: '123456789012', stateDir, settings });
    expect(again.versions('deps').map((r) => r.version)).toEqual([2, 1]);
    const next = await again.publish('deps', await yazlZip([{ name: 'a', data: '3' }]), INPUT);
    expect(next.ok && next.record.version).toBe(3);
  });
});
