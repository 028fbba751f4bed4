/**
 * `python3.*` functions through the real platform (src/platform/platform.ts): the machine's
 * python3.11 running Lamina's Python client, once with the limits and full isolation this machine
 * allows (`detectSandboxLimits()`: as root, its own root with the client at /var/runtime) and once
 * without limits. Handlers from test/fixtures/python-handlers and examples/hello-python.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionConfig } from '../../../src/config/function-config.js';
import { findPython, PYTHON_RUNTIMES } from '../../../src/config/python-runtime.js';
import { PROJECT_ROOT } from '../../../src/platform/paths.js';
import { Platform } from '../../../src/platform/platform.js';
import { detectSandboxLimits, type SandboxLimits } from '../../../src/platform/sandbox-factory.js';
import { customRuntimeFunction, FIXTURES } from '../../helpers/function-config.js';
import { invokeRequest } from '../../helpers/invoke-request.js';

const python = findPython('python3.11');
const HANDLERS = join(FIXTURES, 'python-handlers');

function pythonFunction(name: string, codeDir: string, handler: string, environment: Record<string, string> = {}, more: Partial<FunctionConfig> = {}): FunctionConfig {
  return customRuntimeFunction(name, codeDir, {
    runtime: 'python3.11',
    handler,
    launch: { kind: 'python-ric', runtime: 'python3.11', python: python?.path ?? '/usr/bin/python3.11' },
    timeout: 10,
    environment,
    ...more,
  });
}

const FUNCTIONS = [
  pythonFunction('Dict', HANDLERS, 'echo.lambda_handler'),
  pythonFunction('Raises', HANDLERS, 'echo.raises'),
  pythonFunction('ImportBad', HANDLERS, 'import_bad.handler'),
  pythonFunction('Logs', HANDLERS, 'echo.logs'),
  pythonFunction('Dotted', HANDLERS, 'app.handlers.main.handler'),
  pythonFunction('Example', join(PROJECT_ROOT, 'examples', 'hello-python'), 'app.lambda_handler', { GREETING_TABLE: 'greetings-test' }),
  // LoggingConfig { LogFormat: JSON, ApplicationLogLevel: DEBUG } as the template loader gives it.
  pythonFunction('JsonLogs', HANDLERS, 'echo.level_logs', {}, { logFormat: 'JSON', logLevel: 'DEBUG' }),
];

const full = detectSandboxLimits();
const settings: Array<[string, SandboxLimits | undefined, string | undefined]> = [
  ['isolated as root', full, full.isolation === undefined ? 'no full isolation here (needs root and the native launcher)' : undefined],
  ['without limits', undefined, undefined],
];

describe.skipIf(python === undefined || !existsSync(python.path)).each(settings)('python3.11 functions %s', (_name, limits, skipReason) => {
  let platform: Platform;
  // Every line of every function's log, init included (an invocation's tail has only its own).
  let all = '';
  beforeAll(() => {
    platform = new Platform({ functions: FUNCTIONS, shutdownGraceMs: 100, limits, logOutput: (text) => (all += text) });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  async function invoke(name: string, event: unknown = {}) {
    const outcome = await platform.invoke(invokeRequest(name, event));
    return { outcome, logs: outcome.logs() };
  }

  it.skipIf(skipReason !== undefined)('answers a dict with the Lambda context and code directory first on sys.path', async () => {
    const { outcome } = await invoke('Dict', { n: 1 });
    expect(outcome.result.kind).toBe('response');
    if (outcome.result.kind !== 'response') return;
    const body = JSON.parse(outcome.result.payload.toString()) as Record<string, unknown>;
    const taskRoot = limits?.filesystem === true ? '/var/task' : HANDLERS;
    expect(body).toMatchObject({ event: { n: 1 }, function_name: 'Dict', memory_limit_in_mb: '128', aws_request_id: outcome.requestId });
    expect(body.sys_path).toEqual([taskRoot, '/opt/python/lib/python3.11/site-packages', '/opt/python']);
  });

  it.skipIf(skipReason !== undefined)('answers a raised exception as a function error with the error JSON', async () => {
    const { outcome, logs } = await invoke('Raises', 'x');
    expect(outcome.result).toMatchObject({ kind: 'function-error' });
    if (outcome.result.kind !== 'function-error') return;
    const error = JSON.parse(outcome.result.error.payload.toString()) as Record<string, unknown>;
    expect(error).toMatchObject({ errorType: 'ValueError', errorMessage: 'boom: x', requestId: outcome.requestId });
    expect(logs).toContain('[ERROR] ValueError: boom: x');
  });

  it.skipIf(skipReason !== undefined)('fails init with Runtime.ImportModuleError', async () => {
    const { outcome } = await invoke('ImportBad');
    expect(outcome.result).toMatchObject({ kind: 'function-error' });
    if (outcome.result.kind !== 'function-error') return;
    expect(JSON.parse(outcome.result.error.payload.toString())).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: "Unable to import module 'import_bad': No module named 'lamina_no_such_module'" });
    expect(all).toContain("[ImportBad] [ERROR] Runtime.ImportModuleError: Unable to import module 'import_bad'");
  });

  it.skipIf(skipReason !== undefined)('puts print and logging into the function log', async () => {
    const { outcome, logs } = await invoke('Logs', 'e');
    expect(outcome.result.kind).toBe('response');
    expect(logs).toMatch(/^printed e$/m);
    expect(logs).toMatch(new RegExp(`^\\[INFO\\]\\t\\S+Z\\t${outcome.requestId}\\tinfo line$`, 'm'));
  });

  it.skipIf(skipReason !== undefined)('writes JSON records at the application log level of LoggingConfig', async () => {
    const { outcome, logs } = await invoke('JsonLogs');
    const records = logs.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => [record.level, record.message, record.requestId])).toEqual([
      ['DEBUG', 'debug line', outcome.requestId], ['INFO', 'info line', outcome.requestId], ['ERROR', 'error line', outcome.requestId],
    ]);
  });

  it.skipIf(skipReason !== undefined)('resolves a dotted package handler', async () => {
    const { outcome } = await invoke('Dotted');
    expect(outcome.result.kind === 'response' ? outcome.result.payload.toString() : outcome.result).toBe('{"dotted": true, "helper": 42}');
  });

  it.skipIf(skipReason !== undefined)('runs the example: init code once, its client reused by the warm invocation', async () => {
    const first = await invoke('Example', { name: 'Ada' });
    const second = await invoke('Example', { name: 'Bob' });
    const bodies = [first, second].map(({ outcome }) => (outcome.result.kind === 'response' ? (JSON.parse(outcome.result.payload.toString()) as Record<string, unknown>) : {}));
    expect(bodies[0]).toMatchObject({ message: 'Hello, Ada, from greetings-test!', calls: 1, runtime: 'AWS_Lambda_python3.11' });
    expect(bodies[1]).toMatchObject({ message: 'Hello, Bob, from greetings-test!', calls: 2, client_id: bodies[0]?.client_id, initialised_at: bodies[0]?.initialised_at });
    expect(all.match(/^\[Example\] client \S+ built for table greetings-test$/gm)).toHaveLength(1);
    expect(first.logs).toMatch(/call 1 of client/);
    expect(second.logs).toMatch(/call 2 of client/);
  });
});

// Every python3.X runtime this machine has an interpreter of its own for (pyenv's builds included),
// run isolated: the interpreter's prefix must be visible inside the environment's own root.
const RUNTIMES = PYTHON_RUNTIMES.flatMap((runtime) => {
  const found = findPython(runtime);
  return found === undefined || found.warning !== undefined ? [] : [{ runtime, python: found.path }];
});

describe.skipIf(RUNTIMES.length === 0 || full.isolation === undefined)('each python3.X runtime isolated on its own interpreter', () => {
  let platform: Platform;
  beforeAll(() => {
    const functions = RUNTIMES.map(({ runtime, python: path }) => customRuntimeFunction(`V${runtime.replace(/\D/g, '')}`, HANDLERS, {
      runtime, handler: 'version.handler', launch: { kind: 'python-ric', runtime, python: path }, timeout: 10,
    }));
    platform = new Platform({ functions, shutdownGraceMs: 100, limits: full, logOutput: () => undefined });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it.each(RUNTIMES)('$runtime runs on $python with its standard library and Lambda\'s variables', async ({ runtime, python: path }) => {
    const outcome = await platform.invoke(invokeRequest(`V${runtime.replace(/\D/g, '')}`, {}));
    expect(outcome.result.kind === 'response' ? JSON.parse(outcome.result.payload.toString()) : outcome.result).toEqual({
      version: runtime.replace('python', ''),
      executable: path,
      sys_path: ['/var/task', `/opt/python/lib/${runtime}/site-packages`, '/opt/python'],
      execution_env: `AWS_Lambda_${runtime}`,
      pythonpath: '/var/runtime',
      runtime_dir: '/var/runtime',
      task_root: '/var/task',
      stdlib: ['"1.5"', 'OpenSSL', true],
    });
  });
});
