/**
 * A real published extension as a layer: Serverless's OpenTelemetry extension
 * (`@serverless/aws-lambda-otel-extension-dist@0.1.11`, fetched from the npm registry at test
 * time, test/helpers/otel-extension.ts). It is an external extension (Extensions API, and the Logs
 * API `/2020-08-15/logs` for `platform.report`, to `http://sandbox:4243`) plus an exec wrapper
 * (`AWS_LAMBDA_EXEC_WRAPPER=/opt/otel-extension/otel-handler`) that loads OpenTelemetry's Lambda
 * instrumentation into the runtime with `NODE_OPTIONS=--require`; the instrumentation patches the
 * handler module when the runtime client `require`s it, and posts each invocation's spans to the
 * extension, which sends OTLP metrics and traces to `SLS_OTEL_REPORT_METRICS_URL` /
 * `SLS_OTEL_REPORT_TRACES_URL`: here a small collector of the test's, on the host's address.
 *
 * Runs as root only: the extension and its wrapper name `/opt/...` paths, which exist only in an
 * environment's own mount namespace, and it listens on the host name `sandbox`, which the
 * environment's own /etc/hosts resolves. Twice: under full isolation, and with `--no-isolation`'s
 * limits (the host's network, a private mount namespace whose /etc/hosts names `sandbox` too).
 *
 * Reports are protobuf (`SLS_OTEL_REPORT_TYPE=proto`, the extension's default): with `json` and a
 * URL this version posts `String(object)`, that is `[object Object]` (node-fetch 2 with a plain
 * object body), so the collector would learn nothing. The test decodes them with the layer's own
 * protobufjs and .proto files.
 */
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync, chmodSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import { customRuntimeFunction } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { ensureOtelExtensionLayer, OTEL_LAYER_DIR } from '../helpers/otel-extension.js';

const limits = detectSandboxLimits();

/** An address of this host that is not loopback: an isolated function reaches the host there. */
function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return undefined;
}

const layerProblem = limits.filesystem === true ? ensureOtelExtensionLayer() : 'needs root: the extension uses /opt paths and the host name sandbox (docs/isolation.md)';
const modes = [
  {
    mode: 'isolated',
    limits,
    collectorHost: hostAddress(),
    skip:
      limits.isolation === undefined
        ? 'needs full isolation (root, the native launcher)'
        : hostAddress() === undefined
          ? 'this host has no non-loopback IPv4 address for the collector'
          : limits.outbound?.available !== true
            ? 'isolated functions have no outbound link here (docs/isolation.md), so they cannot reach the collector'
            : layerProblem,
  },
  // `lamina serve --no-isolation` (src/cli/serve-command.ts): the host's network, so its loopback.
  { mode: 'no-isolation', limits: { ...limits, isolation: undefined, outbound: undefined }, collectorHost: '127.0.0.1', skip: layerProblem },
];
for (const { mode, skip } of modes) if (skip !== undefined) console.warn(`[otel extension] ${mode} skipped: ${skip}`);

interface Received {
  readonly path: string;
  readonly body: Buffer;
}

let lamina: RunningLamina | undefined;
let collector: Server | undefined;
afterEach(async () => {
  await lamina?.stop();
  lamina = undefined;
  collector?.close();
  collector = undefined;
});

