/**
 * Metrics as `lamina serve` runs them (docs/metrics.md): made before the platform (the event
 * queue is handed `measure`), attached to its observers once it exists, served at `/metrics` on
 * the Invoke API's port, and summed up with the run's cost when the server stops.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Platform } from '../../platform/platform.js';
import { estimateCost } from './cost-estimate.js';
import { costSummary } from './cost-summary.js';
import { EmfMetrics } from './emf-metrics.js';
import type { Family } from './metrics-registry.js';
import { LambdaMetrics } from './lambda-metrics.js';
import { formatFor, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, renderMetrics } from './openmetrics.js';

export interface StartedMetrics {
  readonly lambda: LambdaMetrics;
  /** For the event queue and the stream pollers (plain data). */
  readonly measure: (functionName: string, name: string, value: number) => void;
  /** Listen to the platform's observers; returns the function that stops listening. */
  attach(platform: Platform): () => void;
  /** Answer `GET /metrics` (and HEAD). */
  serve(req: IncomingMessage, res: ServerResponse): void;
  /** The stop summary (undefined when nothing ran). */
  summary(): string | undefined;
}

/**
 * @example
 * const metrics = startMetrics({ warn: (m) => process.stderr.write(`${m}\n`) });
 * const platform = new Platform({ events: { ...settings, measure: metrics.measure }, ... });
 * metrics.attach(platform);
 * createFrontDoor(platform, { metrics: (req, res) => metrics.serve(req, res) });
 */
export function startMetrics(options: { readonly warn?: (message: string) => void; readonly maxEmfSeries?: number } = {}): StartedMetrics {
  let platform: Platform | undefined;
  const lambda = new LambdaMetrics({
    reserved: (name) => platform?.registry.reservations.reservedFor(name) !== undefined,
    configOf: (name, version) => {
      const config = platform?.registry.version(name, version)?.config;
      return config === undefined ? undefined : { memorySize: config.memorySize, architecture: config.management?.architecture ?? 'x86_64' };
    },
  });
  const emf = new EmfMetrics(lambda.registry, { maxSeries: options.maxEmfSeries, warn: options.warn });
  const registry = lambda.registry;
  const cost = registry.family({ name: 'lambda_estimated_cost_usd', type: 'gauge', unit: 'usd', help: 'What the run would have cost on Lambda so far, in USD, by part (requests, duration, storage, provisioned, total); docs/metrics.md', labels: ['function_name', 'part'] });
  const afterFree = registry.family({ name: 'lambda_estimated_cost_after_free_tier_usd', type: 'gauge', unit: 'usd', help: 'The estimated cost less the monthly free tier (1M requests, 400,000 GB-s), shared in proportion to use', labels: ['function_name'] });
  const refreshCost = (): void => {
    for (const c of estimateCost(lambda.usage())) {
      const set = (part: string, value: number): void => void ((cost as Family).series([c.functionName, part]).value = value);
      set('requests', c.requestsUsd);
      set('duration', c.durationUsd);
      set('storage', c.storageUsd);
      set('provisioned', c.provisionedUsd);
      set('total', c.totalUsd);
      afterFree.series([c.functionName]).value = c.afterFreeTierUsd;
    }
  };
  return {
    lambda,
    measure: lambda.measure,
    attach(target) {
      platform = target;
      const stopLambda = target.observers.add(lambda);
      const stopEmf = target.observers.add({ log: (_environment, line) => emf.line(line) });
      return () => {
        stopLambda();
        stopEmf();
      };
    },
    serve(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Only GET and HEAD are answered at /metrics\n');
        return;
      }
      refreshCost();
      const format = formatFor(req.headers.accept);
      const body = renderMetrics(registry, format);
      res.writeHead(200, { 'Content-Type': format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    summary: () => costSummary(lambda.families, estimateCost(lambda.usage())),
  };
}
