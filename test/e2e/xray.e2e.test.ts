/**
 * X-Ray end to end (docs/xray.md): a Node function with `Tracing: Active` that records a
 * subsegment with the real `aws-xray-sdk-core`, run by the real platform in its own environment,
 * its SDK sending to Lamina's UDP receiver. The SDK is bundled into the function's code with
 * esbuild: under the limits (as root) a function sees only its own code at /var/task and cannot
 * follow a node_modules symlink out of it.
 *
 * The machine's default limits: isolated where it can (root, the native launcher). An isolated
 * function cannot reach the host's loopback, where the receiver listens (tests bind 127.0.0.1
 * only), so the platform starts a relay in its network namespace (docs/xray.md, "Isolated
 * functions").
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPython } from '../../src/config/python-runtime.js';
import { startXRay, type StartedXRay } from '../../src/observability/xray/start-xray.js';
import { parseTraceHeader } from '../../src/observability/xray/trace-header.js';
import type { TraceSegmentView } from '../../src/observability/xray/trace-store.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { Platform } from '../../src/platform/platform.js';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import { customRuntimeFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

const HANDLER = `
const AWSXRay = require('aws-xray-sdk-core');
exports.handler = async (event) => {
  const traceId = process.env._X_AMZN_TRACE_ID;
  await new Promise((resolve) => {
    AWSXRay.captureAsyncFunc('my-work', (subsegment) => {
      subsegment.addAnnotation('kind', 'test');
      setTimeout(() => { subsegment.close(); resolve(); }, 5);
    });
  });
  return {
    traceId,
    daemon: process.env.AWS_XRAY_DAEMON_ADDRESS,
    daemonHost: process.env._AWS_XRAY_DAEMON_ADDRESS,
    daemonPort: process.env._AWS_XRAY_DAEMON_PORT,
    contextMissing: process.env.AWS_XRAY_CONTEXT_MISSING,
  };
};
`;

const PYTHON_HANDLER = `
import os
from aws_xray_sdk.core import xray_recorder

def handler(event, context):
    with xray_recorder.in_subsegment('py-work') as subsegment:
        subsegment.put_annotation('kind', 'test')
    return {'traceId': os.environ.get('_X_AMZN_TRACE_ID')}
`;

/** A Python that has Python's X-Ray SDK (`aws-xray-sdk`), and its runtime identifier. */
function pythonWithSdk(): { path: string; runtime: string } | undefined {
  const pyenv = join(homedir(), '.pyenv', 'versions');
  const candidates = [10, 11, 12, 13].map((minor) => findPython(`python3.${minor}`)?.path);
  if (existsSync(pyenv)) for (const version of readdirSync(pyenv)) candidates.push(join(pyenv, version, 'bin', `python${version.split('.').slice(0, 2).join('.')}`));
  for (const path of candidates) {
    if (path === undefined || !existsSync(path)) continue;
    const probe = spawnSync(path, ['-c', 'import aws_xray_sdk, sys; print("python%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (probe.status === 0) return { path, runtime: probe.stdout.trim() };
  }
  return undefined;
}
const PYTHON = pythonWithSdk();
if (PYTHON === undefined) console.warn('[xray] no Python with aws-xray-sdk here: the Python case is skipped');

interface Answer {
  traceId: string;
  daemon: string;
  daemonHost: string;
  daemonPort: string;
  contextMissing: string;
}

const limits = detectSandboxLimits();
const isolated = limits.isolation !== undefined;
if (!isolated) console.warn('[xray] no isolation here: functions share the host\'s network');

function find(views: readonly TraceSegmentView[] | undefined, name: string): TraceSegmentView | undefined {
  for (const view of views ?? []) {
    if (view.name === name) return view;
    const inner = find(view.subsegments, name);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

describe('X-Ray with the real aws-xray-sdk-core', () => {
  let codeDir = '';
  let xray: StartedXRay | undefined;
  let platform: Platform | undefined;

  beforeAll(async () => {
    // Readable by Lambda's user, and not under /tmp, which an isolated environment replaces.
    codeDir = mkdtempSync('/var/tmp/lamina-xray-');
    chmodSync(codeDir, 0o755);
    await build({
      stdin: { contents: HANDLER, resolveDir: PROJECT_ROOT, loader: 'js' },
      bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: join(codeDir, 'index.js'), logLevel: 'silent',
    });
    writeFileSync(join(codeDir, 'plain.js'), 'exports.handler = async () => ({ traceId: process.env._X_AMZN_TRACE_ID });\n');
    writeFileSync(join(codeDir, 'app.py'), PYTHON_HANDLER);
    xray = await startXRay({ host: '127.0.0.1', port: 0, isolated });
    const node = { runtime: 'nodejs20.x', launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath }, timeout: 10 } as const;
    const functions = [
      customRuntimeFunction('traced', codeDir, { ...node, handler: 'index.handler', tracing: 'Active' }),
      customRuntimeFunction('plain', codeDir, { ...node, handler: 'plain.handler' }),
      ...(PYTHON === undefined ? [] : [customRuntimeFunction('python', codeDir, {
        runtime: PYTHON.runtime, handler: 'app.handler', launch: { kind: 'python-ric', runtime: PYTHON.runtime, python: PYTHON.path }, timeout: 10, tracing: 'Active',
      })]),
    ];
    platform = new Platform({ functions, limits, shutdownGraceMs: 100, logOutput: () => undefined, traceHeaders: xray.traceHeaders, sandboxStarted: xray.sandboxStarted, serviceEnvironment: () => xray?.environment });
    xray.attach(platform);
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
    await xray?.close();
    rmSync(codeDir, { recursive: true, force: true });
  });

  const invoke = async (name: string, traceId?: string): Promise<Answer> => {
    const outcome = await platform?.invoke(invokeRequest(name, {}, { tailLogs: false, traceId }));
    if (outcome?.result.kind !== 'response') throw new Error(`expected a response, got ${JSON.stringify(outcome?.result)}`);
    return JSON.parse(outcome.result.payload.toString()) as Answer;
  };

  it('shows the function\'s subsegment under the platform\'s Invocation, in the trace of its _X_AMZN_TRACE_ID', async () => {
    const answer = await invoke('traced');
    expect(answer.contextMissing).toBe('LOG_ERROR');
    expect(answer.daemon).toBe(`${answer.daemonHost}:${answer.daemonPort}`);
    expect(answer.daemonPort).toBe(String(xray?.receiver.port));
    const header = parseTraceHeader(answer.traceId);
    expect(header?.sampled).toBe('1');
    const root = header?.root ?? '';
    // The SDK sends the subsegment as it closes; the platform's segments come with the REPORT,
    // just after the caller has its answer.
    await expect.poll(() => find(find(xray?.store.get(root)?.segments, 'Invocation')?.subsegments, 'my-work'), { timeout: 10_000 }).toBeDefined();
    const trace = xray?.store.get(root);
    expect(trace).toMatchObject({ functionName: 'traced', version: '$LATEST' });
    const fnSegment = trace?.segments.find((segment) => segment.origin === 'AWS::Lambda::Function');
    // The header's Parent is the function segment, so the SDK's facade segment is the platform's.
    expect(fnSegment?.id).toBe(header?.parent);
    expect(trace?.segments.find((segment) => segment.origin === 'AWS::Lambda')?.id).toBe(fnSegment?.parentId);
    // A cold start: Initialization, then Invocation holding the function's work, then Overhead.
    expect(fnSegment?.subsegments?.map((s) => s.name)).toEqual(['Initialization', 'Invocation', 'Overhead']);
    const invocation = find(fnSegment?.subsegments, 'Invocation');
    const work = invocation?.subsegments?.find((s) => s.name === 'my-work');
    expect(work).toBeDefined();
    expect(work?.startTime).toBeGreaterThanOrEqual(invocation?.startTime ?? Number.POSITIVE_INFINITY);
  });

  it('keeps a caller\'s decision: Sampled=0 is not traced even when Active; Sampled=1 is, even in PassThrough', async () => {
    const declined = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0';
    expect((await invoke('traced', declined)).traceId).toBe(declined);
    const requested = 'Root=1-5759e988-00000000000000000000000a;Parent=53995c3f42cd8ad8;Sampled=1';
    const answer = await invoke('plain', requested);
    const header = parseTraceHeader(answer.traceId);
    expect(header).toMatchObject({ root: '1-5759e988-00000000000000000000000a', sampled: '1' });
    // The platform's segments, the service's hanging from the caller's.
    const service = (): TraceSegmentView | undefined => xray?.store.get('1-5759e988-00000000000000000000000a')?.segments.find((segment) => segment.origin === 'AWS::Lambda');
    await expect.poll(() => service()?.parentId, { timeout: 10_000 }).toBe('53995c3f42cd8ad8');
    expect(xray?.store.get('1-5759e988-bd862e3fe1be46a994272793')).toBeUndefined();
  });

  it('traces an Active function\'s queued (Event) invocation, whose header the queue left undecided', async () => {
    const accepted = await platform?.invoke(invokeRequest('traced', {}, { tailLogs: false, invocationType: 'Event' }));
    const requestId = accepted?.requestId ?? '';
    const traced = (): TraceSegmentView | undefined => {
      const trace = xray?.store.recent(100).find((t) => t.requestId === requestId);
      return find(find(trace?.segments, 'Invocation')?.subsegments, 'my-work');
    };
    await expect.poll(traced, { timeout: 10_000 }).toBeDefined();
  });

  it.skipIf(PYTHON === undefined)('shows a Python function\'s subsegment (aws-xray-sdk) under Invocation too', async () => {
    const header = parseTraceHeader((await invoke('python')).traceId);
    expect(header?.sampled).toBe('1');
    const root = header?.root ?? '';
    await expect.poll(() => find(find(xray?.store.get(root)?.segments, 'Invocation')?.subsegments, 'py-work'), { timeout: 10_000 }).toBeDefined();
    expect(xray?.store.get(root)?.segments.find((segment) => segment.origin === 'AWS::Lambda::Function')?.id).toBe(header?.parent);
  });

  it('does not trace a PassThrough function without a caller\'s decision', async () => {
    const answer = await invoke('plain');
    const header = parseTraceHeader(answer.traceId);
    expect(header?.sampled).toBe('0');
    expect(xray?.store.get(header?.root ?? '')).toBeUndefined();
  });
});
