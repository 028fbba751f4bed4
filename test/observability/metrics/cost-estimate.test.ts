import { describe, expect, it } from 'vitest';
import { estimateCost, type FunctionUsage, usd } from '../../../src/observability/metrics/cost-estimate.js';
import { LAMBDA_PRICES, tieredCost } from '../../../src/observability/metrics/lambda-prices.js';

function usage(over: Partial<FunctionUsage> & { functionName: string }): FunctionUsage {
  return { architecture: 'x86_64', requests: 0, gbSeconds: 0, provisionedRequests: 0, provisionedGbSeconds: 0, keptGbSeconds: 0, storageGbSeconds: 0, ...over };
}

describe('the price table', () => {
  it('says where and when it was read, and holds the us-east-1 prices', () => {
    expect(LAMBDA_PRICES.source).toBe('https://aws.amazon.com/lambda/pricing/');
    expect(LAMBDA_PRICES.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(LAMBDA_PRICES.perRequest * 1_000_000).toBeCloseTo(0.2, 12);
    expect(LAMBDA_PRICES.duration.x86_64[0]?.perGbSecond).toBe(0.0000166667);
    expect(LAMBDA_PRICES.duration.arm64[0]?.perGbSecond).toBe(0.0000133334);
    expect(LAMBDA_PRICES.freeTier).toEqual({ requests: 1_000_000, gbSeconds: 400_000 });
  });

  it('prices GB-seconds through the tiers', () => {
    const x86 = LAMBDA_PRICES.duration.x86_64;
    expect(tieredCost(0, x86)).toBe(0);
    expect(tieredCost(6e9, x86)).toBeCloseTo(6e9 * 0.0000166667, 3);
    expect(tieredCost(16e9, x86)).toBeCloseTo(6e9 * 0.0000166667 + 9e9 * 0.000015 + 1e9 * 0.0000133334, 3);
  });
});

describe('estimateCost', () => {
  it('prices the pricing page example: 512 MB, 3M invocations of 1 s (x86)', () => {
    // 3M requests, 1,500,000 GB-s: before the free tier $0.60 + $25.00; after it 2M requests
    // ($0.40) and 1,100,000 GB-s ($18.33), as the page's example ($18.34 with its rounded price).
    const [cost] = estimateCost([usage({ functionName: 'f', requests: 3_000_000, gbSeconds: 1_500_000 })]);
    expect(cost?.requestsUsd).toBeCloseTo(0.6, 9);
    expect(cost?.durationUsd).toBeCloseTo(1_500_000 * 0.0000166667, 9);
    expect(cost?.afterFreeTierUsd).toBeCloseTo(0.4 + 1_100_000 * 0.0000166667, 6);
  });

  it('prices arm64 lower, shares the free tier in proportion to use, and leaves a small run free', () => {
    const costs = estimateCost([
      usage({ functionName: 'x', requests: 10, gbSeconds: 2 }),
      usage({ functionName: 'a', architecture: 'arm64', requests: 10, gbSeconds: 2 }),
    ]);
    expect(costs[0]?.durationUsd).toBeCloseTo(2 * 0.0000166667, 12);
    expect(costs[1]?.durationUsd).toBeCloseTo(2 * 0.0000133334, 12);
    expect(costs.map((c) => c.afterFreeTierUsd)).toEqual([0, 0]);
    expect(costs[0]?.totalUsd).toBeCloseTo(10 * 0.0000002 + 2 * 0.0000166667, 12);
  });

  it('charges storage above 512 MB and provisioned concurrency, which the free tier does not cover', () => {
    const [cost] = estimateCost([usage({ functionName: 'p', provisionedRequests: 5, provisionedGbSeconds: 10, keptGbSeconds: 3600, storageGbSeconds: 100 })]);
    expect(cost?.storageUsd).toBeCloseTo(100 * 0.0000000309, 15);
    expect(cost?.provisionedUsd).toBeCloseTo(3600 * 0.0000041667, 12);
    expect(cost?.durationUsd).toBeCloseTo(10 * 0.0000097222, 12);
    expect(cost?.afterFreeTierUsd).toBeCloseTo(cost?.totalUsd ?? -1, 15);
    expect(cost?.requests).toBe(5);
  });

  it('writes dollars for people', () => {
    expect(usd(0)).toBe('$0');
    expect(usd(12.345)).toBe('$12.35');
    expect(usd(0.00123456)).toBe('$0.00123');
    expect(usd(0.000123456)).toBe('$1.23e-4');
  });
});
