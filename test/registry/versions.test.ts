import { describe, expect, it } from 'vitest';
import { createFunction, deleteFunction, publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import { createAlias } from '../../src/registry/alias-changes.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { code, refusal, registryWith, value } from './registry-fixture.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('$LATEST', () => {
  it('gets a new RevisionId, LastModified and CodeSha256 on each update', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const registry = await registryWith(['f'], { now: () => new Date((clock += 1000)) });
    const before = value(registry.resolve('f')).record;
    expect(before.revisionId).toMatch(UUID);
    const after = value(await updateLatest(registry, 'f', { code: { identity: code('new'), codeDir: '/tmp/new' } }));
    expect(after.revisionId).toMatch(UUID);
    expect(after.revisionId).not.toBe(before.revisionId);
    expect(after.code.sha256).toBe('new');
    expect(after.config.codeDir).toBe('/tmp/new');
    expect(Date.parse(after.lastModified)).toBeGreaterThan(Date.parse(before.lastModified));
    const configured = value(await updateLatest(registry, 'f', { config: { timeout: 30 } }));
    expect(configured.code.sha256).toBe('new');
    expect(configured.config.timeout).toBe(30);
    expect(configured.revisionId).not.toBe(after.revisionId);
  });

  it('refuses a stale RevisionId with PreconditionFailedException and changes nothing', async () => {
    const registry = await registryWith(['f']);
    const first = value(registry.resolve('f')).record.revisionId;
    value(await updateLatest(registry, 'f', { config: { memorySize: 256 }, revisionId: first }));
    const stale = refusal(await updateLatest(registry, 'f', { config: { memorySize: 512 }, revisionId: first }));
    expect(stale.code).toBe('LAMINA_ERR_PRECONDITION_FAILED');
    expect(value(registry.resolve('f')).record.config.memorySize).toBe(256);
  });

  it('refuses memory and timeout outside Lambda\'s ranges', async () => {
    const registry = await registryWith(['f']);
    expect(refusal(await updateLatest(registry, 'f', { config: { memorySize: 64 } })).message).toContain('greater than or equal to 128');
    expect(refusal(await updateLatest(registry, 'f', { config: { timeout: 901 } })).message).toContain('less than or equal to 900');
    expect(refusal(await updateLatest(registry, 'f', { config: { timeout: 1.5 } })).code).toBe('LAMINA_ERR_VALIDATION');
    expect(refusal(await updateLatest(registry, 'nope', { config: { timeout: 5 } })).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
  });

  it('refuses a second function of one name and names Lambda does not allow', async () => {
    const registry = await registryWith(['f']);
    expect(refusal(await createFunction(registry, bootstrapFunction('f'), code('x')))).toEqual({ code: 'LAMINA_ERR_RESOURCE_CONFLICT', message: 'Function already exist: f' });
    for (const name of ['a'.repeat(65), 'has.dot', 'fünf', 'a:b', '']) {
      expect(refusal(await createFunction(registry, bootstrapFunction(name), code('x'))).code, name).toBe('LAMINA_ERR_VALIDATION');
    }
    expect(value(await createFunction(registry, bootstrapFunction('a'.repeat(64)), code('x'))).version).toBe('$LATEST');
  });
});

describe('published versions', () => {
  it('are numbered 1, 2, ... and never reuse a deleted number', async () => {
    const registry = await registryWith(['f']);
    expect(value(await publishVersion(registry, 'f')).version).toBe('1');
    value(await updateLatest(registry, 'f', { config: { timeout: 4 } }));
    expect(value(await publishVersion(registry, 'f')).version).toBe('2');
    value(await deleteFunction(registry, 'f', '2'));
    value(await updateLatest(registry, 'f', { config: { timeout: 5 } }));
    expect(value(await publishVersion(registry, 'f')).version).toBe('3');
    expect(registry.versions('f')?.map((record) => record.version)).toEqual(['$LATEST', '1', '3']);
  });

  it('are immutable snapshots: later changes of $LATEST do not reach them', async () => {
    const registry = await registryWith(['f']);
    const one = value(await publishVersion(registry, 'f', { description: 'first' }));
    value(await updateLatest(registry, 'f', { code: { identity: code('v2'), codeDir: '/v2' }, config: { timeout: 60, environment: { A: '1' } } }));
    const stored = registry.version('f', '1');
    expect(stored).toBe(one);
    expect(stored?.config.timeout).toBe(3);
    expect(stored?.config.environment).toEqual({});
    expect(stored?.code.sha256).toBe('sha-f');
    expect(stored?.description).toBe('first');
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored?.config)).toBe(true);
    expect(() => {
      (stored?.config as { timeout: number }).timeout = 99;
    }).toThrow(TypeError);
    expect(() => {
      (stored?.config.environment as Record<string, string>)['B'] = 'x';
    }).toThrow(TypeError);
  });

  it("keep their own copy: the caller's objects changed afterwards do not reach them", async () => {
    const registry = await registryWith(['f']);
    const environment: Record<string, string> = { A: 'before' };
    value(await updateLatest(registry, 'f', { config: { environment } }));
    value(await publishVersion(registry, 'f'));
    environment['A'] = 'after';
    environment['EVIL'] = '1';
    expect(registry.version('f', '1')?.config.environment).toEqual({ A: 'before' });
    expect(value(registry.resolve('f')).record.config.environment).toEqual({ A: 'before' });
  });

  it('publish is a no-op returning the newest version when nothing changed', async () => {
    const registry = await registryWith(['f']);
    const events: string[] = [];
    registry.onChange((change) => events.push(change.kind));
    const one = value(await publishVersion(registry, 'f'));
    expect(value(await publishVersion(registry, 'f'))).toBe(one);
    // A change and its undoing leave the same code and configuration: still version 1.
    value(await updateLatest(registry, 'f', { config: { timeout: 9 } }));
    value(await updateLatest(registry, 'f', { config: { timeout: 3 } }));
    expect(value(await publishVersion(registry, 'f')).version).toBe('1');
    value(await updateLatest(registry, 'f', { code: { identity: code('other'), codeDir: bootstrapFunction('f').codeDir } }));
    expect(value(await publishVersion(registry, 'f')).version).toBe('2');
    expect(events).toEqual(['version-published', 'latest-updated', 'latest-updated', 'latest-updated', 'version-published']);
  });

  it('checks the CodeSha256 and RevisionId preconditions of PublishVersion', async () => {
    const registry = await registryWith(['f']);
    const wrongSha = refusal(await publishVersion(registry, 'f', { codeSha256: 'stale' }));
    expect(wrongSha).toEqual({
      code: 'LAMINA_ERR_INVALID_PARAMETER',
      message: 'CodeSHA256 (stale) is different from current CodeSHA256 in $LATEST (sha-f). Please try again with the current CodeSHA256.',
    });
    expect(refusal(await publishVersion(registry, 'f', { revisionId: 'not-it' })).code).toBe('LAMINA_ERR_PRECONDITION_FAILED');
    expect(registry.versions('f')).toHaveLength(1);
    const latest = value(registry.resolve('f')).record;
    expect(value(await publishVersion(registry, 'f', { codeSha256: 'sha-f', revisionId: latest.revisionId })).version).toBe('1');
  });

  it('delete: not $LATEST by qualifier, not a version an alias routes to, not an unknown one', async () => {
    const registry = await registryWith(['f']);
    value(await publishVersion(registry, 'f'));
    value(await updateLatest(registry, 'f', { config: { timeout: 4 } }));
    value(await publishVersion(registry, 'f'));
    value(await createAlias(registry, 'f', 'live', { functionVersion: '2', routing: { version: '1', weight: 0.2 } }));
    expect(refusal(await deleteFunction(registry, 'f', '$LATEST')).code).toBe('LAMINA_ERR_INVALID_PARAMETER');
    expect(refusal(await deleteFunction(registry, 'f', '1'))).toEqual({ code: 'LAMINA_ERR_RESOURCE_CONFLICT', message: 'Unable to delete version because the following aliases reference it: [live]' });
    expect(refusal(await deleteFunction(registry, 'f', '2')).code).toBe('LAMINA_ERR_RESOURCE_CONFLICT');
    expect(refusal(await deleteFunction(registry, 'f', '7')).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
    value(await deleteFunction(registry, 'f'));
    expect(registry.entry('f')).toBeUndefined();
    // A function made again under the same name starts its numbers again, as on Lambda.
    value(await createFunction(registry, bootstrapFunction('f'), code('again')));
    expect(value(await publishVersion(registry, 'f')).version).toBe('1');
  });
});
