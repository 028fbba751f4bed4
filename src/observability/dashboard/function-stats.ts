/**
 * One function's counters on the dashboard: invocations, cold and warm starts, errors, throttles
 * and its latency histogram, counted from report records and throttles (docs/dashboard.md).
 */
import type { FunctionStatsView } from './dashboard-protocol.js';
import { LatencyHistogram } from './latency-histogram.js';

/**
 * @example
 * const stats = new FunctionStats();
 * stats.report(true, 'success', 12.5);
 * stats.view('hello'); // { functionName: 'hello', invocations: 1, cold: 1, warm: 0, ... }
 */
export class FunctionStats {
  #invocations = 0;
  #cold = 0;
  #warm = 0;
  #errors = 0;
  #throttles = 0;
  readonly #latency = new LatencyHistogram();

  /** One invocation's report: a cold start or not, its status and duration. */
  report(cold: boolean, status: string, durationMs: number): void {
    this.#invocations += 1;
    if (cold) this.#cold += 1;
    else this.#warm += 1;
    if (status !== 'success') this.#errors += 1;
    this.#latency.add(durationMs);
  }

  throttled(): void {
    this.#throttles += 1;
  }

  view(functionName: string): FunctionStatsView {
    return { functionName, invocations: this.#invocations, cold: this.#cold, warm: this.#warm, errors: this.#errors, throttles: this.#throttles, latency: this.#latency.view() };
  }
}
