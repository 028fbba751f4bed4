/**
 * The CPU time the `/metrics` observers and the log store's per-line work (./log-shape.ts; its
 * 200 ms batched writes are left out) spend on one warm invocation, measured in this process
 * on the records and lines an invocation makes (an environment going busy, its start record,
 * START/END/REPORT lines and a line of its own, its report record, idle again). A loaded
 * machine stretches latencies, not CPU time: this bounds the observers' share of a warm invoke
 * when the latency ratio is drowned in noise.
 */
import { startMetrics } from '../../src/observability/metrics/serve-metrics.js';
import type { PhaseEvent } from '../../src/observability/phase-records.js';
import type { ObservedEnvironment } from '../../src/observability/platform-observer.js';
import { Observers } from '../../src/observability/platform-observer.js';
import type { Invocation } from '../../src/platform/invocation.js';
import { logShape } from './log-shape.js';

/**
 * Microseconds of CPU per invocation heard by the observers (`count` invocations).
 *
 * @example observerMicroseconds(100_000, '/tmp/logs') // ≈ 1.5
 */
export function observerMicroseconds(count: number, logsDir: string): number {
  const observers = new Observers();
  const shape = logShape(logsDir);
  observers.add(shape);
  const metrics = startMetrics();
  metrics.attach({ observers, registry: { reservations: { reservedFor: () => undefined }, version: () => undefined } } as unknown as Parameters<typeof metrics.attach>[0]);
  const env: ObservedEnvironment = { functionName: 'Observed', version: '$LATEST', logStream: '2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef', provisioned: false };
  const invocation = { request: { qualifier: undefined }, fn: { ephemeralStorageMb: 512 } } as unknown as Invocation;
  const start: PhaseEvent = { type: 'platform.start', record: { requestId: 'r', version: '$LATEST' } };
  const report: PhaseEvent = { type: 'platform.report', record: { requestId: 'r', status: 'success', metrics: { durationMs: 0.42, billedDurationMs: 1, memorySizeMB: 3008, maxMemoryUsedMB: 40 } } };
  const lines = ['START RequestId: r Version: $LATEST', '2026-11-30T13:00:00.000Z\tr\tINFO\thandled order 42', 'END RequestId: r', 'REPORT RequestId: r\tDuration: 0.42 ms\tBilled Duration: 1 ms\tMemory Size: 3008 MB\tMax Memory Used: 40 MB'];
  const one = (): void => {
    observers.environment(env, 'invoking');
    observers.phase(env, start, invocation);
    for (const line of lines) observers.log(env, line, invocation);
    observers.phase(env, report, invocation);
    observers.environment(env, 'idle');
  };
  for (let i = 0; i < Math.min(10_000, count); i += 1) one();
  const before = process.cpuUsage();
  for (let i = 0; i < count; i += 1) one();
  const used = process.cpuUsage(before);
  // The writes it would have made are not part of the per-line work measured here.
  shape.stop();
  return (used.user + used.system) / count;
}
