/**
 * `/metrics` of a real `lamina serve` (limits and isolation as by default): the counts match the
 * invocations made, including a throttle (reserved concurrency 1, two invokes at once), a
 * function error, a timeout and an asynchronous event; a function's EMF lines become custom
 * metrics (our own handler writing Powertools' shape, and the real @aws-lambda-powertools/metrics
 * when it is installed); the cost summary is printed at the stop. Scrapes are checked by a strict
 * parser of both text formats.
 */
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { type ParsedFamily, parseExposition, sampleValue } from '../helpers/openmetrics-parser.js';
import { serveProject } from '../helpers/serve-process.js';

const project = serveProject('lamina-metrics-');

const HANDLER = `export const handler = async (event) => {
  if (event.ms) await new Promise((resolve) => setTimeout(resolve, event.ms));
  if (event.fail) throw new Error('asked to fail');
  // The line @aws-lambda-powertools/metrics prints (its shape, written by hand).
  process.stdout.write(JSON.stringify({ _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'e2e', Dimensions: [['service']], Metrics: [{ Name: 'handled', Unit: 'Count' }] }] }, service: 'worker', handled: 1 }) + '\\n');
  return { ok: true };
};
`;

const POWERTOOLS_HANDLER = `import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
const metrics = new Metrics({ namespace: 'shop', serviceName: 'orders' });
export const handler = async () => {
  metrics.addMetric('placed', MetricUnit.Count, 2);
  metrics.publishStoredMetrics();
  return 'ok';
};
`;

/** Where @aws-lambda-powertools/metrics is installed (the project's devDependency, or LAMINA_POWERTOOLS_NODE_MODULES), if it is. */
function powertoolsModules(): string | undefined {
  const given = process.env.LAMINA_POWERTOOLS_NODE_MODULES;
  if (given !== undefined) return existsSync(join(given, '@aws-lambda-powertools', 'metrics')) ? given : undefined;
  // The package's exports hide its package.json from require.resolve: look for it on disk.
  const installed = join(PROJECT_ROOT, 'node_modules');
  return existsSync(join(installed, '@aws-lambda-powertools', 'metrics', 'package.json')) ? installed : undefined;
}

const POWERTOOLS = powertoolsModules();

function template(withPowertools: boolean): string {
  const powertools = `
  Powertools:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: powertools/
`;
  return `Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: worker/
      MemorySize: 256
      ReservedConcurrentExecutions: 1
  Slow:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: worker/
      Timeout: 1
${withPowertools ? powertools : ''}`;
}

