/**
 * Custom metrics from functions' log lines in CloudWatch's Embedded Metric Format (docs/metrics.md,
 * "Custom metrics"), the JSON object Powertools for AWS Lambda and aws-embedded-metrics print:
 * `{"_aws":{"CloudWatchMetrics":[{"Namespace":..,"Dimensions":[[..]],"Metrics":[{"Name":..,"Unit":..}]}]}, <dimension and metric members>}`.
 * Each metric becomes the summary `<Namespace>_<Name>` (its `_sum` and `_count`), one series per
 * dimension set, labelled with the dimensions' values.
 *
 * Bounded: a function inventing dimension values cannot make `/metrics` grow without end. Past
 * `maxSeries` series (all EMF families together), values for new series are dropped and counted
 * in `lamina_emf_dropped_total{reason="series-limit"}`; the series already there keep counting.
 */
import { type Family, type MetricsRegistry, observe } from './metrics-registry.js';

/** CloudWatch's own limits of one EMF object. */
const MAX_METRICS = 100;
const MAX_DIMENSIONS = 30;
const MAX_VALUES = 100;
/** A CloudWatch Logs event is at most 256 KB: longer lines are not EMF that Lambda would take. */
const MAX_LINE = 256 * 1024;

export interface EmfOptions {
  /** The most EMF series kept (default 10,000). */
  readonly maxSeries?: number | undefined;
  /** Told once when the limit is first reached. */
  readonly warn?: ((message: string) => void) | undefined;
}

/** One metric value set of one dimension set, ready for the registry. */
export interface EmfSample {
  readonly family: string;
  readonly help: string;
  readonly labels: readonly string[];
  readonly values: readonly string[];
  readonly samples: readonly number[];
}

/**
 * The JSON text of an EMF line, or undefined: the line itself when it starts with `{`, or the
 * message of a Node runtime's console line (`<time>\t<request id>\t<LEVEL>\t{...}`). The cheap
 * test (`"_aws"` somewhere in it) comes first: most lines are not EMF.
 *
 * @example emfText('{"_aws":{}}') // '{"_aws":{}}'
 */
export function emfText(line: string): string | undefined {
  if (line.length > MAX_LINE || !line.includes('"_aws"')) return undefined;
  if (line.charCodeAt(0) === 123) return line;
  let at = -1;
  for (let i = 0; i < 3; i += 1) {
    at = line.indexOf('\t', at + 1);
    if (at < 0) return undefined;
  }
  return line.charCodeAt(at + 1) === 123 ? line.slice(at + 1) : undefined;
}

