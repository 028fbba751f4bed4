/**
 * The CPU time the observers `lamina serve` runs by default (`/metrics`, the log store's per-line
 * work, the dashboard's model; the store's batched writes happen after the measured loop) spend
 * on one warm invocation (with the store's writes), measured in this process
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
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DashboardModel } from '../../src/observability/dashboard/dashboard-model.js';
import { LogStoreWriter } from '../../src/observability/logs/log-store-writer.js';

/**
 * Microseconds of CPU per invocation heard by the observers (`count` invocations).
 *
 * @example await observerMicroseconds(100_000, '/tmp') // ≈ 5
 */
export async function observerMicroseconds(count: number, tmp: string): Promise<number> {
  const observers = new Observers();
  const root = mkdtempSync(join(tmp, 'lamina-observer-cost-'));
  const store = await LogStoreWriter.open({ root });
  observers.add({ log: (environment, line) => store.append(environment.functionName, environment.logStream, line) });
  const model = new DashboardModel();
  observers.add(model);
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
  // The process's CPU, the store's writes (a batch every 1,000 invocations) included.
  const before = process.cpuUsage();
  for (let i = 0; i < count; i += 1) {
    one();
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  await store.flush();
  const used = process.cpuUsage(before);
  await store.close();
  model.close();
  rmSync(root, { recursive: true, force: true });
  return (used.user + used.system) / count;
}
