import { describe, expect, it } from 'vitest';
import { EmfMetrics, emfText, parseEmf } from '../../../src/observability/metrics/emf-metrics.js';
import { MetricsRegistry } from '../../../src/observability/metrics/metrics-registry.js';
import { renderMetrics } from '../../../src/observability/metrics/openmetrics.js';
import { parseExposition, sampleValue } from '../../helpers/openmetrics-parser.js';

/** What @aws-lambda-powertools/metrics 2.36.0 printed for addDimension('stage','dev'), two metrics and one of them twice. */
const POWERTOOLS_LINE =
  '{"_aws":{"Timestamp":1796045043631,"CloudWatchMetrics":[{"Namespace":"shop","Dimensions":[["service","stage"]],"Metrics":[{"Name":"successfulBooking","Unit":"Count"},{"Name":"latency","Unit":"Milliseconds"}]}]},"service":"orders","stage":"dev","successfulBooking":1,"latency":[12,30]}';

function scrape(registry: MetricsRegistry): ReturnType<typeof parseExposition> {
  return parseExposition(renderMetrics(registry, 'openmetrics'), 'openmetrics');
}

describe('emfText', () => {
  it('takes a JSON line, the message of a Node console line, and nothing else', () => {
    expect(emfText(POWERTOOLS_LINE)).toBe(POWERTOOLS_LINE);
    expect(emfText(`2026-11-30T13:00:00.000Z\tabc-123\tINFO\t${POWERTOOLS_LINE}`)).toBe(POWERTOOLS_LINE);
    expect(emfText('START RequestId: abc Version: $LATEST')).toBeUndefined();
    expect(emfText('{"no":"aws"}')).toBeUndefined();
    expect(emfText('text mentioning "_aws" in passing')).toBeUndefined();
    expect(emfText(`a\tb\tINFO\tnot json "_aws"`)).toBeUndefined();
    expect(emfText(`{"_aws":${' '.repeat(300 * 1024)}}`)).toBeUndefined();
  });
});

