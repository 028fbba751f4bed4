/**
 * What Lambda charges, as a table in the code (docs/metrics.md, "Cost"). Prices of US East
 * (N. Virginia), us-east-1, in USD, from https://aws.amazon.com/lambda/pricing/ and the tier
 * breakpoints from https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/,
 * read on 2026-11-30. Prices change: this is an estimate of the order of magnitude a run would
 * have cost, not a bill (no Savings Plans, no data transfer, no other services).
 */

export type Architecture = 'x86_64' | 'arm64';

/** A price that holds up to `upTo` GB-seconds a month (cumulative), then the next tier's. */
export interface Tier {
  readonly upTo: number;
  readonly perGbSecond: number;
}

export interface PriceTable {
  readonly source: string;
  readonly read: string;
  readonly region: string;
  readonly perRequest: number;
  /** On-demand duration, tiered by the month's GB-seconds of the architecture. */
  readonly duration: Readonly<Record<Architecture, readonly Tier[]>>;
  /** Ephemeral storage above the free 512 MB, per GB-second. */
  readonly storagePerGbSecond: number;
  /** Ephemeral storage every function has without charge (MB). */
  readonly freeStorageMb: number;
  /** Provisioned concurrency: kept (per GB-second configured) and the duration run on it. */
  readonly provisioned: Readonly<Record<Architecture, { readonly keptPerGbSecond: number; readonly durationPerGbSecond: number }>>;
  /** Each month, shared across architectures; not for functions with provisioned concurrency. */
  readonly freeTier: { readonly requests: number; readonly gbSeconds: number };
}

export const LAMBDA_PRICES: PriceTable = {
  source: 'https://aws.amazon.com/lambda/pricing/',
  read: '2026-11-30',
  region: 'us-east-1',
  // $0.20 per 1M requests.
  perRequest: 0.2 / 1_000_000,
  duration: {
    x86_64: [
      { upTo: 6e9, perGbSecond: 0.0000166667 },
      { upTo: 15e9, perGbSecond: 0.000015 },
      { upTo: Number.POSITIVE_INFINITY, perGbSecond: 0.0000133334 },
    ],
    arm64: [
      { upTo: 7.5e9, perGbSecond: 0.0000133334 },
      { upTo: 18.75e9, perGbSecond: 0.0000120001 },
      { upTo: Number.POSITIVE_INFINITY, perGbSecond: 0.0000106667 },
    ],
  },
  storagePerGbSecond: 0.0000000309,
  freeStorageMb: 512,
  provisioned: {
    x86_64: { keptPerGbSecond: 0.0000041667, durationPerGbSecond: 0.0000097222 },
    arm64: { keptPerGbSecond: 0.0000033334, durationPerGbSecond: 0.0000077778 },
  },
  freeTier: { requests: 1_000_000, gbSeconds: 400_000 },
};

/**
 * The price of `gbSeconds` of on-demand duration, through the tiers.
 *
 * @example tieredCost(1, LAMBDA_PRICES.duration.x86_64) // 0.0000166667
 */
export function tieredCost(gbSeconds: number, tiers: readonly Tier[]): number {
  let cost = 0;
  let from = 0;
  for (const tier of tiers) {
    if (gbSeconds <= from) break;
    cost += (Math.min(gbSeconds, tier.upTo) - from) * tier.perGbSecond;
    from = tier.upTo;
  }
  return cost;
}
