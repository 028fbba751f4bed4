/**
 * What the invocations a scenario made would have cost on Lambda: read from the server's own
 * `/metrics` (`lambda_estimated_cost_usd`, docs/metrics.md), so the bench and `lamina serve`
 * price a run the same way, from its billed durations and memory sizes.
 */
import { LAMBDA_PRICES } from '../../src/observability/metrics/lambda-prices.js';
import { usd } from '../../src/observability/metrics/cost-estimate.js';

/** The sum over all series of `name` in Prometheus text whose labels contain `match`. */
function sumOf(text: string, name: string, match = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) || !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}

/**
 * One line for a report, or undefined when the server has no `/metrics` or ran nothing.
 *
 * @example const line = await costLine(lamina.url); // 'Cost on Lambda of these 6,000 invocations: $0.0012 ...'
 */
export async function costLine(baseUrl: string): Promise<string | undefined> {
  let text: string;
  try {
    const response = await fetch(`${baseUrl}/metrics`, { headers: { Accept: 'text/plain;version=0.0.4' } });
    if (response.status !== 200) return undefined;
    text = await response.text();
  } catch {
    return undefined;
  }
  const invocations = sumOf(text, 'lambda_invocations_total');
  if (invocations === 0) return undefined;
  const total = sumOf(text, 'lambda_estimated_cost_usd', 'part="total"');
  const afterFree = sumOf(text, 'lambda_estimated_cost_after_free_tier_usd');
  return `Cost on Lambda of the ${invocations.toLocaleString('en-US')} invocations this server ran: ${usd(total)} (${usd(afterFree)} after the monthly free tier; ${LAMBDA_PRICES.region} prices read ${LAMBDA_PRICES.read}, docs/metrics.md).`;
}
