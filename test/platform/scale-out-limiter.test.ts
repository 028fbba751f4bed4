import { describe, expect, it } from 'vitest';
import { ScaleOutLimiter } from '../../src/platform/scale-out-limiter.js';
import { Platform } from '../../src/platform/platform.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

describe('ScaleOutLimiter', () => {
  it('lets a burst of its capacity through, then queues the rest in order', async () => {
    const limiter = new ScaleOutLimiter(3, 300);
    const order: number[] = [];
    const takes = Array.from({ length: 5 }, (_, i) => limiter.take().then(() => order.push(i)));
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2]);
    expect(limiter.queued).toBe(2);
    await Promise.all(takes);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new ScaleOutLimiter(0, 1000)).toThrow(RangeError);
  });
});

describe('scale-out in the platform', () => {
  it('queues environment starts past the rate instead of throttling the callers', async () => {
    const platform = new Platform({ functions: [bootstrapFunction('echo')], shutdownGraceMs: 100, scaleOut: { environments: 1, perMs: 400 } });
    try {
      const outcomes = await Promise.all([0, 1, 2].map((i) => platform.invoke(invokeRequest('echo', { echo: i, sleepMs: 100 }))));
      expect(outcomes.map((o) => o.result.kind)).toEqual(['response', 'response', 'response']);
      expect(platform.pool('echo')?.size).toBe(3);
    } finally {
      await platform.stop();
    }
  });
});
