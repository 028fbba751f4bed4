/**
 * `AWS_LAMBDA_EXEC_WRAPPER` and internal extensions end to end (docs/extensions.md): a layer with
 * a wrapper script that runs `#!/usr/bin/env node` (or python3) to show which interpreter PATH
 * finds, then adds an agent to the interpreter (`NODE_OPTIONS=--require`, or a `sitecustomize`
 * module on `PYTHONPATH`) and execs `"$@"`. The agent registers as an internal extension from inside
 * the runtime process: `SHUTDOWN` is refused, `INVOKE` events arrive with the caller's request id.
 * Without limits (layers at their host paths) and, when this machine can, under full isolation
 * (the wrapper and agent at /opt inside the environment's namespaces).
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { findPython } from '../../src/config/python-runtime.js';
import { detectSandboxLimits, type SandboxLimits } from '../../src/platform/sandbox-factory.js';
import { customRuntimeFunction } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { installTestNodes, nodeBinaryFor, nodeBinaryMissing } from '../helpers/node-binaries.js';

// Another major than the tests' node, so `#!/usr/bin/env node` finding the function's own is seen.
await installTestNodes([22]);
const NODE_22 = nodeBinaryFor(22);
if (NODE_22 === undefined) console.warn(`[exec wrapper] Node skipped: ${nodeBinaryMissing(22)}`);
const PYTHON = findPython('python3.11');
const noPython = PYTHON === undefined || PYTHON.warning !== undefined ? 'no python3.11 on this machine' : undefined;
if (noPython !== undefined) console.warn(`[exec wrapper] Python skipped: ${noPython}`);

let lamina: RunningLamina | undefined;
afterEach(async () => {
  await lamina?.stop();
  lamina = undefined;
});

/** The wrapper: what it was given, the interpreter `env` finds, then the agent and exec. */
const NODE_WRAPPER = `#!/bin/sh
here=\${0%/*}
echo "[wrap] args: $*"
/usr/bin/env node -e 'console.log("[wrap] env node " + process.version)'
export NODE_OPTIONS="\${NODE_OPTIONS:+$NODE_OPTIONS }--require $here/agent.js"
exec "$@"
`;

/** An internal extension in the runtime process; the handler waits for its registration. */
const NODE_AGENT = `const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
const register = (name, events) => fetch(api + '/register', { method: 'POST', headers: { 'Lambda-Extension-Name': name }, body: JSON.stringify({ events }) });
globalThis.agentRegistered = (async () => {
  const refused = await register('node-agent-shutdown', ['INVOKE', 'SHUTDOWN']);
  console.log('[agent] SHUTDOWN refused ' + refused.status + ' ' + (await refused.text()));
  const registered = await register('node-agent', ['INVOKE']);
  const id = registered.headers.get('lambda-extension-identifier');
  console.log('[agent] registered ' + registered.status + ' ' + process.pid);
  (async () => {
    for (;;) {
      const event = await (await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } })).json();
      console.log('[agent] got ' + event.eventType + ' ' + event.requestId);
    }
  })();
})();
`;

/** Init waits for the agent: registration closes when init ends (an ES module's top-level await holds it). */
const NODE_HANDLER = `await globalThis.agentRegistered;
export const handler = async (event) => ({ got: event, pid: process.pid, node: process.version, options: process.env.NODE_OPTIONS });
`;

const PYTHON_WRAPPER = `#!/bin/sh
here=\${0%/*}
echo "[wrap] args: $*"
/usr/bin/env python3 -c 'import sys; print("[wrap] env python3 " + sys.executable, flush=True)'
export PYTHONPATH="$here/agent\${PYTHONPATH:+:$PYTHONPATH}"
exec "$@"
`;

