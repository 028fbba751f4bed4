import { describe, expect, it } from 'vitest';
import { createAlias } from '../../src/registry/alias-changes.js';
import { parseFunctionRef } from '../../src/registry/function-ref.js';
import { publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import { registryFromFunctions } from '../../src/registry/template-load.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { refusal, registryWith, value } from './registry-fixture.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';

async function withVersions() {
  const registry = await registryWith(['f']);
  value(await publishVersion(registry, 'f'));
  value(await updateLatest(registry, 'f', { config: { timeout: 8 } }));
  value(await publishVersion(registry, 'f'));
  value(await createAlias(registry, 'f', 'live', { functionVersion: '1' }));
  value(await updateLatest(registry, 'f', { config: { timeout: 20 } }));
  return registry;
}

describe('qualifier resolution', () => {
  it('finds the exact version for names, qualifiers, partial and full ARNs', async () => {
    const registry = await withVersions();
    const cases: Array<[string, string | undefined, string, number]> = [
      ['f', undefined, '$LATEST', 20],
      ['f:$LATEST', undefined, '$LATEST', 20],
      ['f', '$LATEST', '$LATEST', 20],
      ['f:2', undefined, '2', 8],
      ['f', '2', '2', 8],
      ['f:live', 'live', '1', 3],
      [`${ARN}:live`, undefined, '1', 3],
      [ARN, '2', '2', 8],
      ['000000000000:function:f:2', undefined, '2', 8],
      ['us-east-1:000000000000:function:f', undefined, '$LATEST', 20],
      ['function:f:1', undefined, '1', 3],
    ];
    for (const [reference, qualifier, version, timeout] of cases) {
      const target = value(registry.resolve(reference, qualifier));
      expect([target.version, target.record.config.timeout], `${reference} ${qualifier}`).toEqual([version, timeout]);
    }
    expect(value(registry.resolve('f:live')).alias).toBe('live');
    expect(value(registry.resolve('f:1')).alias).toBeUndefined();
  });

  it('answers Lambda\'s errors for what is not there or does not agree', async () => {
    const registry = await withVersions();
    expect(refusal(registry.resolve('g'))).toEqual({ code: 'LAMINA_ERR_FUNCTION_NOT_FOUND', message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:g' });
    expect(refusal(registry.resolve('f:9'))).toEqual({ code: 'LAMINA_ERR_FUNCTION_NOT_FOUND', message: `Function not found: ${ARN}:9` });
    expect(refusal(registry.resolve('f:01')).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
    expect(refusal(registry.resolve('f:LIVE')).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
    expect(refusal(registry.resolve('f', '$latest')).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
    expect(refusal(registry.resolve('f:live', '1'))).toEqual({ code: 'LAMINA_ERR_INVALID_PARAMETER', message: 'The derived qualifier from the function name does not match the specified qualifier.' });
    // Names with other properties' names must not reach the map's prototype.
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(refusal(registry.resolve(name)).code, name).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
  });

  it('ignores the ARN\'s region and account by default, and refuses foreign ones when strict', async () => {
    const loose = await registryWith(['f']);
    expect(value(loose.resolve('arn:aws:lambda:eu-west-1:123456789012:function:f')).version).toBe('$LATEST');
    const strict = await registryWith(['f'], { strictArns: true });
    expect(refusal(strict.resolve('arn:aws:lambda:eu-west-1:000000000000:function:f')).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
    expect(refusal(strict.resolve('123456789012:function:f')).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
    expect(value(strict.resolve('000000000000:function:f')).version).toBe('$LATEST');
  });

  it('loads a template: AutoPublishAlias becomes version 1 and its alias, as the platform serves today', () => {
    const registry = registryFromFunctions([bootstrapFunction('plain'), bootstrapFunction('aliased', { publishedAlias: 'live', reservedConcurrency: 5 })]);
    expect(value(registry.resolve('aliased:live')).version).toBe('1');
    expect(value(registry.resolve('aliased:1')).record.config.name).toBe('aliased');
    expect(refusal(registry.resolve('plain:1')).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
    expect(registry.reservations.reservedFor('aliased')).toBe(5);
    expect(() => registryFromFunctions([bootstrapFunction('x'), bootstrapFunction('x')])).toThrow(/Two functions are named x/);
    expect(() => registryFromFunctions([bootstrapFunction('x', { reservedConcurrency: 950 })])).toThrow(/add up to 950/);
  });
});

describe('parsing references (hostile inputs)', () => {
  it('splits every accepted form', () => {
    expect(value(parseFunctionRef('arn:aws:lambda:us-east-1:123456789012:function:f:prod'))).toEqual({ name: 'f', qualifier: 'prod', region: 'us-east-1', accountId: '123456789012' });
    expect(value(parseFunctionRef('arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f'))).toEqual({ name: 'f', qualifier: undefined, region: 'us-gov-west-1', accountId: '123456789012' });
    expect(value(parseFunctionRef('f:$LATEST'))).toEqual({ name: 'f', qualifier: '$LATEST', region: undefined, accountId: undefined });
  });

  it('refuses malformed ones with ValidationException', () => {
    const bad = [
      '',
      'f:',
      ':f',
      'f::1',
      'f:1:2',
      'f:$LATEST:x',
      'f:$latestx$',
      'arn:aws:lambda:us-east-1:123456789012:function:',
      'arn:aws:lambda:us-east-1:12345:function:f:1:2',
      'f\u0000',
      'fünf',
      'f\u200b',
      'f:1\n',
      '\uD83D\uDE00',
      'f/../g',
      'f ',
      'a'.repeat(171),
      `arn:aws:lambda:us-east-1:123456789012:function:${'a'.repeat(130)}`,
    ];
    for (const raw of bad) expect(refusal(parseFunctionRef(raw)).code, JSON.stringify(raw.slice(0, 40))).toBe('LAMINA_ERR_VALIDATION');
    expect(refusal(parseFunctionRef('a'.repeat(171))).message).toContain('less than or equal to 170');
  });

  it('answers at the 170-character cap: colons repeated up to it, and the longest plain name', () => {
    const near = `${'a:'.repeat(84)}a`;
    expect(refusal(parseFunctionRef(near)).code).toBe('LAMINA_ERR_VALIDATION');
    const longest = 'a'.repeat(170);
    expect(value(parseFunctionRef(longest)).name).toBe(longest);
  });
});
