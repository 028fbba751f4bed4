/**
 * `lamina serve` with nodejsNN.x functions, end to end: the real executable, real runtimes.
 * A nodejs22.x function runs on Node 22 from the real registry, installed once into the real
 * cache root (skipped, with the reason printed, when the registry cannot be reached);
 * --host-node runs it on the host's node with a warning; offline with an empty cache, serve stops
 * with the command that installs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTestNodes, nodeOrSkip } from '../helpers/node-binaries.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { deadRegistryUrl } from './fake-registry.js';

const LAMINA = join(PROJECT_ROOT, 'bin', 'lamina.js');
const work = mkdtempSync(join(tmpdir(), 'lamina-node-runtimes-'));

function project(runtime: string): string {
  const dir = join(work, runtime);
  mkdirSync(join(dir, 'fn'), { recursive: true });
  writeFileSync(
    join(dir, 'fn', 'index.mjs'),
    // cacheBytes: the client's V8 code cache for this node, as the function's own user sees it next to the client's loader (/var/runtime when isolated).
    "import { readFileSync } from 'node:fs';\n" +
      'const cache = `${process.argv[1].replace(/[^/]*$/, "")}lamina-ric.${process.versions.v8}.v8cache`;\n' +
      'let cacheBytes = -1;\ntry { cacheBytes = readFileSync(cache).length; } catch {}\n' +
      'export const handler = async () => ({ version: process.version, execPath: process.execPath, executionEnv: process.env.AWS_EXECUTION_ENV, nodePath: process.env.NODE_PATH, loader: process.argv[1], cacheBytes });\n',
  );
  writeFileSync(join(dir, 'template.yaml'), `Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: ${runtime}\n      Handler: index.handler\n      CodeUri: fn\n      Timeout: 20\n`);
  return join(dir, 'template.yaml');
}

interface Served {
  readonly child: ChildProcess;
  readonly base: string;
  readonly output: () => string;
}

async function serve(template: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<Served> {
  const child = spawn(process.execPath, [LAMINA, 'serve', '--template', template, '--port', '0', ...extra], { env, cwd: work });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let base = '';
  while (base === '') {
    base = /serving .* on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]);
    if (gone && base === '') throw new Error(`lamina serve exited: ${output}`);
  }
  return { child, base, output: () => output };
}

async function stop(served: Served): Promise<void> {
  const exited = new Promise((resolve) => served.child.once('exit', resolve));
  served.child.kill('SIGTERM');
  await exited;
}

interface Answer {
  version: string;
  execPath: string;
  executionEnv: string;
  nodePath: string;
  loader: string;
  cacheBytes: number;
}

async function invoke(served: Served): Promise<Answer> {
  const answer = await fetch(`${served.base}/2015-03-31/functions/Fn/invocations`, { method: 'POST', body: '{}' });
  expect(answer.status).toBe(200);
  return (await answer.json()) as Answer;
}


// The real cache root: installed once on this machine, then found there.
beforeAll(async () => {
  await installTestNodes([22]);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('lamina serve on each runtime\'s own Node major', () => {
  it('runs a nodejs22.x function on Node 22 (banner, process.version, AWS_EXECUTION_ENV, NODE_PATH)', async (context) => {
    const node22 = nodeOrSkip(22, context);
    if (node22 === undefined) return;
    const served = await serve(project('nodejs22.x'));
    try {
      expect(served.output()).toContain(`Fn (nodejs22.x, 128 MB, 20 s) on node v${node22.version} (${node22.path})`);
      const answer = await invoke(served);
      expect(answer.version).toBe(`v${node22.version}`);
      expect(answer.version.startsWith('v22.')).toBe(true);
      expect(answer.executionEnv).toBe('AWS_Lambda_nodejs22.x');
      expect(answer.nodePath.split(':')[0]).toBe('/opt/nodejs/node22/node_modules');
      // Its own V8 code cache (recorded by the build, or by the install) is there and readable.
      console.log(`[node-runtimes] the client ran from ${answer.loader}; its Node 22 code cache: ${answer.cacheBytes} bytes`);
      expect(answer.cacheBytes).toBeGreaterThan(0);
    } finally {
      await stop(served);
    }
  });

  it('--host-node runs it on the host\'s node, with a warning naming both versions', async () => {
    const runtime = process.versions.node.startsWith('22.') ? 'nodejs24.x' : 'nodejs22.x';
    const served = await serve(project(runtime), ['--host-node']);
    try {
      expect(served.output()).toContain(`--host-node: ${runtime} functions run on this machine's node ${process.version}`);
      expect((await invoke(served)).version).toBe(process.version);
    } finally {
      await stop(served);
    }
  });

  it('offline with an empty cache: serve stops and names the command that installs the runtime', async () => {
    const empty = mkdtempSync(join(work, 'empty-cache-'));
    const env = { ...process.env, LAMINA_RUNTIMES_DIR: empty, npm_config_registry: await deadRegistryUrl() };
    const child = spawn(process.execPath, [LAMINA, 'serve', '--template', project('nodejs26.x'), '--port', '0'], { env, cwd: work });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/nodejs26\.x needs Node\.js 26, which is not installed and could not be downloaded .*'lamina runtimes install nodejs26\.x'/);
  });
});
