/**
 * The table `lamina serve` prints when it stops (docs/metrics.md, "Cost"): per function, its
 * invocations, errors, throttles, duration p50/p99, GB-seconds and what the run would have cost
 * on Lambda, before and after the free tier.
 */
import type { FunctionCost } from './cost-estimate.js';
import { usd } from './cost-estimate.js';
import type { LambdaFamilies } from './lambda-families.js';
import { LAMBDA_PRICES } from './lambda-prices.js';
import { LogHistogram } from './log-histogram.js';

interface Row {
  invocations: number;
  errors: number;
  throttles: number;
  readonly durations: LogHistogram;
}

function rowsOf(families: LambdaFamilies): Map<string, Row> {
  const rows = new Map<string, Row>();
  const row = (name: string): Row => {
    let r = rows.get(name);
    if (r === undefined) {
      r = { invocations: 0, errors: 0, throttles: 0, durations: new LogHistogram() };
      rows.set(name, r);
    }
    return r;
  };
  for (const s of families.invocations.all()) row(s.values[0] ?? '').invocations += s.value;
  for (const s of families.errors.all()) row(s.values[0] ?? '').errors += s.value;
  for (const s of families.throttles.all()) row(s.values[0] ?? '').throttles += s.value;
  for (const s of families.duration.all()) if (s.histogram !== undefined) row(s.values[0] ?? '').durations.merge(s.histogram);
  return rows;
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 1) : '-';
}

/**
 * The summary, or undefined when nothing was invoked or throttled.
 *
 * @example process.stdout.write(costSummary(metrics.families, estimateCost(metrics.usage())) ?? '');
 */
export function costSummary(families: LambdaFamilies, costs: readonly FunctionCost[]): string | undefined {
  const rows = rowsOf(families);
  if (rows.size === 0) return undefined;
  const byName = new Map(costs.map((c) => [c.functionName, c]));
  const header = ['Function', 'Invocations', 'Errors', 'Throttles', 'p50 ms', 'p99 ms', 'GB-s', 'Cost', 'After free tier'];
  const table: string[][] = [header];
  let total = 0;
  let afterFree = 0;
  for (const [name, row] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    const cost = byName.get(name);
    total += cost?.totalUsd ?? 0;
    afterFree += cost?.afterFreeTierUsd ?? 0;
    table.push([name, String(row.invocations), String(row.errors), String(row.throttles), ms(row.durations.quantile(0.5)), ms(row.durations.quantile(0.99)), (cost?.gbSeconds ?? 0).toFixed(3), usd(cost?.totalUsd ?? 0), usd(cost?.afterFreeTierUsd ?? 0)]);
  }
  if (rows.size > 1) table.push(['(all)', '', '', '', '', '', '', usd(total), usd(afterFree)]);
  const widths = header.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)));
  const lines = table.map((r) => `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')}`.trimEnd());
  return `Lamina: this run on Lambda (${LAMBDA_PRICES.region} prices read ${LAMBDA_PRICES.read} from ${LAMBDA_PRICES.source}; the free tier is a month's, shared):\n${lines.join('\n')}\n`;
}
