/**
 * The check that chose our open-loop generator over autocannon (bench/harness/generator-check.ts,
 * docs/performance.md): both generators load the same stalling server, two rounds each after an
 * unrecorded warm-up, and every row says what it measured. No timing thresholds: the server stalls
 * 200 ms once a second by construction, so a latency measured from each request's intended send
 * cannot be below what the stall imposes, on any machine.
 */
import { describe, expect, it } from 'vitest';
import { generatorCheck, trueStallPercentile } from '../../bench/harness/generator-check.js';

describe('generatorCheck', () => {
  it('runs ours (corrected and uncorrected) and autocannon (with and without its correction) in alternating rounds', async () => {
    const { rows, skipped } = await generatorCheck({ rate: 200, seconds: 2, connections: 10 });
    // autocannon is a devDependency: it must be found, or the comparison the README quotes cannot be re-run.
    expect(skipped).toEqual([]);
    expect(rows.map((r) => r.generator)).toEqual([
      'ours, from the intended send (corrected), round 1',
      'ours, from the actual send (uncorrected), round 1',
      'autocannon overallRate (its correction), round 1',
      'autocannon overallRate --ignoreCoordinatedOmission, round 1',
      'autocannon overallRate (its correction), round 2',
      'autocannon overallRate --ignoreCoordinatedOmission, round 2',
      'ours, from the intended send (corrected), round 2',
      'ours, from the actual send (uncorrected), round 2',
    ]);
    for (const row of rows) {
      expect(row.requests).toBeGreaterThan(0);
      expect([row.p50, row.p90, row.p99, row.max, row.cpuPerRequestUs].every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      expect(row.p50).toBeLessThanOrEqual(row.p99);
      expect(row.p99).toBeLessThanOrEqual(row.max);
    }
    for (const round of [1, 2]) {
      const corrected = rows.find((r) => r.generator === `ours, from the intended send (corrected), round ${round}`);
      const service = rows.find((r) => r.generator === `ours, from the actual send (uncorrected), round ${round}`);
      // Same requests, two clocks: the intended send is never later than the actual one.
      expect(corrected?.requests).toBe(service?.requests);
      expect(corrected?.p99 ?? 0).toBeGreaterThanOrEqual(service?.p99 ?? Infinity);
      // A fifth of the arrivals land in a stall: from the intended send, p99 is at least the stall's share of it.
      expect(corrected?.p99 ?? 0).toBeGreaterThanOrEqual(trueStallPercentile(99) * 0.5);
      // Two seconds hold at least one whole stall: a request that arrived at its start waited most of it.
      expect(corrected?.max ?? 0).toBeGreaterThanOrEqual(150);
    }
  }, 120_000);
});
