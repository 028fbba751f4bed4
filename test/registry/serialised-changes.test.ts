import { describe, expect, it } from 'vitest';
import { createAlias } from '../../src/registry/alias-changes.js';
import { publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import { KeyedSerial } from '../../src/registry/keyed-serial.js';
import type { RegistryChange } from '../../src/registry/registry-types.js';
import { code, refusal, registryWith, value } from './registry-fixture.js';

describe('changes to one function', () => {
  it('run one at a time: of many updates naming the same RevisionId, exactly one wins', async () => {
    const order: string[] = [];
    let writes = 0;
    // A slow store: every write yields several turns, so unserialised checks would all pass.
    const registry = await registryWith(['f'], {
      beforeCommit: async (change) => {
        writes += 1;
        order.push(`start ${change.kind}`);
        for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
        order.push(`end ${change.kind}`);
      },
    });
    order.length = 0;
    writes = 0;
    const revisionId = value(registry.resolve('f')).record.revisionId;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => updateLatest(registry, 'f', { config: { timeout: 10 + i }, revisionId })));
    const winners = results.filter((result) => result.ok);
    expect(winners).toHaveLength(1);
    for (const lost of results.filter((result) => !result.ok)) expect(refusal(lost).code).toBe('LAMINA_ERR_PRECONDITION_FAILED');
    expect(value(registry.resolve('f')).record.config.timeout).toBe(10);
    expect(writes).toBe(1);
    expect(order).toEqual(['start latest-updated', 'end latest-updated']);
  });

  it('never interleave: code and configuration updates in flight together all land, in order', async () => {
    const seen: string[] = [];
    const registry = await registryWith(['f'], {
      beforeCommit: async (change) => {
        seen.push(`begin ${change.kind}`);
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(`commit ${change.kind}`);
      },
    });
    seen.length = 0;
    const updates = [
      updateLatest(registry, 'f', { code: { identity: code('c1'), codeDir: '/c1' } }),
      updateLatest(registry, 'f', { config: { memorySize: 1024 } }),
      publishVersion(registry, 'f'),
      updateLatest(registry, 'f', { config: { timeout: 7 } }),
    ];
    await Promise.all(updates);
    expect(seen).toEqual(['begin latest-updated', 'commit latest-updated', 'begin latest-updated', 'commit latest-updated', 'begin version-published', 'commit version-published', 'begin latest-updated', 'commit latest-updated']);
    const one = registry.version('f', '1');
    expect([one?.code.sha256, one?.config.memorySize, one?.config.timeout]).toEqual(['c1', 1024, 3]);
    const latest = value(registry.resolve('f')).record;
    expect([latest.code.sha256, latest.config.memorySize, latest.config.timeout, latest.config.codeDir]).toEqual(['c1', 1024, 7, '/c1']);
  });

  it('change nothing when the store write fails, and the next change still runs', async () => {
    let fail = false;
    const registry = await registryWith(['f'], {
      beforeCommit: () => (fail ? Promise.reject(new Error('disk full')) : Promise.resolve()),
    });
    const heard: RegistryChange[] = [];
    registry.onChange((change) => heard.push(change));
    const before = value(registry.resolve('f')).record;
    fail = true;
    expect(refusal(await updateLatest(registry, 'f', { code: { identity: code('half'), codeDir: '/half' } }))).toEqual({ code: 'LAMINA_ERR_SERVICE', message: 'The change was not saved: disk full' });
    expect(refusal(await publishVersion(registry, 'f')).code).toBe('LAMINA_ERR_SERVICE');
    expect(value(registry.resolve('f')).record).toBe(before);
    expect(registry.versions('f')).toHaveLength(1);
    expect(heard).toEqual([]);
    fail = false;
    expect(value(await publishVersion(registry, 'f')).version).toBe('1');
    expect(heard).toEqual([{ kind: 'version-published', functionName: 'f', version: '1' }]);
  });

  it('tell listeners what changed, even when one of them throws', async () => {
    const registry = await registryWith(['f']);
    const heard: RegistryChange[] = [];
    registry.onChange(() => {
      throw new Error('a broken listener');
    });
    const stop = registry.onChange((change) => heard.push(change));
    value(await updateLatest(registry, 'f', { code: { identity: code('sha-f'), codeDir: '/same-code' } }));
    value(await updateLatest(registry, 'f', { code: { identity: code('v2'), codeDir: '/v2' } }));
    value(await publishVersion(registry, 'f'));
    value(await createAlias(registry, 'f', 'live', { functionVersion: '1' }));
    stop();
    value(await publishVersion(registry, 'f'));
    expect(heard.map((change) => [change.kind, 'codeChanged' in change ? change.codeChanged : undefined])).toEqual([
      ['latest-updated', false],
      ['latest-updated', true],
      ['version-published', undefined],
      ['alias-changed', undefined],
    ]);
  });

  it('of different functions do not wait for each other', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let blockF = false;
    const registry = await registryWith(['f', 'g'], { beforeCommit: (change) => (blockF && change.functionName === 'f' ? gate : Promise.resolve()) });
    blockF = true;
    const slow = updateLatest(registry, 'f', { config: { timeout: 9 } });
    value(await updateLatest(registry, 'g', { config: { timeout: 9 } }));
    expect(value(registry.resolve('f')).record.config.timeout).toBe(3);
    release();
    value(await slow);
    expect(value(registry.resolve('f')).record.config.timeout).toBe(9);
  });
});

describe('KeyedSerial', () => {
  it('goes on after a failed task and leaves no keys behind', async () => {
    const serial = new KeyedSerial();
    const failed = serial.run(['k'], () => Promise.reject(new Error('boom')));
    const next = serial.run(['k', 'j'], () => Promise.resolve('after'));
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('after');
    await new Promise((resolve) => setImmediate(resolve));
    expect(serial.busyKeys).toBe(0);
  });
});
