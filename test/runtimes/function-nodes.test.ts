/**
 * Which interpreter each nodejsNN.x function gets (resolveFunctionNodes against a fake registry),
 * the runtime names the CLI accepts, and the environment a node function sees (NODE_PATH, PATH).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runtimeEnvironment } from '../../src/platform/environment-variables.js';
import { resolveFunctionNodes } from '../../src/runtimes/function-nodes.js';
import { nodeMajorOf, parseNodeRuntime } from '../../src/runtimes/node-majors.js';
import { customRuntimeFunction } from '../helpers/function-config.js';
import { startFakeRegistry, type FakeRegistry } from './fake-registry.js';

const host = { path: '/host/bin/node', version: '20.5.0' };
let root: string;
let registry: FakeRegistry;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'lamina-function-nodes-'));
  registry = await startFakeRegistry([{ version: '22.4.0' }, { version: '24.0.1' }]);
});

afterEach(async () => {
  await registry.close();
  rmSync(root, { recursive: true, force: true });
});

const nodeFunction = (name: string, runtime: string) =>
  customRuntimeFunction(name, root, { runtime, handler: 'index.handler', launch: { kind: 'node-ric', runtime, node: '' } });

describe('resolveFunctionNodes', () => {
  it('gives each function its major (host for its own, one install per other major) and leaves others alone', async () => {
    const functions = [nodeFunction('A', 'nodejs22.x'), nodeFunction('B', 'nodejs22.x'), nodeFunction('C', 'nodejs20.x'), nodeFunction('D', 'nodejs24.x'), customRuntimeFunction('E', root)];
    const result = await resolveFunctionNodes(functions, { root, registry: registry.url, ricDir: false, host });
    const nodes = result.functions.map((fn) => (fn.launch.kind === 'node-ric' ? fn.launch.node : fn.launch.kind));
    expect(nodes).toEqual([join(root, 'node-v22.4.0', 'bin', 'node'), join(root, 'node-v22.4.0', 'bin', 'node'), host.path, join(root, 'node-v24.0.1', 'bin', 'node'), 'bootstrap']);
    expect(registry.downloads.sort()).toEqual(['22.4.0', '24.0.1']);
    expect(result.interpreters.get('A')).toBe(`node v22.4.0 (${join(root, 'node-v22.4.0', 'bin', 'node')})`);
    expect(result.interpreters.get('C')).toBe('node v20.5.0 (/host/bin/node)');
    expect(result.warnings).toEqual([]);
  });

  it('--host-node: every function on the host\'s node, one warning per runtime naming both versions, no registry', async () => {
    const result = await resolveFunctionNodes([nodeFunction('A', 'nodejs24.x'), nodeFunction('B', 'nodejs24.x'), nodeFunction('C', 'nodejs20.x')], { root, registry: registry.url, ricDir: false, host, allowHostNode: true });
    expect(result.functions.map((fn) => (fn.launch.kind === 'node-ric' ? fn.launch.node : ''))).toEqual([host.path, host.path, host.path]);
    expect(result.warnings).toEqual(["--host-node: nodejs24.x functions run on this machine's node v20.5.0 (/host/bin/node), not on Node.js 24 as on Lambda"]);
    expect(registry.packumentRequests()).toBe(0);
  });
});

describe('runtime names', () => {
  it('reads nodejsNN.x, NN and nodeNN, and nothing else', () => {
    expect(nodeMajorOf('nodejs24.x')).toBe(24);
    expect(nodeMajorOf('nodejs18.x')).toBe(18);
    for (const text of ['nodejs24', 'python3.12', 'nodejs24.x ', 'provided.al2023', 'nodejs.x']) expect(nodeMajorOf(text)).toBeUndefined();
    expect(['nodejs26.x', '22', 'node20', '18'].map(parseNodeRuntime)).toEqual([26, 22, 20, 18]);
    for (const text of ['21', 'nodejs16.x', '24.1', '', 'nodejs24.x;rm -rf /', '../24']) expect(parseNodeRuntime(text)).toBeUndefined();
  });
});

describe('a node function\'s environment', () => {
  it('has NODE_PATH for its own major and its interpreter\'s directory first on PATH', () => {
    const node = join(root, 'node-v22.4.0', 'bin', 'node');
    const fn = customRuntimeFunction('A', root, { runtime: 'nodejs22.x', handler: 'index.handler', launch: { kind: 'node-ric', runtime: 'nodejs22.x', node } });
    const env = runtimeEnvironment(fn, { runtimeApi: '127.0.0.1:1', version: '$LATEST', logStreamName: 's', initializationType: 'on-demand' }, undefined);
    expect(env.NODE_PATH).toBe('/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task');
    expect(env.AWS_EXECUTION_ENV).toBe('AWS_Lambda_nodejs22.x');
    // First, where Lambda has /var/lang/bin: `#!/usr/bin/env node` finds the function's node, not the host's.
    expect(env.PATH).toBe(`${dirname(node)}:/usr/local/bin:/usr/bin/:/bin:/opt/bin`);
  });

  it('keeps a NODE_PATH of the function\'s own: Lambda does not reserve it', () => {
    const fn = customRuntimeFunction('A', root, { runtime: 'nodejs22.x', handler: 'index.handler', launch: { kind: 'node-ric', runtime: 'nodejs22.x', node: '' }, environment: { NODE_PATH: '/var/task/lib/node_modules' } });
    const env = runtimeEnvironment(fn, { runtimeApi: '127.0.0.1:1', version: '$LATEST', logStreamName: 's', initializationType: 'on-demand' }, undefined);
    expect(env.NODE_PATH).toBe('/var/task/lib/node_modules');
  });
});
