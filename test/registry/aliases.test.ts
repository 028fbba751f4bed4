import { describe, expect, it } from 'vitest';
import { createAlias, deleteAlias, updateAlias } from '../../src/registry/alias-changes.js';
import { pickVersion } from '../../src/registry/alias-rules.js';
import { deleteFunction, publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import type { FunctionRegistry } from '../../src/registry/function-registry.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { refusal, registryWith, value } from './registry-fixture.js';

/** A function `f` with versions 1, 2 and 3, each with different code configuration. */
async function threeVersions(options = {}): Promise<FunctionRegistry> {
  const registry = await registryWith(['f'], options);
  for (const timeout of [3, 4, 5]) {
    value(await updateLatest(registry, 'f', { config: { timeout } }));
    value(await publishVersion(registry, 'f'));
  }
  return registry;
}

describe('alias names and targets', () => {
  it('takes Lambda\'s alias names and refuses the others', async () => {
    const registry = await threeVersions();
    for (const name of ['live', 'v-1_2', '1a', 'a'.repeat(128)]) value(await createAlias(registry, 'f', name, { functionVersion: '1' }));
    for (const name of ['42', '$LATEST', 'a.b', 'a:b', 'prod\u00e9', '', 'a'.repeat(129), 'x\n']) {
      expect(refusal(await createAlias(registry, 'f', name, { functionVersion: '1' })).code, JSON.stringify(name)).toBe('LAMINA_ERR_VALIDATION');
    }
    expect(refusal(await createAlias(registry, 'f', 'live', { functionVersion: '2' })).code).toBe('LAMINA_ERR_RESOURCE_CONFLICT');
    expect(registry.alias('f', 'live')?.functionVersion).toBe('1');
  });

  it('points at $LATEST or a version, never at another alias or a missing version', async () => {
    const registry = await threeVersions();
    value(await createAlias(registry, 'f', 'dev', { functionVersion: '$LATEST' }));
    expect(refusal(await createAlias(registry, 'f', 'chain', { functionVersion: 'dev' })).code).toBe('LAMINA_ERR_VALIDATION');
    expect(refusal(await createAlias(registry, 'f', 'gone', { functionVersion: '9' }))).toEqual({
      code: 'LAMINA_ERR_FUNCTION_NOT_FOUND',
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:f:9',
    });
    expect(refusal(await createAlias(registry, 'nope', 'x', { functionVersion: '1' })).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
  });

  it('checks the routing: one other existing version, a weight in 0..1, not with $LATEST', async () => {
    const registry = await threeVersions();
    const cases: Array<[string, { version: string; weight: number }, string]> = [
      ['$LATEST', { version: '1', weight: 0.5 }, 'LAMINA_ERR_INVALID_PARAMETER'],
      ['2', { version: '2', weight: 0.5 }, 'LAMINA_ERR_INVALID_PARAMETER'],
      ['2', { version: '8', weight: 0.5 }, 'LAMINA_ERR_INVALID_PARAMETER'],
      ['2', { version: '$LATEST', weight: 0.5 }, 'LAMINA_ERR_VALIDATION'],
      ['2', { version: '1', weight: 1.01 }, 'LAMINA_ERR_VALIDATION'],
      ['2', { version: '1', weight: -0.1 }, 'LAMINA_ERR_VALIDATION'],
      ['2', { version: '1', weight: Number.NaN }, 'LAMINA_ERR_VALIDATION'],
    ];
    for (const [functionVersion, routing, expected] of cases) {
      expect(refusal(await createAlias(registry, 'f', 'w', { functionVersion, routing })).code, JSON.stringify([functionVersion, routing])).toBe(expected);
    }
    expect(registry.alias('f', 'w')).toBeUndefined();
    value(await createAlias(registry, 'f', 'w', { functionVersion: '2', routing: { version: '1', weight: 1 } }));
  });

  it('updates with a RevisionId precondition, removes routing with null, and deletes', async () => {
    const registry = await threeVersions();
    const created = value(await createAlias(registry, 'f', 'live', { functionVersion: '1', routing: { version: '2', weight: 0.1 } }));
    const moved = value(await updateAlias(registry, 'f', 'live', { functionVersion: '3', revisionId: created.revisionId }));
    expect(moved.routing).toEqual({ version: '2', weight: 0.1 });
    expect(moved.revisionId).not.toBe(created.revisionId);
    expect(refusal(await updateAlias(registry, 'f', 'live', { functionVersion: '2', revisionId: created.revisionId })).code).toBe('LAMINA_ERR_PRECONDITION_FAILED');
    expect(value(await updateAlias(registry, 'f', 'live', { routing: null })).routing).toBeUndefined();
    expect(refusal(await updateAlias(registry, 'f', 'other', { functionVersion: '2' })).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
    value(await deleteFunction(registry, 'f', '2'));
    value(await deleteAlias(registry, 'f', 'live'));
    value(await deleteAlias(registry, 'f', 'live'));
    value(await deleteFunction(registry, 'f', '3'));
    expect(registry.aliases('f')).toEqual([]);
  });
});

describe('weighted routing', () => {
  for (const weight of [0.1, 0.5, 0.9]) {
    it(`sends about ${weight * 100}% of 1,000 picks to the additional version (seeded)`, async () => {
      const registry = await threeVersions({ random: seededRandom(16 + weight * 10) });
      value(await createAlias(registry, 'f', 'canary', { functionVersion: '1', routing: { version: '2', weight } }));
      const executed = Array.from({ length: 1000 }, () => value(registry.resolve('f:canary')).version);
      const share = executed.filter((version) => version === '2').length / 1000;
      expect(Math.abs(share - weight)).toBeLessThanOrEqual(0.03);
      expect(new Set(executed)).toEqual(new Set(['1', '2']));
      // The record handed out is the version that was picked, not the alias's own.
      const picked = value(registry.resolve('f:canary'));
      expect(picked.record.version).toBe(picked.version);
      expect(picked.alias).toBe('canary');
    });
  }

  it('never picks the additional version at weight 0, always at weight 1', () => {
    const draws = [0, 0.5, 0.999999];
    for (const draw of draws) {
      expect(pickVersion('1', { version: '2', weight: 0 }, () => draw)).toBe('1');
      expect(pickVersion('1', { version: '2', weight: 1 }, () => draw)).toBe('2');
    }
    expect(pickVersion('1', { version: '2', weight: 0.25 }, () => 0.2499)).toBe('2');
    expect(pickVersion('1', { version: '2', weight: 0.25 }, () => 0.25)).toBe('1');
  });
});
