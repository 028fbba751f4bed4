/**
 * Identifiers minted on the invoke hot path: the X-Ray trace header's shape (docs/runtime-api.md,
 * `Lambda-Runtime-Trace-Id`), uniqueness across refills of the random pool, request ids.
 */
import { describe, expect, it } from 'vitest';
import { newLogStreamName, newRequestId, newTraceId } from '../../src/platform/ids.js';

describe('ids', () => {
  it('makes trace headers in the X-Ray shape with the epoch seconds of the invoke', () => {
    const now = Date.UTC(2026, 10, 27, 1, 2, 3);
    const epoch = Math.floor(now / 1000).toString(16);
    expect(newTraceId(now)).toMatch(new RegExp(`^Root=1-${epoch}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$`));
  });

  it('never repeats a trace id, also across refills of the random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i += 1) seen.add(newTraceId(0)); // 1000 x 20 bytes: several 4 KB refills
    expect(seen.size).toBe(1000);
  });

  it('makes UUID request ids and CloudWatch-style log stream names', () => {
    expect(newRequestId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newLogStreamName(new Date(Date.UTC(2026, 10, 27)), '$LATEST')).toMatch(/^2026\/11\/27\/\[\$LATEST\][0-9a-f]{32}$/);
  });
});
