/**
 * What a run would have cost on Lambda (docs/metrics.md, "Cost"), per function, from what its
 * invocations used: requests, GB-seconds of billed duration by architecture, ephemeral storage
 * above 512 MB, and provisioned concurrency. The run is priced as if it were a whole month's use:
 * tiers and the free tier are the month's, shared across the account's functions.
 */
import { type Architecture, LAMBDA_PRICES, type PriceTable, tieredCost } from './lambda-prices.js';

/** What one function used (kept by ./lambda-metrics.ts from the report records). */
export interface FunctionUsage {
  readonly functionName: string;
  readonly architecture: Architecture;
  /** Invocations on on-demand environments, and their billed GB-seconds. */
  requests: number;
  gbSeconds: number;
  /** Invocations on provisioned environments, and their billed GB-seconds. */
  provisionedRequests: number;
  provisionedGbSeconds: number;
  /** Provisioned concurrency kept: environments × memory (GB) × seconds they lived. */
  keptGbSeconds: number;
  /** Ephemeral storage above the free 512 MB: GB × billed seconds. */
  storageGbSeconds: number;
}

export interface FunctionCost {
  readonly functionName: string;
  readonly requests: number;
  readonly gbSeconds: number;
  /** USD: requests, duration (on-demand and provisioned), storage, provisioned concurrency kept. */
  readonly requestsUsd: number;
  readonly durationUsd: number;
  readonly storageUsd: number;
  readonly provisionedUsd: number;
  readonly totalUsd: number;
  /** What is left once the free tier (shared in proportion to use) is taken off. */
  readonly afterFreeTierUsd: number;
}

/**
 * @example
 * estimateCost([{ functionName: 'f', architecture: 'x86_64', requests: 2_000_000, gbSeconds: 10, provisionedRequests: 0, provisionedGbSeconds: 0, keptGbSeconds: 0, storageGbSeconds: 0 }])
 * // [{ functionName: 'f', requestsUsd: 0.4, afterFreeTierUsd: 0.2, ... }]
 */
export function estimateCost(usages: readonly FunctionUsage[], prices: PriceTable = LAMBDA_PRICES): FunctionCost[] {
  // On-demand duration is tiered by the month's GB-seconds of each architecture: each function
  // pays its share of its architecture's tiered total.
  const byArchitecture: Record<Architecture, number> = { x86_64: 0, arm64: 0 };
  let onDemandRequests = 0;
  let onDemandGbSeconds = 0;
  for (const usage of usages) {
    byArchitecture[usage.architecture] += usage.gbSeconds;
    onDemandRequests += usage.requests;
    onDemandGbSeconds += usage.gbSeconds;
  }
  const rate = (architecture: Architecture): number => {
    const total = byArchitecture[architecture];
    return total === 0 ? 0 : tieredCost(total, prices.duration[architecture]) / total;
  };
  // The free tier covers on-demand requests and GB-seconds only, each function its share.
  const freeRequests = onDemandRequests === 0 ? 0 : Math.min(1, prices.freeTier.requests / onDemandRequests);
  const freeGbSeconds = onDemandGbSeconds === 0 ? 0 : Math.min(1, prices.freeTier.gbSeconds / onDemandGbSeconds);
  return usages.map((usage) => {
    const provisioned = prices.provisioned[usage.architecture];
    const onDemandRequestsUsd = usage.requests * prices.perRequest;
    const onDemandDurationUsd = usage.gbSeconds * rate(usage.architecture);
    const requestsUsd = onDemandRequestsUsd + usage.provisionedRequests * prices.perRequest;
    const durationUsd = onDemandDurationUsd + usage.provisionedGbSeconds * provisioned.durationPerGbSecond;
    const storageUsd = usage.storageGbSeconds * prices.storagePerGbSecond;
    const provisionedUsd = usage.keptGbSeconds * provisioned.keptPerGbSecond;
    const totalUsd = requestsUsd + durationUsd + storageUsd + provisionedUsd;
    const free = onDemandRequestsUsd * freeRequests + onDemandDurationUsd * freeGbSeconds;
    return {
      functionName: usage.functionName,
      requests: usage.requests + usage.provisionedRequests,
      gbSeconds: usage.gbSeconds + usage.provisionedGbSeconds,
      requestsUsd,
      durationUsd,
      storageUsd,
      provisionedUsd,
      totalUsd,
      afterFreeTierUsd: Math.max(0, totalUsd - free),
    };
  });
}

/**
 * A dollar figure for people: cents and above with 2 decimals, tenths of a cent with 3
 * significant digits, smaller amounts (a local run's usual) in exponent form.
 *
 * @example usd(0.000123456) // '$1.23e-4'
 */
export function usd(value: number): string {
  if (value === 0) return '$0';
  if (value >= 0.01) return `$${value.toFixed(2)}`;
  if (value >= 0.001) return `$${value.toPrecision(3)}`;
  return `$${value.toExponential(2)}`;
}
