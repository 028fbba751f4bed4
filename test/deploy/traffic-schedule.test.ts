/** The schedule table: every predefined type's steps, exact weights, and durations. */
import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_TYPES } from '../../src/config/deployment-preference.js';
import { shiftDurationMs, trafficSteps } from '../../src/deploy/traffic-schedule.js';

const MINUTE = 60_000;

describe('trafficSteps', () => {
  it('shifts a canary\'s 10% at once and the rest after its interval', () => {
    expect(trafficSteps('Canary10Percent5Minutes')).toEqual([{ atMs: 0, weight: 0.1 }, { atMs: 5 * MINUTE, weight: 1 }]);
    expect(trafficSteps('Canary10Percent30Minutes')).toEqual([{ atMs: 0, weight: 0.1 }, { atMs: 30 * MINUTE, weight: 1 }]);
  });

  it('adds 10% each interval for linear types, in exact decimals, all traffic after nine intervals', () => {
    const steps = trafficSteps('Linear10PercentEvery3Minutes');
    expect(steps.map((s) => s.weight)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(steps.map((s) => s.atMs / MINUTE)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
  });

  it('moves everything at once for AllAtOnce', () => {
    expect(trafficSteps('AllAtOnce')).toEqual([{ atMs: 0, weight: 1 }]);
  });

  it('gives every type increasing times and weights ending at 1, and the duration its name says', () => {
    const expected: Record<string, number> = {
      AllAtOnce: 0,
      Canary10Percent5Minutes: 5,
      Canary10Percent10Minutes: 10,
      Canary10Percent15Minutes: 15,
      Canary10Percent30Minutes: 30,
      Linear10PercentEvery1Minute: 9,
      Linear10PercentEvery2Minutes: 18,
      Linear10PercentEvery3Minutes: 27,
      Linear10PercentEvery10Minutes: 90,
    };
    for (const type of DEPLOYMENT_TYPES) {
      const steps = trafficSteps(type);
      expect(steps.at(-1)?.weight, type).toBe(1);
      for (let i = 1; i < steps.length; i += 1) {
        expect(steps[i]!.atMs, type).toBeGreaterThan(steps[i - 1]!.atMs);
        expect(steps[i]!.weight, type).toBeGreaterThan(steps[i - 1]!.weight);
      }
      expect(shiftDurationMs(type), type).toBe((expected[type] ?? Number.NaN) * MINUTE);
    }
  });
});
