/**
 * `/metrics` on the Invoke API's port (docs/metrics.md): routed after the invoke paths, answered
 * without a signature when the front door verifies them (scrapers do not sign), while invokes and
 * every other path still need one.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetrics } from '../../src/observability/metrics/serve-metrics.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { parseExposition, sampleValue } from '../helpers/openmetrics-parser.js';

const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
let lamina: RunningLamina;

beforeAll(async () => {
  const metrics = startMetrics();
  lamina = await startLamina([bootstrapFunction('echo')], {}, { verifySignatures: { credentials: [KEY] }, metrics: (req, res) => metrics.serve(req, res) });
  metrics.attach(lamina.platform);
});

afterAll(async () => {
  await lamina.stop();
});

describe('/metrics at the front door', () => {
  it('answers an unsigned scrape with the signed invokes counted; other unsigned calls are refused', async () => {
    const client = new LambdaClient({ endpoint: lamina.url, region: 'us-east-1', credentials: KEY, maxAttempts: 1 });
    await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') }));
    await client.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: '$LATEST', Payload: Buffer.from('{}') }));
    const scrape = await fetch(`${lamina.url}/metrics`);
    expect(scrape.status).toBe(200);
    const families = parseExposition(await scrape.text(), 'openmetrics');
    expect(sampleValue(families, 'lambda_invocations_total', { function_name: 'echo', resource: 'echo', executed_version: '$LATEST' })).toBe(1);
    expect(sampleValue(families, 'lambda_invocations_total', { function_name: 'echo', resource: 'echo:$LATEST' })).toBe(1);
    const head = await fetch(`${lamina.url}/metrics?name=x`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${lamina.url}/metricsx`)).status).toBe(403);
    expect((await fetch(`${lamina.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{}' })).status).toBe(403);
  });
});
