import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../../src/observability/metrics/cost-estimate.js';
import { LambdaMetrics } from '../../../src/observability/metrics/lambda-metrics.js';
import { renderMetrics } from '../../../src/observability/metrics/openmetrics.js';
import type { PhaseEvent, PhaseStatus } from '../../../src/observability/phase-records.js';
import type { ObservedEnvironment } from '../../../src/observability/platform-observer.js';
import type { Invocation } from '../../../src/platform/invocation.js';
import { parseExposition, sampleValue } from '../../helpers/openmetrics-parser.js';

function environment(version: string, provisioned = false): ObservedEnvironment {
  return { functionName: 'fn', version, logStream: `2026/11/30/[${version}]${Math.random().toString(16).slice(2)}`, provisioned };
}

function invocation(qualifier: string | undefined, fn: Record<string, unknown> = {}): Invocation {
  return { request: { qualifier }, fn: { memorySize: 1024, ephemeralStorageMb: 512, ...fn } } as unknown as Invocation;
}

const start: PhaseEvent = { type: 'platform.start', record: { requestId: 'r', version: '1' } };

function report(status: PhaseStatus, durationMs: number, initDurationMs?: number): PhaseEvent {
  return { type: 'platform.report', record: { requestId: 'r', status, metrics: { durationMs, billedDurationMs: Math.ceil(durationMs), memorySizeMB: 1024, maxMemoryUsedMB: 60, ...(initDurationMs === undefined ? {} : { initDurationMs }) } } };
}

/** One invocation through an environment: start, then its report. */
function invoke(metrics: LambdaMetrics, env: ObservedEnvironment, inv: Invocation, status: PhaseStatus, ms: number, init?: number): void {
  metrics.environment(env, 'invoking');
  metrics.phase(env, start, inv);
  metrics.phase(env, report(status, ms, init), inv);
  metrics.environment(env, 'idle');
}

function scrape(metrics: LambdaMetrics): ReturnType<typeof parseExposition> {
  return parseExposition(renderMetrics(metrics.registry, 'openmetrics'), 'openmetrics');
}

