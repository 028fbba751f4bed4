import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/platform/admission.js';
import { Reservations } from '../../src/registry/reservations.js';
import { bootstrapFunction } from '../helpers/function-config.js';

const a = bootstrapFunction('a');
const b = bootstrapFunction('b');

describe('Admission over changeable reservations', () => {
  it('reads a reservation at each admission', () => {
    const reservations = new Reservations(110, 100);
    const admission = new Admission(reservations);
    expect(admission.unreservedLimit).toBe(110);
    expect(reservations.put('a', 1).ok).toBe(true);
    expect(admission.unreservedLimit).toBe(109);
    expect(admission.tryAcquire(a)).toBeUndefined();
    expect(admission.tryAcquire(a)).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(reservations.put('a', 2).ok).toBe(true);
    expect(admission.tryAcquire(a)).toBeUndefined();
    expect(admission.inFlight(a)).toBe(2);
  });

  it('gives the unreserved pool back what a function took from it, when its reservation changed in between', () => {
    const reservations = new Reservations(102, 100);
    const admission = new Admission(reservations);
    // Two unreserved invocations of a, then a reserves 2: releasing them must free the unreserved pool.
    expect(admission.tryAcquire(a)).toBeUndefined();
    expect(admission.tryAcquire(a)).toBeUndefined();
    expect(reservations.put('a', 2).ok).toBe(true);
    expect(admission.unreservedLimit).toBe(100);
    admission.release(a);
    admission.release(a);
    for (let i = 0; i < 100; i += 1) expect(admission.tryAcquire(b), `b #${i}`).toBeUndefined();
    expect(admission.tryAcquire(b)).toBe('ConcurrentInvocationLimitExceeded');
  });

  it('does not credit the unreserved pool for invocations charged to a reservation that was then removed', () => {
    const reservations = new Reservations(101, 100, new Map([['a', 1]]));
    const admission = new Admission(reservations);
    expect(admission.tryAcquire(a)).toBeUndefined();
    reservations.delete('a');
    for (let i = 0; i < 101; i += 1) expect(admission.tryAcquire(b), `b #${i}`).toBeUndefined();
    admission.release(a);
    // a's slot was a reserved one: the unreserved pool is still full of b's.
    expect(admission.tryAcquire(b)).toBe('ConcurrentInvocationLimitExceeded');
  });
});
