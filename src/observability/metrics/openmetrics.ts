/**
 * The registry as text (docs/metrics.md, "Exposition"): the OpenMetrics 1.0 text format, or
 * Prometheus' older `text/plain; version=0.0.4` when the scraper's Accept header prefers it.
 * Both share the sample lines; they differ in the metadata (`# UNIT`, the counter's TYPE name,
 * `# EOF`) and in escaping of HELP text.
 */
import type { Family, MetricsRegistry, Series } from './metrics-registry.js';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type ExpositionFormat = 'openmetrics' | 'prometheus';

const DEFAULT_QUANTILES: readonly number[] = [0.5, 0.9, 0.99];

/**
 * Which format an Accept header asks for: the one of the two with the higher q (OpenMetrics on a
 * tie, and when neither is named, e.g. `*\/*` or no header).
 *
 * @example formatFor('text/plain;version=0.0.4') // 'prometheus'
 */
export function formatFor(accept: string | undefined): ExpositionFormat {
  if (accept === undefined) return 'openmetrics';
  let openmetrics = -1;
  let plain = -1;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') openmetrics = Math.max(openmetrics, q);
    else if (type === 'text/plain') plain = Math.max(plain, q);
  }
  return plain > openmetrics ? 'prometheus' : 'openmetrics';
}

/** A label value as both formats quote it. */
function quoted(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function helpText(help: string, format: ExpositionFormat): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}

/** A number as a sample value: integers plainly, others in JavaScript's shortest form. */
function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts: string[] = [];
  for (let i = 0; i < names.length; i += 1) parts.push(`${names[i] ?? ''}="${quoted(values[i] ?? '')}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function seriesLines(family: Family, series: Series, out: string[]): void {
  const { name, type } = family.spec;
  const labels = series.names ?? family.spec.labels;
  if (type !== 'summary') {
    out.push(`${name}${type === 'counter' ? '_total' : ''}${labelText(labels, series.values)} ${numberText(series.value)}`);
    return;
  }
  const histogram = series.histogram;
  // Divided, not multiplied by 0.001: 35.6 ms shows as 0.0356, not 0.035600000000000004.
  const divisor = family.spec.divisor ?? 1;
  if (histogram !== undefined && histogram.count > 0) {
    for (const q of family.spec.quantiles ?? DEFAULT_QUANTILES) {
      out.push(`${name}${labelText(labels, series.values, `quantile="${q}"`)} ${numberText(histogram.quantile(q) / divisor)}`);
    }
  }
  out.push(`${name}_sum${labelText(labels, series.values)} ${numberText(series.value / divisor)}`);
  out.push(`${name}_count${labelText(labels, series.values)} ${numberText(series.count)}`);
}

/**
 * Render every family with at least one series.
 *
 * @example
 * res.setHeader('Content-Type', OPENMETRICS_CONTENT_TYPE);
 * res.end(renderMetrics(registry, 'openmetrics'));
 */
export function renderMetrics(registry: MetricsRegistry, format: ExpositionFormat): string {
  const out: string[] = [];
  for (const family of registry.families()) {
    if (family.size === 0) continue;
    const { name, type, help, unit } = family.spec;
    // Prometheus 0.0.4 names a counter's metadata by its sample name; OpenMetrics by the family.
    const metaName = format === 'prometheus' && type === 'counter' ? `${name}_total` : name;
    if (format === 'openmetrics') {
      out.push(`# TYPE ${metaName} ${type}`);
      if (unit !== undefined) out.push(`# UNIT ${metaName} ${unit}`);
      out.push(`# HELP ${metaName} ${helpText(help, format)}`);
    } else {
      out.push(`# HELP ${metaName} ${helpText(help, format)}`);
      out.push(`# TYPE ${metaName} ${type}`);
    }
    for (const series of family.all()) seriesLines(family, series, out);
  }
  if (format === 'openmetrics') out.push('# EOF');
  return `${out.join('\n')}\n`;
}