describe('LambdaMetrics', () => {
  it('counts invocations and errors by function, resource and executed version; timeouts are errors', () => {
    const metrics = new LambdaMetrics();
    const v1 = environment('1');
    metrics.environment(v1, 'initializing');
    invoke(metrics, v1, invocation('live'), 'success', 10, 150);
    invoke(metrics, v1, invocation('live'), 'error', 20);
    invoke(metrics, v1, invocation('live'), 'timeout', 3000);
    invoke(metrics, v1, invocation('1'), 'success', 5);
    invoke(metrics, v1, invocation(undefined), 'failure', 5);
    const families = scrape(metrics);
    const live = { function_name: 'fn', resource: 'fn:live', executed_version: '1' };
    expect(sampleValue(families, 'lambda_invocations_total', live)).toBe(3);
    expect(sampleValue(families, 'lambda_errors_total', live)).toBe(2);
    expect(sampleValue(families, 'lambda_invocations_total', { resource: 'fn:1' })).toBe(1);
    // A platform failure is not the function's error (Lamina does not produce one yet).
    expect(sampleValue(families, 'lambda_errors_total', { resource: 'fn' })).toBe(0);
    expect(sampleValue(families, 'lambda_duration_seconds', { ...live, quantile: '1' })).toBe(3);
    expect(sampleValue(families, 'lambda_duration_seconds_count', live)).toBe(3);
    expect(sampleValue(families, 'lambda_init_duration_seconds_count', live)).toBe(1);
    expect(sampleValue(families, 'lambda_init_duration_seconds_sum', live)).toBeCloseTo(0.15, 9);
  });

  it('follows concurrency: running now, the most at once, the unreserved part; an environment that dies mid-invocation frees its slot', () => {
    let reserved = false;
    const metrics = new LambdaMetrics({ reserved: () => reserved });
    const [a, b] = [environment('$LATEST'), environment('$LATEST')];
    for (const env of [a, b]) {
      metrics.environment(env, 'initializing');
      metrics.phase(env, start, invocation(undefined));
    }
    let families = scrape(metrics);
    const dims = { function_name: 'fn', resource: 'fn', executed_version: '$LATEST' };
    expect(sampleValue(families, 'lambda_concurrent_executions', dims)).toBe(2);
    expect(sampleValue(families, 'lambda_unreserved_concurrent_executions')).toBe(2);
    metrics.phase(a, report('success', 1), invocation(undefined));
    // Retiring, b still runs its invocation; then it dies without a report.
    metrics.environment(b, 'retiring');
    expect(sampleValue(scrape(metrics), 'lambda_concurrent_executions', dims)).toBe(1);
    metrics.environment(b, 'dead');
    reserved = true;
    metrics.environment(a, 'invoking');
    metrics.phase(a, start, invocation(undefined));
    families = scrape(metrics);
    expect(sampleValue(families, 'lambda_concurrent_executions', dims)).toBe(1);
    expect(sampleValue(families, 'lambda_concurrent_executions_max', dims)).toBe(2);
    expect(sampleValue(families, 'lambda_unreserved_concurrent_executions')).toBe(0);
  });

  it('counts provisioned invocations, spillover and utilization, and prices the provisioned time kept', () => {
    let now = 0;
    const metrics = new LambdaMetrics({ now: () => now, configOf: () => ({ memorySize: 2048, architecture: 'arm64' }) });
    const [p1, p2, od] = [environment('3', true), environment('3', true), environment('3')];
    for (const env of [p1, p2]) metrics.environment(env, 'initializing');
    metrics.environment(p1, 'invoking');
    metrics.phase(p1, start, invocation('live'));
    let families = scrape(metrics);
    expect(sampleValue(families, 'lambda_provisioned_concurrency_utilization', { function_name: 'fn', executed_version: '3' })).toBe(0.5);
    expect(sampleValue(families, 'lambda_provisioned_concurrent_executions', { resource: 'fn:live' })).toBe(1);
    metrics.phase(p1, report('success', 100), invocation('live'));
    metrics.environment(od, 'initializing');
    invoke(metrics, od, invocation('live'), 'success', 100);
    now = 10_000;
    families = scrape(metrics);
    expect(sampleValue(families, 'lambda_provisioned_concurrency_invocations_total', { resource: 'fn:live' })).toBe(1);
    expect(sampleValue(families, 'lambda_provisioned_concurrency_spillover_invocations_total', { resource: 'fn:live' })).toBe(1);
    expect(sampleValue(families, 'lambda_provisioned_concurrency_utilization', { executed_version: '3' })).toBe(0);
    // Two 2 GB provisioned environments for 10 s: 40 GB-s kept.
    const [usage] = metrics.usage();
    expect(usage?.keptGbSeconds).toBeCloseTo(40, 9);
    expect(usage?.provisionedRequests).toBe(1);
    expect(usage?.requests).toBe(1);
    metrics.environment(p2, 'retiring');
    now = 20_000;
    expect(metrics.usage()[0]?.keptGbSeconds).toBeCloseTo(20 + 40, 9);
  });

  it('prices billed GB-seconds by architecture and ephemeral storage above 512 MB', () => {
    const metrics = new LambdaMetrics();
    const env = environment('$LATEST');
    metrics.environment(env, 'initializing');
    invoke(metrics, env, invocation(undefined, { ephemeralStorageMb: 2560, management: { architecture: 'arm64' } }), 'success', 999.2);
    const [usage] = metrics.usage();
    expect(usage?.architecture).toBe('arm64');
    expect(usage?.gbSeconds).toBeCloseTo(1, 12);
    expect(usage?.storageGbSeconds).toBeCloseTo(2, 12);
    expect(estimateCost(metrics.usage())[0]?.durationUsd).toBeCloseTo(0.0000133334, 14);
  });

  it('counts caller throttles apart from queued attempts, and the queue and pollers measurements', () => {
    const metrics = new LambdaMetrics();
    metrics.throttled({ functionName: 'fn', version: '$LATEST', qualifier: undefined, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', queued: false });
    metrics.throttled({ functionName: 'fn', version: '$LATEST', qualifier: undefined, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', queued: true });
    metrics.measure('fn', 'AsyncEventsReceived', 1);
    metrics.measure('fn', 'AsyncEventsReceived', 1);
    metrics.measure('fn', 'AsyncEventAge', 250);
    metrics.measure('fn', 'DeadLetterErrors', 1);
    metrics.measure('fn', 'IteratorAge', 1500);
    metrics.measure('fn', 'NotAMetric', 1);
    const families = scrape(metrics);
    expect(sampleValue(families, 'lambda_throttles_total', { function_name: 'fn', resource: 'fn' })).toBe(1);
    expect(sampleValue(families, 'lamina_async_throttled_attempts_total', { function_name: 'fn' })).toBe(1);
    expect(sampleValue(families, 'lambda_async_events_received_total', { function_name: 'fn' })).toBe(2);
    expect(sampleValue(families, 'lambda_async_event_age_seconds', { function_name: 'fn', quantile: '1' })).toBe(0.25);
    expect(sampleValue(families, 'lambda_dead_letter_errors_total', { function_name: 'fn' })).toBe(1);
    expect(sampleValue(families, 'lambda_iterator_age_seconds_sum', { function_name: 'fn' })).toBe(1.5);
  });
});
