/**
 * The metric families `/metrics` serves (docs/metrics.md): counters, gauges and summaries, each
 * series named by its label values. Plain data, rendered by ./openmetrics.ts; fed by the platform
 * observer of ./lambda-metrics.ts and the EMF reader of ./emf-metrics.ts.
 */
import { LogHistogram } from './log-histogram.js';

export type MetricType = 'counter' | 'gauge' | 'summary';

/** One series: its label values (in the family's label order) and its value or histogram. */
export interface Series {
  /** Its own label names, when they are not the family's (EMF dimension sets differ). */
  readonly names: readonly string[] | undefined;
  readonly values: readonly string[];
  /** A counter's or gauge's value; a summary's sum. */
  value: number;
  /** A summary's count. */
  count: number;
  /** Summaries with quantiles only. */
  readonly histogram: LogHistogram | undefined;
}

export interface FamilySpec {
  /** The family name: counters without `_total`, units as the name's last word (`_seconds`). */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** OpenMetrics `# UNIT` (the name must end with `_<unit>`). */
  readonly unit?: string | undefined;
  readonly labels: readonly string[];
  /** Summaries: the quantiles shown (default 0.5, 0.9, 0.99). */
  readonly quantiles?: readonly number[] | undefined;
  /** Summaries: what values are divided by when shown (1000: recorded in ms, shown in seconds). */
  readonly divisor?: number | undefined;
}

/**
 * Record one value into a summary series: its sum and count, and its quantiles if it has them.
 *
 * @example observe(family.series(['fn']), 12.5)
 */
export function observe(series: Series, value: number): void {
  series.value += value;
  series.count += 1;
  series.histogram?.record(value);
}

/**
 * @example
 * const invocations = new Family({ name: 'lambda_invocations', type: 'counter', help: '...', labels: ['function_name'] });
 * invocations.series(['fn']).value += 1;
 */
export class Family {
  readonly spec: FamilySpec;
  readonly #series = new Map<string, Series>();

  constructor(spec: FamilySpec) {
    this.spec = spec;
  }

  get size(): number {
    return this.#series.size;
  }

  /** The series of these label values, made when first asked for. */
  series(values: readonly string[]): Series {
    return this.#get(values.join('\u0000'), undefined, values);
  }

  /** The series of these label names and values (its own names), made when first asked for. */
  seriesWith(names: readonly string[], values: readonly string[]): Series {
    return this.#get(`${names.join('\u0000')}\u0001${values.join('\u0000')}`, names, values);
  }

  /** Is there a series of these names and values already (seriesWith would not make one)? */
  has(names: readonly string[], values: readonly string[]): boolean {
    return this.#series.has(`${names.join('\u0000')}\u0001${values.join('\u0000')}`);
  }

  #get(key: string, names: readonly string[] | undefined, values: readonly string[]): Series {
    let series = this.#series.get(key);
    if (series === undefined) {
      const quantiles = this.spec.type === 'summary' && (this.spec.quantiles === undefined || this.spec.quantiles.length > 0);
      series = { names: names === undefined ? undefined : [...names], values: [...values], value: 0, count: 0, histogram: quantiles ? new LogHistogram() : undefined };
      this.#series.set(key, series);
    }
    return series;
  }

  all(): IterableIterator<Series> {
    return this.#series.values();
  }
}

/**
 * Families in the order they were made (the order they are rendered).
 *
 * @example
 * const registry = new MetricsRegistry();
 * const throttles = registry.family({ name: 'lambda_throttles', type: 'counter', help: 'Throttled invokes', labels: ['function_name'] });
 */
export class MetricsRegistry {
  readonly #families = new Map<string, Family>();

  /** The family of this name, made when first asked for (a second spec of the same name is ignored). */
  family(spec: FamilySpec): Family {
    let family = this.#families.get(spec.name);
    if (family === undefined) {
      family = new Family(spec);
      this.#families.set(spec.name, family);
    }
    return family;
  }

  get(name: string): Family | undefined {
    return this.#families.get(name);
  }

  families(): IterableIterator<Family> {
    return this.#families.values();
  }
}
