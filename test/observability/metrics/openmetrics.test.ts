import { describe, expect, it } from 'vitest';
import { MetricsRegistry, observe } from '../../../src/observability/metrics/metrics-registry.js';
import { formatFor, renderMetrics } from '../../../src/observability/metrics/openmetrics.js';
import { parseExposition, sampleValue } from '../../helpers/openmetrics-parser.js';

/** Label values a function name or an EMF dimension could carry. */
const HOSTILE_STRINGS = ['', '"', '\\', '\\"', '\n', '\r\n', '} 1\n# EOF', 'ünïcødé ✓', '\u0000', 'a'.repeat(4096)];

function registryWithOneOfEach(): MetricsRegistry {
  const registry = new MetricsRegistry();
  const invocations = registry.family({ name: 'lambda_invocations', type: 'counter', help: 'Invocations "quoted" \\ and\nnewline', labels: ['function_name', 'resource'] });
  invocations.series(['fn', 'fn:live']).value = 3;
  invocations.series(['other', 'other']).value = 1;
  registry.family({ name: 'lambda_concurrent_executions', type: 'gauge', help: 'Now', labels: [] }).series([]).value = 2;
  const duration = registry.family({ name: 'lambda_duration_seconds', type: 'summary', help: 'Duration', unit: 'seconds', labels: ['function_name'], quantiles: [0.5, 0.99, 1], divisor: 1000 });
  for (const ms of [10, 20, 30, 40]) observe(duration.series(['fn']), ms);
  duration.series(['never']);
  registry.family({ name: 'empty_family', type: 'counter', help: 'No series: not rendered', labels: [] });
  return registry;
}

describe('renderMetrics', () => {
  it('writes OpenMetrics a strict parser accepts: TYPE, UNIT, HELP, _total, quantiles in seconds, # EOF', () => {
    const text = renderMetrics(registryWithOneOfEach(), 'openmetrics');
    const families = parseExposition(text, 'openmetrics');
    expect([...families.keys()]).toEqual(['lambda_invocations', 'lambda_concurrent_executions', 'lambda_duration_seconds']);
    expect(families.get('lambda_invocations')?.type).toBe('counter');
    expect(families.get('lambda_invocations')?.help).toBe('Invocations \\"quoted\\" \\\\ and\\nnewline');
    expect(families.get('lambda_duration_seconds')?.unit).toBe('seconds');
    expect(sampleValue(families, 'lambda_invocations_total', { function_name: 'fn', resource: 'fn:live' })).toBe(3);
    expect(sampleValue(families, 'lambda_concurrent_executions')).toBe(2);
    expect(sampleValue(families, 'lambda_duration_seconds', { function_name: 'fn', quantile: '1' })).toBe(0.04);
    expect(sampleValue(families, 'lambda_duration_seconds_sum', { function_name: 'fn' })).toBeCloseTo(0.1, 12);
    expect(sampleValue(families, 'lambda_duration_seconds_count', { function_name: 'fn' })).toBe(4);
    // A summary series without observations has a sum and a count, no quantile.
    expect(sampleValue(families, 'lambda_duration_seconds_count', { function_name: 'never' })).toBe(0);
    expect(sampleValue(families, 'lambda_duration_seconds', { function_name: 'never', quantile: '0.5' })).toBeUndefined();
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('writes the Prometheus 0.0.4 text: counters typed by their sample name, no UNIT, no EOF', () => {
    const text = renderMetrics(registryWithOneOfEach(), 'prometheus');
    const families = parseExposition(text, 'prometheus');
    expect(families.get('lambda_invocations_total')?.type).toBe('counter');
    expect(families.get('lambda_duration_seconds')?.type).toBe('summary');
    expect(text).not.toContain('# EOF');
    expect(text).not.toContain('# UNIT');
    expect(() => parseExposition(text, 'openmetrics')).toThrow();
  });

  it('quotes hostile label values so they come back as they were', () => {
    const registry = new MetricsRegistry();
    const family = registry.family({ name: 'x', type: 'gauge', help: 'h', labels: ['v'] });
    HOSTILE_STRINGS.forEach((s, i) => (family.series([s]).value = i));
    family.series(['a"b\\c\nd}e,f="g']).value = -1;
    const families = parseExposition(renderMetrics(registry, 'openmetrics'), 'openmetrics');
    const samples = families.get('x')?.samples ?? [];
    expect(samples.map((s) => s.labels.v)).toEqual([...HOSTILE_STRINGS, 'a"b\\c\nd}e,f="g']);
  });

  it('writes NaN and infinities as the formats spell them', () => {
    const registry = new MetricsRegistry();
    const family = registry.family({ name: 'g', type: 'gauge', help: 'h', labels: ['k'] });
    family.series(['nan']).value = Number.NaN;
    family.series(['inf']).value = Number.POSITIVE_INFINITY;
    family.series(['small']).value = 1e-7;
    const text = renderMetrics(registry, 'openmetrics');
    expect(text).toContain('g{k="nan"} NaN');
    expect(text).toContain('g{k="inf"} +Inf');
    expect(sampleValue(parseExposition(text, 'openmetrics'), 'g', { k: 'small' })).toBe(1e-7);
  });
});

describe('the test parser refuses what scrapers refuse', () => {
  const bad: Array<[string, string]> = [
    ['no EOF', '# TYPE a gauge\na 1\n'],
    ['sample before its family', 'a 1\n# EOF\n'],
    ['split family', '# TYPE a gauge\na{x="1"} 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\na{x="2"} 1\n# EOF\n'],
    ['repeated series', '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n# EOF\n'],
    ['counter without _total', '# TYPE c counter\nc 1\n# EOF\n'],
    ['negative counter', '# TYPE c counter\nc_total -1\n# EOF\n'],
    ['unit not in the name', '# TYPE d gauge\n# UNIT d seconds\nd 1\n# EOF\n'],
    ['bad escape', '# TYPE a gauge\na{x="\\t"} 1\n# EOF\n'],
    ['bad value', '# TYPE a gauge\na 1,5\n# EOF\n'],
    ['summary quantile out of range', '# TYPE s summary\ns{quantile="2"} 1\n# EOF\n'],
  ];
  for (const [what, text] of bad) it(what, () => expect(() => parseExposition(text, 'openmetrics')).toThrow());
});

describe('formatFor', () => {
  it('answers OpenMetrics unless text/plain is preferred', () => {
    expect(formatFor(undefined)).toBe('openmetrics');
    expect(formatFor('*/*')).toBe('openmetrics');
    expect(formatFor('text/plain; version=0.0.4')).toBe('prometheus');
    expect(formatFor('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe('openmetrics');
    expect(formatFor('application/openmetrics-text;q=0.2, text/plain;q=0.9')).toBe('prometheus');
    expect(formatFor('text/plain;q=bogus')).toBe('openmetrics');
  });
});