describe('EmfMetrics', () => {
  it('turns a Powertools line into <namespace>_<name> summaries labelled with its dimensions', () => {
    const registry = new MetricsRegistry();
    const emf = new EmfMetrics(registry);
    emf.line(POWERTOOLS_LINE);
    emf.line(`2026-11-30T13:00:00.000Z\tabc-123\tINFO\t${POWERTOOLS_LINE}`);
    const families = scrape(registry);
    const labels = { service: 'orders', stage: 'dev' };
    expect(families.get('shop_successfulBooking')?.type).toBe('summary');
    expect(sampleValue(families, 'shop_successfulBooking_sum', labels)).toBe(2);
    expect(sampleValue(families, 'shop_successfulBooking_count', labels)).toBe(2);
    expect(sampleValue(families, 'shop_latency_sum', labels)).toBe(84);
    expect(sampleValue(families, 'shop_latency_count', labels)).toBe(4);
    expect(families.get('shop_latency')?.help).toContain('unit Milliseconds');
  });

  it('writes one series per dimension set, and none for an empty set', () => {
    const registry = new MetricsRegistry();
    new EmfMetrics(registry).line(JSON.stringify({ _aws: { CloudWatchMetrics: [{ Namespace: 'ns', Dimensions: [['a'], ['a', 'b'], []], Metrics: [{ Name: 'm' }] }] }, a: 'x', b: 'y', m: 5 }));
    const samples = scrape(registry).get('ns_m')?.samples.filter((s) => s.name === 'ns_m_sum') ?? [];
    expect(samples.map((s) => s.labels)).toEqual([{ a: 'x' }, { a: 'x', b: 'y' }, {}]);
  });

  it("takes the object under `message` of Lambda's JSON log format", () => {
    const registry = new MetricsRegistry();
    new EmfMetrics(registry).line(JSON.stringify({ timestamp: 't', level: 'INFO', requestId: 'r', message: JSON.parse(POWERTOOLS_LINE) as unknown }));
    expect(sampleValue(scrape(registry), 'shop_latency_count', { service: 'orders', stage: 'dev' })).toBe(2);
  });

  it('counts invalid EMF and keeps nothing of it', () => {
    const registry = new MetricsRegistry();
    const emf = new EmfMetrics(registry);
    const directive = { Namespace: 'ns', Dimensions: [['d']], Metrics: [{ Name: 'm' }] };
    const bad: unknown[] = [
      { _aws: { CloudWatchMetrics: [{ ...directive, Namespace: '' }] }, d: 'x', m: 1 },
      { _aws: { CloudWatchMetrics: [directive] }, m: 1 },
      { _aws: { CloudWatchMetrics: [directive] }, d: 7, m: 1 },
      { _aws: { CloudWatchMetrics: [directive] }, d: 'x', m: 'one' },
      { _aws: { CloudWatchMetrics: [directive] }, d: 'x', m: [] },
      { _aws: { CloudWatchMetrics: [directive] }, d: 'x', m: Array.from({ length: 101 }, () => 1) },
      { _aws: { CloudWatchMetrics: [{ ...directive, Dimensions: [Array.from({ length: 31 }, (_, i) => `k${i}`)] }] }, d: 'x', m: 1 },
      { _aws: { CloudWatchMetrics: 'no' } },
    ];
    for (const doc of bad) emf.line(JSON.stringify(doc));
    emf.line('{"_aws": not json');
    const families = scrape(registry);
    expect(families.has('ns_m')).toBe(false);
    expect(sampleValue(families, 'lamina_emf_dropped_total', { reason: 'invalid' })).toBe(bad.length + 1);
  });

  it('never lets a function write into Lamina\'s own families nor beside a summary\'s samples', () => {
    const registry = new MetricsRegistry();
    registry.family({ name: 'lambda_invocations', type: 'counter', help: 'h', labels: [] }).series([]).value = 1;
    const emf = new EmfMetrics(registry);
    const one = (namespace: string, name: string): string => JSON.stringify({ _aws: { CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [], Metrics: [{ Name: name }] }] }, [name]: 1 });
    emf.line(one('lambda', 'invocations'));
    emf.line(one('lamina', 'emf_dropped'));
    emf.line(one('orders', 'placed'));
    emf.line(one('orders', 'placed_count'));
    const families = scrape(registry);
    expect(sampleValue(families, 'lambda_invocations_total')).toBe(1);
    expect(sampleValue(families, 'orders_placed_count')).toBe(1);
    expect(families.has('orders_placed_count')).toBe(false);
    expect(sampleValue(families, 'lamina_emf_dropped_total', { reason: 'reserved-name' })).toBe(3);
  });

  it('stops making series at the cap: new ones are dropped and counted, old ones keep counting, one warning', () => {
    const registry = new MetricsRegistry();
    const warnings: string[] = [];
    const emf = new EmfMetrics(registry, { maxSeries: 50, warn: (m) => warnings.push(m) });
    const line = (user: string, value: number): string => JSON.stringify({ _aws: { CloudWatchMetrics: [{ Namespace: 'evil', Dimensions: [['user']], Metrics: [{ Name: 'hits' }] }] }, user, hits: value });
    for (let i = 0; i < 10_000; i += 1) emf.line(line(`user-${i}`, 1));
    emf.line(line('user-0', 41));
    const families = scrape(registry);
    expect(families.get('evil_hits')?.samples.filter((s) => s.name === 'evil_hits_count')).toHaveLength(50);
    expect(sampleValue(families, 'evil_hits_sum', { user: 'user-0' })).toBe(42);
    expect(sampleValue(families, 'lamina_emf_dropped_total', { reason: 'series-limit' })).toBe(10_000 - 50);
    expect(warnings).toHaveLength(1);
  });

  it('renames dimension keys and names Prometheus would refuse, and refuses keys that collide once renamed', () => {
    expect(parseEmf({ _aws: { CloudWatchMetrics: [{ Namespace: 'my.app', Dimensions: [['__x', 'quantile', '9a b']], Metrics: [{ Name: 'req/s' }] }] }, __x: '1', quantile: '2', '9a b': '3', 'req/s': 4 })).toEqual([
      { family: 'my_app_req_s', help: expect.any(String) as string, labels: ['_x', 'quantile_', '_9a_b'], values: ['1', '2', '3'], samples: [4] },
    ]);
    expect(parseEmf({ _aws: { CloudWatchMetrics: [{ Namespace: 'n', Dimensions: [['a.b', 'a_b']], Metrics: [{ Name: 'm' }] }] }, 'a.b': '1', a_b: '2', m: 1 })).toBeUndefined();
  });
});
