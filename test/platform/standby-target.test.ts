/** LAMINA_STANDBYS (docs/isolation.md, "Prepared environments") is checked, not silently replaced. */
import { expect, it } from 'vitest';
import { standbyTarget } from '../../src/platform/sandbox-factory.js';

it('reads LAMINA_STANDBYS and refuses a value that is not a whole number from 1 to 1000', () => {
  expect(standbyTarget({})).toBe(1);
  expect(standbyTarget({ LAMINA_STANDBYS: '' })).toBe(1);
  expect(standbyTarget({ LAMINA_STANDBYS: '100' })).toBe(100);
  for (const bad of ['0', '1001', 'many', '2.5', '-3', ' 4']) {
    expect(() => standbyTarget({ LAMINA_STANDBYS: bad })).toThrow(/LAMINA_STANDBYS must be a whole number from 1 to 1000/);
  }
});