async function invoke(base: string, name: string, event: unknown, type = 'RequestResponse'): Promise<Response> {
  const response = await fetch(`${base}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(event), headers: { 'X-Amz-Invocation-Type': type } });
  await response.arrayBuffer();
  return response;
}

async function scrape(base: string, accept?: string): Promise<{ contentType: string | null; families: Map<string, ParsedFamily> }> {
  const response = await fetch(`${base}/metrics`, accept === undefined ? {} : { headers: { Accept: accept } });
  expect(response.status).toBe(200);
  const contentType = response.headers.get('content-type');
  const text = await response.text();
  return { contentType, families: parseExposition(text, contentType?.startsWith('text/plain') === true ? 'prometheus' : 'openmetrics') };
}

describe('lamina serve /metrics', () => {
  it('counts what was invoked: invocations, errors, a timeout, a throttle, an async event, EMF; the cost summary at the stop', async () => {
    mkdirSync(join(project.dir, 'worker'));
    writeFileSync(join(project.dir, 'worker', 'index.mjs'), HANDLER);
    if (POWERTOOLS !== undefined) {
      const code = join(project.dir, 'powertools');
      mkdirSync(join(code, 'node_modules'), { recursive: true });
      writeFileSync(join(code, 'index.mjs'), POWERTOOLS_HANDLER);
      for (const pkg of ['@aws-lambda-powertools/metrics', '@aws-lambda-powertools/commons', '@aws/lambda-invoke-store']) {
        if (existsSync(join(POWERTOOLS, pkg))) cpSync(join(POWERTOOLS, pkg), join(code, 'node_modules', pkg), { recursive: true });
      }
    }
    const serve = await project.start(template(POWERTOOLS !== undefined), ['--port', '0', '--host-node', '--sqs-port', '0', '--events-port', '0', '--s3-port', '0', '--kinesis-port', '0'], /Metrics \(OpenMetrics[^:]*: (http:\S+)\/metrics/);
    const base = /Metrics \(OpenMetrics[^:]*: (http:\S+)\/metrics/.exec(serve.output())?.[1] ?? '';

    expect((await invoke(base, 'Worker', {})).status).toBe(200);
    expect((await invoke(base, 'Worker', {})).status).toBe(200);
    const failed = await invoke(base, 'Worker', { fail: true });
    expect(failed.headers.get('x-amz-function-error')).toBe('Unhandled');
    // Reserved concurrency 1: of two invokes at once, one runs and one is throttled.
    const pair = await Promise.all([invoke(base, 'Worker', { ms: 1500 }), invoke(base, 'Worker', { ms: 1500 })]);
    expect(pair.map((r) => r.status).sort()).toEqual([200, 429]);
    const slow = await invoke(base, 'Slow', { ms: 3000 });
    expect(slow.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect((await invoke(base, 'Worker', {}, 'Event')).status).toBe(202);
    if (POWERTOOLS !== undefined) expect((await invoke(base, 'Powertools', {})).status).toBe(200);

    const worker = { function_name: 'Worker', resource: 'Worker', executed_version: '$LATEST' };
    // The queued event runs shortly after its 202.
    await expect.poll(async () => sampleValue((await scrape(base)).families, 'lambda_invocations_total', worker), { timeout: 20_000 }).toBe(5);
    const { contentType, families } = await scrape(base);
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(sampleValue(families, 'lambda_errors_total', worker)).toBe(1);
    expect(sampleValue(families, 'lambda_throttles_total', worker)).toBe(1);
    expect(sampleValue(families, 'lambda_duration_seconds_count', worker)).toBe(5);
    expect(sampleValue(families, 'lambda_duration_seconds', { ...worker, quantile: '1' })).toBeGreaterThanOrEqual(1.5);
    expect(sampleValue(families, 'lambda_concurrent_executions_max', worker)).toBe(1);
    expect(sampleValue(families, 'lambda_concurrent_executions', worker)).toBe(0);
    expect(sampleValue(families, 'lambda_init_duration_seconds_count', worker)).toBe(1);
    const slowDims = { function_name: 'Slow', resource: 'Slow', executed_version: '$LATEST' };
    expect(sampleValue(families, 'lambda_invocations_total', slowDims)).toBe(1);
    expect(sampleValue(families, 'lambda_errors_total', slowDims)).toBe(1);
    expect(sampleValue(families, 'lambda_async_events_received_total', { function_name: 'Worker' })).toBe(1);
    expect(sampleValue(families, 'lambda_async_event_age_seconds_count', { function_name: 'Worker' })).toBe(1);
    // Four successful Worker invocations (two, one of the pair, the event) each printed one EMF line.
    expect(sampleValue(families, 'e2e_handled_sum', { service: 'worker' })).toBe(4);
    if (POWERTOOLS !== undefined) expect(sampleValue(families, 'shop_placed_sum', { service: 'orders' })).toBe(2);
    // 5 requests at 256 MB and 1 at 128 MB: a cost, all of it within the free tier.
    expect(sampleValue(families, 'lambda_estimated_cost_usd', { function_name: 'Worker', part: 'requests' })).toBeCloseTo(5 * 0.0000002, 12);
    expect(sampleValue(families, 'lambda_estimated_cost_after_free_tier_usd', { function_name: 'Worker' })).toBe(0);

    const plain = await scrape(base, 'text/plain;version=0.0.4');
    expect(plain.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sampleValue(plain.families, 'lambda_invocations_total', worker)).toBe(5);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);

    expect(await serve.stop()).toBe(0);
    expect(serve.output()).toMatch(/Lamina: this run on Lambda \(us-east-1 prices read \d{4}-\d{2}-\d{2}/);
    expect(serve.output()).toMatch(/\n\s+Worker\s+5\s+1\s+1\s/);
    expect(serve.output()).toMatch(/\n\s+Slow\s+1\s+1\s+0\s/);
  }, 120_000);
  if (POWERTOOLS === undefined) it.skip('runs a real @aws-lambda-powertools/metrics function (not installed: add the devDependency or set LAMINA_POWERTOOLS_NODE_MODULES)', () => undefined);
});