/** Python's way to load code into the interpreter at start: a sitecustomize module on PYTHONPATH. */
const PYTHON_AGENT = `import json, os, threading, urllib.request, urllib.error
api = 'http://' + os.environ['AWS_LAMBDA_RUNTIME_API'] + '/2020-01-01/extension'
def register(name, events):
    request = urllib.request.Request(api + '/register', data=json.dumps({'events': events}).encode(), headers={'Lambda-Extension-Name': name}, method='POST')
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.headers['Lambda-Extension-Identifier'], answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, None, refused.read().decode()
status, _, body = register('py-agent-shutdown', ['INVOKE', 'SHUTDOWN'])
print('[agent] SHUTDOWN refused %d %s' % (status, body), flush=True)
status, ident, _ = register('py-agent', ['INVOKE'])
print('[agent] registered %d %d' % (status, os.getpid()), flush=True)
def loop():
    while True:
        request = urllib.request.Request(api + '/event/next', headers={'Lambda-Extension-Identifier': ident})
        with urllib.request.urlopen(request) as answer:
            event = json.loads(answer.read())
        print('[agent] got %s %s' % (event['eventType'], event.get('requestId')), flush=True)
threading.Thread(target=loop, daemon=True).start()
`;

const PYTHON_HANDLER = `import os, sys
def handler(event, context):
    return {'got': event, 'pid': os.getpid(), 'python': sys.executable}
`;

/** A directory Lambda's user can read (isolated environments run as that user, not as root). */
function readableDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

function executable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/**
 * A function `wrapped` whose code is `handlerFile` and whose one layer holds `files` (paths under
 * /opt; the wrapper, `wrapper`, executable), run with `AWS_LAMBDA_EXEC_WRAPPER=/opt/<wrapper>`.
 */
function wrappedFunction(launch: FunctionConfig['launch'], handler: string, handlerFile: [string, string], files: Record<string, string>, wrapper: string): FunctionConfig {
  const code = readableDir('lamina-wrap-code-');
  writeFileSync(join(code, handlerFile[0]), handlerFile[1]);
  const layer = readableDir('lamina-wrap-layer-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(layer, path)), { recursive: true });
    if (path === wrapper) executable(join(layer, path), text);
    else writeFileSync(join(layer, path), text);
  }
  const runtime = launch.kind === 'bootstrap' ? 'provided.al2023' : launch.runtime;
  return customRuntimeFunction('wrapped', code, { runtime, handler, launch, layers: [layer], timeout: 10, environment: { AWS_LAMBDA_EXEC_WRAPPER: `/opt/${wrapper}` } });
}

const nodeFunction = (node: string): FunctionConfig =>
  wrappedFunction({ kind: 'node-ric', runtime: 'nodejs22.x', node }, 'index.handler', ['index.mjs', NODE_HANDLER], { 'agent/wrap': NODE_WRAPPER, 'agent/agent.js': NODE_AGENT }, 'agent/wrap');

const pythonFunction = (python: string): FunctionConfig =>
  wrappedFunction({ kind: 'python-ric', runtime: 'python3.11', python }, 'app.handler', ['app.py', PYTHON_HANDLER], { 'py/wrap': PYTHON_WRAPPER, 'py/agent/sitecustomize.py': PYTHON_AGENT }, 'py/wrap');

async function invoke(url: string, body: string): Promise<{ status: number; json: Record<string, unknown>; requestId: string; error: string | null }> {
  const response = await fetch(`${url}/2015-03-31/functions/wrapped/invocations`, { method: 'POST', body });
  return {
    status: response.status,
    json: (await response.json()) as Record<string, unknown>,
    requestId: response.headers.get('x-amzn-requestid') ?? '',
    error: response.headers.get('x-amz-function-error'),
  };
}

const detected = detectSandboxLimits();
const MODES: { mode: string; limits: SandboxLimits | undefined }[] = [
  { mode: 'not isolated', limits: undefined },
  ...(detected.isolation !== undefined ? [{ mode: 'isolated', limits: detected }] : []),
];
if (detected.isolation === undefined) console.warn('[exec wrapper] isolated runs skipped: full isolation needs root (docs/isolation.md)');

