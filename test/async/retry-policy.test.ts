/**
 * Lambda's retry rules for asynchronous events (src/async/retry-policy.ts): function-error delays,
 * the throttle backoff, the maximum event age at its boundaries, and the time scale.
 */
import { describe, expect, it } from 'vitest';
import type { AsyncInvokeConfig } from '../../src/async/async-types.js';
import { afterFunctionError, afterThrottle, maxAgeMs, throttleBackoffMs, tooOld } from '../../src/async/retry-policy.js';

const SIX_HOURS = 21_600;
const config = (maximumRetryAttempts: number, maximumEventAgeSeconds = SIX_HOURS): AsyncInvokeConfig => ({ maximumRetryAttempts, maximumEventAgeSeconds });
const ACCEPTED = 1_000_000;

describe('afterFunctionError', () => {
  it('retries after 60 s, then after 120 s, each consuming a retry', () => {
    expect(afterFunctionError(0, ACCEPTED, config(2), { nowMs: ACCEPTED + 500, timeScale: 1 })).toEqual({ kind: 'retry', atMs: ACCEPTED + 500 + 60_000, consumesRetry: true });
    expect(afterFunctionError(1, ACCEPTED, config(2), { nowMs: ACCEPTED + 70_000, timeScale: 1 })).toEqual({ kind: 'retry', atMs: ACCEPTED + 70_000 + 120_000, consumesRetry: true });
  });

  it('scales the delays', () => {
    expect(afterFunctionError(0, ACCEPTED, config(2), { nowMs: ACCEPTED, timeScale: 0.001 })).toMatchObject({ kind: 'retry', atMs: ACCEPTED + 60 });
    expect(afterFunctionError(1, ACCEPTED, config(2), { nowMs: ACCEPTED, timeScale: 0.001 })).toMatchObject({ kind: 'retry', atMs: ACCEPTED + 120 });
    expect(afterFunctionError(0, ACCEPTED, config(2), { nowMs: ACCEPTED, timeScale: 10 })).toMatchObject({ kind: 'retry', atMs: ACCEPTED + 600_000 });
  });

  it('gives up with RetriesExhausted once MaximumRetryAttempts are used', () => {
    const clock = { nowMs: ACCEPTED, timeScale: 1 };
    expect(afterFunctionError(0, ACCEPTED, config(0), clock)).toEqual({ kind: 'give-up', condition: 'RetriesExhausted' });
    expect(afterFunctionError(1, ACCEPTED, config(1), clock)).toEqual({ kind: 'give-up', condition: 'RetriesExhausted' });
    expect(afterFunctionError(2, ACCEPTED, config(2), clock)).toEqual({ kind: 'give-up', condition: 'RetriesExhausted' });
    expect(afterFunctionError(5, ACCEPTED, config(2), clock)).toEqual({ kind: 'give-up', condition: 'RetriesExhausted' });
    expect(afterFunctionError(0, ACCEPTED, config(1), clock).kind).toBe('retry');
  });

  it('gives up with EventAgeExceeded when the retry would come after the maximum age, not at it', () => {
    // Maximum age 60 s: a retry exactly at the limit is made, one ms later is not.
    const atLimit = { nowMs: ACCEPTED, timeScale: 1 };
    expect(afterFunctionError(0, ACCEPTED, config(2, 60), atLimit)).toEqual({ kind: 'retry', atMs: ACCEPTED + 60_000, consumesRetry: true });
    expect(afterFunctionError(0, ACCEPTED, config(2, 60), { nowMs: ACCEPTED + 1, timeScale: 1 })).toEqual({ kind: 'give-up', condition: 'EventAgeExceeded' });
    // The second delay (120 s) is longer than a 100 s maximum age on its own.
    expect(afterFunctionError(1, ACCEPTED, config(2, 100), atLimit)).toEqual({ kind: 'give-up', condition: 'EventAgeExceeded' });
  });

  it('prefers RetriesExhausted over the age when both hold', () => {
    expect(afterFunctionError(2, ACCEPTED, config(2, 60), { nowMs: ACCEPTED + 10_000_000, timeScale: 1 })).toEqual({ kind: 'give-up', condition: 'RetriesExhausted' });
  });

  it('scales the maximum age with the delays', () => {
    const scaled = { timeScale: 0.001 };
    expect(afterFunctionError(0, ACCEPTED, config(2, 60), { nowMs: ACCEPTED, ...scaled })).toMatchObject({ kind: 'retry', atMs: ACCEPTED + 60 });
    expect(afterFunctionError(0, ACCEPTED, config(2, 60), { nowMs: ACCEPTED + 1, ...scaled })).toEqual({ kind: 'give-up', condition: 'EventAgeExceeded' });
  });
});

describe('throttleBackoffMs', () => {
  it('doubles from 1 s and stays at 5 minutes', () => {
    const seq = Array.from({ length: 12 }, (_, i) => throttleBackoffMs(i + 1, 1));
    expect(seq).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000]);
  });

  it('never grows past 5 minutes or below 1 s, for any count', () => {
    for (const n of [0, -1, -1000, 50, 1000, 1e9, Number.MAX_SAFE_INTEGER]) {
      const ms = throttleBackoffMs(n, 1);
      expect(ms).toBeGreaterThanOrEqual(1000);
      expect(ms).toBeLessThanOrEqual(300_000);
    }
    expect(throttleBackoffMs(1e9, 1)).toBe(300_000);
  });

  it('is scaled', () => {
    expect(throttleBackoffMs(3, 0.001)).toBe(4);
    expect(throttleBackoffMs(100, 0.01)).toBe(3000);
  });
});

describe('afterThrottle', () => {
  it('retries with the backoff without consuming a retry', () => {
    expect(afterThrottle(4, ACCEPTED, config(0), { nowMs: ACCEPTED + 100, timeScale: 1 })).toEqual({ kind: 'retry', atMs: ACCEPTED + 100 + 8000, consumesRetry: false });
  });

  it('gives up with EventAgeExceeded only past the maximum age', () => {
    // Maximum age 60 s, backoff 1 s: due at exactly 60 s is made, 1 ms later is not.
    expect(afterThrottle(1, ACCEPTED, config(2, 60), { nowMs: ACCEPTED + 59_000, timeScale: 1 })).toMatchObject({ kind: 'retry', atMs: ACCEPTED + 60_000 });
    expect(afterThrottle(1, ACCEPTED, config(2, 60), { nowMs: ACCEPTED + 59_001, timeScale: 1 })).toEqual({ kind: 'give-up', condition: 'EventAgeExceeded' });
  });
});

describe('maxAgeMs and tooOld', () => {
  it('measures the age from acceptance, scaled, and is too old only past the limit', () => {
    expect(maxAgeMs(config(2, 60), { timeScale: 1 })).toBe(60_000);
    expect(maxAgeMs(config(2), { timeScale: 0.001 })).toBe(21_600);
    expect(tooOld(ACCEPTED, config(2, 60), { nowMs: ACCEPTED + 60_000, timeScale: 1 })).toBe(false);
    expect(tooOld(ACCEPTED, config(2, 60), { nowMs: ACCEPTED + 60_001, timeScale: 1 })).toBe(true);
    expect(tooOld(ACCEPTED, config(2, 60), { nowMs: ACCEPTED + 61, timeScale: 0.001 })).toBe(true);
    // A clock that went backwards does not make an event old.
    expect(tooOld(ACCEPTED, config(2, 60), { nowMs: ACCEPTED - 1_000_000, timeScale: 1 })).toBe(false);
  });
});