/** A name as Prometheus allows it: `[a-zA-Z_][a-zA-Z0-9_]*` (colons are kept for recording rules). */
function metricName(text: string): string {
  const name = text.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** A label name: as a metric name, and never `__...` (reserved) nor `quantile` (a summary's own). */
function labelName(text: string): string {
  const name = metricName(text).replace(/^_+/, '_');
  return name === 'quantile' || name === '' ? `${name}_` : name;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numbersOf(value: unknown): number[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.length > MAX_VALUES) return undefined;
  for (const v of list) if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  return list as number[];
}

/**
 * The samples of one EMF object, or undefined when it is not valid EMF (as CloudWatch would not
 * extract it): a directive without a Namespace, a dimension without its value, a metric without
 * a number.
 *
 * @example
 * parseEmf({ _aws: { CloudWatchMetrics: [{ Namespace: 'shop', Dimensions: [['service']], Metrics: [{ Name: 'orders', Unit: 'Count' }] }] }, service: 'api', orders: 2 })
 * // [{ family: 'shop_orders', labels: ['service'], values: ['api'], samples: [2], ... }]
 */
export function parseEmf(root: unknown): EmfSample[] | undefined {
  if (!isObject(root)) return undefined;
  // Lambda's JSON log format puts what console.log was given under `message`.
  const doc = isObject(root._aws) ? root : isObject(root.message) && isObject(root.message._aws) ? root.message : undefined;
  const aws = doc?._aws;
  if (doc === undefined || !isObject(aws) || !Array.isArray(aws.CloudWatchMetrics)) return undefined;
  const out: EmfSample[] = [];
  for (const directive of aws.CloudWatchMetrics) {
    if (!isObject(directive) || typeof directive.Namespace !== 'string' || directive.Namespace === '') return undefined;
    const { Namespace: namespace, Dimensions: dimensions, Metrics: metrics } = directive;
    if (!Array.isArray(metrics) || metrics.length > MAX_METRICS) return undefined;
    // No dimension set at all still publishes the metric, without dimensions.
    const sets = dimensions === undefined || (Array.isArray(dimensions) && dimensions.length === 0) ? [[]] : dimensions;
    if (!Array.isArray(sets)) return undefined;
    const labelled: Array<{ labels: string[]; values: string[] }> = [];
    for (const set of sets) {
      if (!Array.isArray(set) || set.length > MAX_DIMENSIONS) return undefined;
      const labels: string[] = [];
      const values: string[] = [];
      for (const key of set) {
        const value = typeof key === 'string' ? doc[key] : undefined;
        if (typeof key !== 'string' || typeof value !== 'string') return undefined;
        const label = labelName(key);
        if (labels.includes(label)) return undefined;
        labels.push(label);
        values.push(value);
      }
      labelled.push({ labels, values });
    }
    for (const metric of metrics) {
      if (!isObject(metric) || typeof metric.Name !== 'string' || metric.Name === '') return undefined;
      const samples = numbersOf(doc[metric.Name]);
      if (samples === undefined) return undefined;
      const unit = typeof metric.Unit === 'string' ? metric.Unit : 'None';
      const family = metricName(`${namespace}_${metric.Name}`);
      const help = `Embedded metric ${metric.Name} of namespace ${namespace} (unit ${unit}) from function logs`;
      for (const { labels, values } of labelled) out.push({ family, help, labels, values, samples });
    }
  }
  return out;
}

/**
 * @example
 * const emf = new EmfMetrics(registry, { maxSeries: 10_000 });
 * platform.observers.add({ log: (_env, line) => emf.line(line) });
 */
export class EmfMetrics {
  readonly #registry: MetricsRegistry;
  readonly #maxSeries: number;
  readonly #warn: (message: string) => void;
  readonly #dropped: Family;
  readonly #ours = new Set<Family>();
  #series = 0;
  #warned = false;

  constructor(registry: MetricsRegistry, options: EmfOptions = {}) {
    this.#registry = registry;
    this.#maxSeries = options.maxSeries ?? 10_000;
    this.#warn = options.warn ?? (() => undefined);
    this.#dropped = registry.family({ name: 'lamina_emf_dropped', type: 'counter', help: 'Embedded metric values not kept: invalid EMF, a name Lamina uses, or past the series limit', labels: ['reason'] });
  }

  /** A log line: kept when it is EMF. */
  line(line: string): void {
    const text = emfText(line);
    if (text === undefined) return;
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch {
      this.#drop('invalid', 1);
      return;
    }
    const samples = parseEmf(root);
    if (samples === undefined) this.#drop('invalid', 1);
    else for (const sample of samples) this.#keep(sample);
  }

  #keep(sample: EmfSample): void {
    const existing = this.#registry.get(sample.family);
    if (existing !== undefined && !this.#ours.has(existing)) return this.#drop('reserved-name', sample.samples.length);
    if (existing === undefined && this.#clashes(sample.family)) return this.#drop('reserved-name', sample.samples.length);
    const family = existing ?? this.#registry.family({ name: sample.family, type: 'summary', help: sample.help, labels: [], quantiles: [] });
    this.#ours.add(family);
    if (!family.has(sample.labels, sample.values)) {
      if (this.#series >= this.#maxSeries) {
        if (!this.#warned) this.#warn(`lamina: more than ${this.#maxSeries} embedded metric series: values of new series are dropped (lamina_emf_dropped_total{reason="series-limit"})`);
        this.#warned = true;
        return this.#drop('series-limit', sample.samples.length);
      }
      this.#series += 1;
    }
    const series = family.seriesWith(sample.labels, sample.values);
    for (const value of sample.samples) observe(series, value);
  }

  /** A new family whose samples would read as another family's: Lamina's own, or `x_sum` beside `x`. */
  #clashes(name: string): boolean {
    if (name.startsWith('lambda_') || name.startsWith('lamina_')) return true;
    const suffix = /_(sum|count|total|created|bucket|info)$/.exec(name);
    if (suffix !== null && this.#registry.get(name.slice(0, -suffix[0].length)) !== undefined) return true;
    return ['_sum', '_count', '_total', '_created', '_bucket', '_info'].some((s) => this.#registry.get(`${name}${s}`) !== undefined);
  }

  #drop(reason: 'invalid' | 'reserved-name' | 'series-limit', values: number): void {
    this.#dropped.series([reason]).value += values;
  }
}
