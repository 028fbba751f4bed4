import { describe, expect, it } from 'vitest';
import { deleteReservedConcurrency, putReservedConcurrency } from '../../src/registry/alias-changes.js';
import { deleteFunction } from '../../src/registry/latest-changes.js';
import { Reservations } from '../../src/registry/reservations.js';
import { refusal, registryWith, value } from './registry-fixture.js';

const BELOW_MINIMUM = "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].";

describe('reserved concurrency', () => {
  it('computes UnreservedConcurrentExecution as the limit less every reservation', async () => {
    const registry = await registryWith(['a', 'b', 'c']);
    expect(registry.accountConcurrency()).toEqual({ ConcurrentExecutions: 1000, UnreservedConcurrentExecution: 1000 });
    value(await putReservedConcurrency(registry, 'a', 300));
    value(await putReservedConcurrency(registry, 'b', 0));
    expect(registry.accountConcurrency().UnreservedConcurrentExecution).toBe(700);
    value(await putReservedConcurrency(registry, 'a', 100));
    expect(registry.accountConcurrency().UnreservedConcurrentExecution).toBe(900);
    expect(registry.reservations.reservedFor('b')).toBe(0);
    value(await deleteReservedConcurrency(registry, 'a'));
    expect(registry.reservations.reservedFor('a')).toBeUndefined();
    expect(registry.accountConcurrency().UnreservedConcurrentExecution).toBe(1000);
  });

  it('keeps at least 100 unreserved: up to exactly the minimum, never past it', async () => {
    const registry = await registryWith(['a', 'b']);
    value(await putReservedConcurrency(registry, 'a', 500));
    expect(refusal(await putReservedConcurrency(registry, 'b', 401))).toEqual({ code: 'LAMINA_ERR_INVALID_PARAMETER', message: BELOW_MINIMUM });
    expect(registry.reservations.reservedFor('b')).toBeUndefined();
    value(await putReservedConcurrency(registry, 'b', 400));
    expect(registry.accountConcurrency().UnreservedConcurrentExecution).toBe(100);
    // Replacing a's own reservation counts only the others.
    value(await putReservedConcurrency(registry, 'a', 500));
    expect(refusal(await putReservedConcurrency(registry, 'a', 501)).code).toBe('LAMINA_ERR_INVALID_PARAMETER');
  });

  it('refuses bad numbers and unknown functions', async () => {
    const registry = await registryWith(['a']);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(refusal(await putReservedConcurrency(registry, 'a', bad)).code, String(bad)).toBe('LAMINA_ERR_VALIDATION');
    expect(refusal(await putReservedConcurrency(registry, 'nope', 5)).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
    expect(refusal(await deleteReservedConcurrency(registry, 'nope')).code).toBe('LAMINA_ERR_FUNCTION_NOT_FOUND');
  });

  it('frees a deleted function\'s reservation', async () => {
    const registry = await registryWith(['a', 'b']);
    value(await putReservedConcurrency(registry, 'a', 900));
    expect(refusal(await putReservedConcurrency(registry, 'b', 1)).code).toBe('LAMINA_ERR_INVALID_PARAMETER');
    value(await deleteFunction(registry, 'a'));
    value(await putReservedConcurrency(registry, 'b', 900));
  });

  it('serialises puts across functions: two that fit alone but not together cannot both pass', async () => {
    let gate = Promise.resolve();
    const registry = await registryWith(['a', 'b'], { beforeCommit: () => gate });
    let release!: () => void;
    // Each write now waits: without the account's turn both checks would run before either put.
    gate = new Promise<void>((resolve) => (release = resolve));
    const first = putReservedConcurrency(registry, 'a', 600);
    const second = putReservedConcurrency(registry, 'b', 600);
    release();
    expect(value(await first)).toBe(600);
    expect(refusal(await second).code).toBe('LAMINA_ERR_INVALID_PARAMETER');
    expect(registry.accountConcurrency().UnreservedConcurrentExecution).toBe(400);
  });

  it('refuses a template whose reservations leave too little, with the account limit given', () => {
    expect(() => new Reservations(200, 100, new Map([['a', 101]]))).toThrow(/add up to 101/);
    expect(new Reservations(200, 100, new Map([['a', 100]])).unreserved).toBe(100);
    expect(() => new Reservations(0)).toThrow(/positive integer/);
  });
});
