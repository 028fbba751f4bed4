/**
 * The stop order of `lamina serve`'s parts (src/cli/teardown.ts): reverse of their start, on
 * shutdown and when a later part fails to start; each step once; a failing stop does not keep the
 * others from running.
 */
import { describe, expect, it, vi } from 'vitest';
import { once, Teardown } from '../../src/cli/teardown.js';

describe('Teardown', () => {
  it('stops the parts latest first', async () => {
    const order: string[] = [];
    const t = new Teardown();
    t.add(() => order.push('lock'));
    await t.start(async () => 'queue', (p) => order.push(p));
    await t.start(() => 'server', (p) => order.push(p));
    await t.run();
    expect(order).toEqual(['server', 'queue', 'lock']);
  });

  it('a part that fails to start stops what started before it, and its error reaches the caller (wrapped when asked)', async () => {
    const order: string[] = [];
    const t = new Teardown();
    t.add(() => order.push('lock'));
    await t.start(() => 'platform', async (p) => { await new Promise((r) => setTimeout(r, 5)); order.push(p); });
    await expect(t.start(() => { throw new Error('port 4010 is taken'); }, () => order.push('never'), (e) => new RangeError(`wrapped: ${e.message}`))).rejects.toThrow(/^wrapped: port 4010 is taken$/);
    expect(order).toEqual(['platform', 'lock']);
    await t.run();
    expect(order).toEqual(['platform', 'lock']);
  });

  it('a stop that throws does not keep the others from running, and is reported', async () => {
    const order: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const t = new Teardown();
    t.add(() => order.push('first'));
    t.add(() => { throw new Error('boom'); });
    t.add(() => order.push('last'));
    await t.run();
    const printed = write.mock.calls.map((c) => String(c[0])).join('');
    write.mockRestore();
    expect(order).toEqual(['last', 'first']);
    expect(printed).toContain('1 part(s) did not stop cleanly: Error: boom');
  });

  it('once runs a stop added at two places one time', async () => {
    let closes = 0;
    const close = once(() => { closes += 1; });
    const t = new Teardown();
    t.add(close);
    t.add(() => undefined);
    t.add(close);
    await t.run();
    expect(closes).toBe(1);
  });
});