/** Decode an OTLP export request with the layer's own protobufjs and .proto files. */
function decode(kind: 'metrics' | 'traces', body: Buffer): unknown {
  const layerRequire = createRequire(join(OTEL_LAYER_DIR, 'otel-extension', 'package.json'));
  const protobuf = layerRequire('protobufjs') as {
    loadSync(path: string): { lookupType(name: string): { decode(bytes: Uint8Array): unknown; toObject(message: unknown, options: object): unknown } };
  };
  const file = kind === 'metrics' ? 'metric_service.proto' : 'trace_service.proto';
  const type = protobuf.loadSync(join(OTEL_LAYER_DIR, 'otel-extension', 'proto', file)).lookupType(
    kind === 'metrics' ? 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest' : 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  );
  return type.toObject(type.decode(body), { longs: String, defaults: false });
}

const HANDLER = `exports.handler = async (event, context) => ({ answer: event.n * 2, requestId: context.awsRequestId });\n`;

describe.each(modes)('@serverless/aws-lambda-otel-extension-dist as a layer ($mode)', ({ limits: sandboxLimits, collectorHost, skip }) => {
  it.skipIf(skip !== undefined)('instruments the handler and sends the invocation\'s OTLP metrics and traces to the collector', async () => {
    const received: Received[] = [];
    collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ path: request.url ?? '', body: Buffer.concat(chunks) });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => collector?.listen(0, '0.0.0.0', resolve));
    const port = (collector.address() as { port: number }).port;
    const base = `http://${collectorHost ?? ''}:${port}`;

    const code = mkdtempSync(join(tmpdir(), 'lamina-otel-code-'));
    chmodSync(code, 0o755);
    writeFileSync(join(code, 'index.js'), HANDLER);
    const fn = customRuntimeFunction('otel-fn', code, {
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath },
      layers: [OTEL_LAYER_DIR],
      timeout: 15,
      memorySize: 256,
      environment: {
        AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-extension/otel-handler',
        SLS_OTEL_REPORT_TYPE: 'proto',
        SLS_OTEL_REPORT_METRICS_URL: `${base}/v1/metrics`,
        SLS_OTEL_REPORT_TRACES_URL: `${base}/v1/traces`,
      },
    });
    lamina = await startLamina([fn], { limits: sandboxLimits, idleTimeoutMs: 60_000 });
    const output = (): string => lamina?.output.join('') ?? '';

    const response = await fetch(`${lamina.url}/2015-03-31/functions/otel-fn/invocations`, { method: 'POST', body: '{"n":21}' });
    const requestId = response.headers.get('x-amzn-requestid') ?? '';
    const answer = (await response.json()) as unknown;
    if (response.headers.get('x-amz-function-error') !== null) console.log(output());
    expect(answer).toEqual({ answer: 42, requestId });
    expect(output()).toContain('otel-extension  launching extension');

    // The extension sends once the wrapper's spans of this invocation reached it.
    const decoded = (kind: 'metrics' | 'traces'): string[] =>
      received.filter((r) => r.path === `/v1/${kind}`).map((r) => JSON.stringify(decode(kind, r.body)));
    await expect.poll(() => decoded('traces').length, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => decoded('metrics').length, { timeout: 10_000 }).toBeGreaterThan(0);
    const traces = decoded('traces').join('\n');
    const metrics = decoded('metrics').join('\n');
    if (!traces.includes(requestId)) console.log(output());
    // The Lambda instrumentation's span: the handler was wrapped (faas.execution is the request id).
    expect(traces).toContain('"key":"faas.execution","value":{"stringValue":"' + requestId + '"}');
    expect(traces).toContain('"key":"faas.name","value":{"stringValue":"otel-fn"}');
    expect(traces).toContain('@opentelemetry/instrumentation-aws-lambda');
    expect(metrics).toContain('"key":"faas.name","value":{"stringValue":"otel-fn"}');
    expect(metrics).toContain(requestId);
    // Then the Logs API's platform.report (to http://sandbox:4243) gives duration and memory.
    await expect.poll(() => decoded('metrics').join('\n'), { timeout: 10_000 }).toContain('"name":"faas.duration"');
    const withReport = decoded('metrics').find((text) => text.includes('"name":"faas.duration"')) ?? '';
    expect(withReport).toContain(requestId);
    expect(withReport).toContain('"name":"faas.memory"');
    if (process.env.OTEL_DEBUG) console.log(output(), decoded('metrics'), traces);
    expect(output()).not.toMatch(/Extension\.\w+|Runtime\.\w+/);
  }, 60_000);
});
