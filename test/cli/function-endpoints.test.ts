/**
 * FunctionEndpoints (docs/service-endpoints.md): the variables functions are given, and the
 * listeners made on an isolated environment's own loopback that carry connections to the host's
 * services, including a port carried with no variable (the CodeDeploy endpoint). The environment
 * is stood in for by a process in a network namespace of its own (`unshare -n`, root).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionEndpoints, mayCallServices } from '../../src/cli/function-endpoints.js';
import { nsenter } from '../../src/observability/namespace-relay.js';
import type { Sandbox } from '../../src/sandbox/process-sandbox.js';
import { SANDBOX_LAUNCHER } from '../../src/platform/paths.js';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';

const unavailable =
  process.getuid?.() !== 0 ? 'not root: no network namespace of its own for the stand-in environment'
  : nsenter() === undefined ? 'no nsenter'
  : !existsSync(SANDBOX_LAUNCHER) ? 'the launcher is not built (npm run build)'
  : spawnSync('unshare', ['-n', 'true']).status !== 0 ? 'unshare -n fails here'
  : undefined;
if (unavailable !== undefined) console.warn(`[function-endpoints] namespace tests skipped: ${unavailable}`);

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A TCP service on the host's loopback that answers every connection with its name. */
async function service(name: string): Promise<number> {
  const server: Server = createServer((socket) => socket.end(`${name}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  return (server.address() as AddressInfo).port;
}

/** What a process inside the namespace reads from 127.0.0.1:port there (async: the carrying happens in this process). */
function readInside(pid: number, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'127.0.0.1');let t='';s.on('data',d=>t+=d);s.on('end',()=>process.stdout.write(t));s.on('error',()=>process.stdout.write('refused'))`;
  const child = spawn(nsenter() ?? 'nsenter', ['-t', String(pid), '-n', '--', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve) => child.on('close', () => resolve(out.trim())));
}

describe('FunctionEndpoints', () => {
  it('gives each added service its variable, at 127.0.0.1 for a service on every address, and nothing when disabled', () => {
    const endpoints = new FunctionEndpoints();
    endpoints.add('SQS', 'http://127.0.0.1:9324');
    endpoints.add('S3', 'http://0.0.0.0:4569');
    endpoints.add('KINESIS', undefined);
    endpoints.carry('http://127.0.0.1:4000');
    expect(endpoints.environment()).toEqual({ AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569' });
    const off = new FunctionEndpoints({ disabled: true });
    off.add('SQS', 'http://127.0.0.1:9324');
    expect(off.environment()).toEqual({});
  });

  it('makes listeners only for functions that may call an AWS SDK: Node.js and Python code that mentions one, and every runtime it cannot read', () => {
    const root = mkdtempSync(join(tmpdir(), 'lamina-may-call-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const dir = (name: string, file: string, text: string): string => {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, file), text);
      return join(root, name);
    };
    const node = (codeDir: string) => customRuntimeFunction('n', codeDir, { runtime: 'nodejs22.x', launch: { kind: 'node-ric', runtime: 'nodejs22.x', node: '' } });
    const python = (codeDir: string) => customRuntimeFunction('p', codeDir, { runtime: 'python3.12', launch: { kind: 'python-ric', runtime: 'python3.12', python: '/usr/bin/python3' } });
    expect(mayCallServices(node(dir('plain', 'index.mjs', 'export const handler = async (e) => e;')))).toBe(false);
    expect(mayCallServices(node(dir('sdk', 'index.mjs', "import { SQSClient } from '@aws-sdk/client-sqs';")))).toBe(true);
    const bundled = dir('bundled', 'index.js', 'module.exports.handler = async () => 1;');
    mkdirSync(join(bundled, 'node_modules', '@aws-sdk'), { recursive: true });
    expect(mayCallServices(node(bundled))).toBe(true);
    expect(mayCallServices(python(dir('py', 'app.py', 'import json')))).toBe(false);
    expect(mayCallServices(python(dir('boto', 'app.py', 'import boto3')))).toBe(true);
    const custom = (name: string, text: string) => {
      const code = dir(name, 'bootstrap', text);
      return customRuntimeFunction(name, code, { launch: { kind: 'bootstrap', command: join(code, 'bootstrap'), args: [] } });
    };
    expect(mayCallServices(custom('c-echo', '\u007fELF...a plain loop, no SDK'))).toBe(false);
    expect(mayCallServices(custom('go-sdk', '\u007fELF...https://sqs.%s.amazonaws.com...'))).toBe(true);
    expect(mayCallServices(custom('rust-sdk', '\u007fELF...AWS_ENDPOINT_URL_SQS...'))).toBe(true);
    expect(mayCallServices(customRuntimeFunction('i', root, { image: { uri: 'x:latest' } as FunctionConfig['image'] }))).toBe(true);
  });

  it.skipIf(unavailable !== undefined)('carries connections made on the environment\'s own loopback to the host\'s services, added or carried, until the environment is gone', async () => {
    const sqs = await service('sqs');
    const codedeploy = await service('codedeploy');
    const environment: ChildProcess = spawn('unshare', ['-n', 'sleep', '60'], { stdio: 'ignore' });
    cleanups.push(() => environment.kill('SIGKILL'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pid = Number(spawnSync('pgrep', ['-P', String(environment.pid), 'sleep'], { encoding: 'utf8' }).stdout.trim()) || (environment.pid ?? 0);
    // Before: nothing listens inside.
    expect(await readInside(pid, sqs)).toBe('refused');
    const endpoints = new FunctionEndpoints();
    endpoints.add('SQS', `http://127.0.0.1:${sqs}`);
    endpoints.carry(`http://127.0.0.1:${codedeploy}`);
    let gone: () => void = () => undefined;
    const exited = new Promise<{ code: number | null; signal: null }>((resolve) => (gone = () => resolve({ code: 0, signal: null })));
    const sandbox = { rootPid: pid, runtimeApiListener: Promise.resolve(undefined), exited } as unknown as Sandbox;
    // A container image: its code cannot be read, so it always gets the listeners.
    endpoints.sandboxStarted(customRuntimeFunction('fn', `${FIXTURES}/runtimes/echo`, { image: { uri: 'x:latest' } as FunctionConfig['image'] }), sandbox, true);
    await expect.poll(() => readInside(pid, sqs), { timeout: 10_000 }).toBe('sqs');
    expect(await readInside(pid, codedeploy)).toBe('codedeploy');
    expect(endpoints.failures.count).toBe(0);
    gone();
    await expect.poll(() => readInside(pid, sqs), { timeout: 10_000 }).toBe('refused');
  }, 60_000);
});