describe.each(MODES)('AWS_LAMBDA_EXEC_WRAPPER ($mode)', ({ limits }) => {
  const options = { idleTimeoutMs: 60_000, ...(limits === undefined ? {} : { limits }) };

  it.skipIf(NODE_22 === undefined)('nodejs: the wrapper gets the interpreter and its arguments, env finds the function\'s node, an internal extension gets INVOKE', async () => {
    const node = NODE_22 ?? '';
    lamina = await startLamina([nodeFunction(node)], options);
    const output = (): string => lamina?.output.join('') ?? '';
    const first = await invoke(lamina.url, '{"n":1}');
    if (first.error !== null) console.log(output());
    expect(first.error).toBeNull();
    expect(first.json).toMatchObject({ got: { n: 1 }, node: /^v22\./ });
    expect(first.json.options).toMatch(/--require \S+\/agent\/agent\.js$/);
    // `<wrapper> <interpreter> <its arguments>`: the interpreter is the function's node.
    const args = /\[wrap\] args: (\S+) (.+)/.exec(output());
    expect(args?.[1]).toBe(node);
    expect(args?.[2]).toMatch(/\S/);
    expect(output()).toContain(`[wrap] env node ${String(first.json.node)}`);
    // The agent is in the runtime's process (the wrapper exec'd, the runtime kept its pid).
    expect(output()).toContain(`[agent] registered 200 ${String(first.json.pid)}`);
    expect(output()).toMatch(/\[agent\] SHUTDOWN refused 403 \{"errorMessage":"[^"]*","errorType":"Extension\.InvalidEventType"\}/);
    await expect.poll(output).toContain(`[agent] got INVOKE ${first.requestId}`);
    await expect.poll(() => lamina?.platform.pool('wrapped')?.idleCount).toBe(1);
    const second = await invoke(lamina.url, '{"n":2}');
    expect(second.json.pid).toBe(first.json.pid);
    await expect.poll(output).toContain(`[agent] got INVOKE ${second.requestId}`);
    expect(output()).toMatch(/EXTENSION\tName: node-agent\tState: Ready\tEvents: \[INVOKE\]/);
    expect(output().match(/Init Duration/g)).toHaveLength(1);
  }, 30_000);

  it.skipIf(noPython !== undefined)('python: the wrapper gets the interpreter, env finds python3, a sitecustomize agent gets INVOKE', async () => {
    const python = PYTHON?.path ?? '';
    lamina = await startLamina([pythonFunction(python)], options);
    const output = (): string => lamina?.output.join('') ?? '';
    const first = await invoke(lamina.url, '{"n":1}');
    expect(first.error).toBeNull();
    expect(first.json).toMatchObject({ got: { n: 1 }, python });
    expect(/\[wrap\] args: (\S+)/.exec(output())?.[1]).toBe(python);
    expect(output()).toMatch(/\[wrap\] env python3 \/usr\/bin\/python3/);
    expect(output()).toContain(`[agent] registered 200 ${String(first.json.pid)}`);
    expect(output()).toContain('[agent] SHUTDOWN refused 403');
    expect(output()).toContain('Extension.InvalidEventType');
    await expect.poll(output).toContain(`[agent] got INVOKE ${first.requestId}`);
    await expect.poll(() => lamina?.platform.pool('wrapped')?.idleCount).toBe(1);
    const second = await invoke(lamina.url, '{"n":2}');
    await expect.poll(output).toContain(`[agent] got INVOKE ${second.requestId}`);
  }, 30_000);

  it.skipIf(NODE_22 === undefined)('a missing or non-executable wrapper fails the init as Lambda\'s bootstrap does (exit 127 / 126)', async () => {
    const missing = { ...nodeFunction(NODE_22 ?? ''), name: 'missing', environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/agent/nope' } };
    const plain = nodeFunction(NODE_22 ?? '');
    chmodSync(join(plain.layers?.[0] ?? '', 'agent', 'wrap'), 0o644);
    const notExecutable = { ...plain, name: 'noexec' };
    lamina = await startLamina([missing, notExecutable], options);
    const call = async (name: string): Promise<{ status: number; body: string; error: string | null }> => {
      const response = await fetch(`${lamina?.url ?? ''}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: '{}' });
      return { status: response.status, body: await response.text(), error: response.headers.get('x-amz-function-error') };
    };
    const gone = await call('missing');
    expect(gone.error).toBe('Unhandled');
    expect(JSON.parse(gone.body)).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/Runtime exited with error: exit status 127$/) as unknown });
    expect(lamina.output.join('')).toContain('/opt/agent/nope: does not exist');
    const denied = await call('noexec');
    expect(JSON.parse(denied.body)).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/exit status 126$/) as unknown });
    expect(lamina.output.join('')).toMatch(/\/agent\/wrap: is not an executable/);
  }, 30_000);
});
