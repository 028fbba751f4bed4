/**
 * `lamina serve` as a user runs it: the real executable, the example template, real processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

const LAMINA = join(PROJECT_ROOT, 'bin', 'lamina.js');
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LAMINA, ...args], { env: ENV, cwd: PROJECT_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('lamina serve with examples/template.yaml', () => {
  let child: ChildProcess;
  let base = '';
  let output = '';

  beforeAll(async () => {
    child = spawn(process.execPath, [LAMINA, 'serve', '--template', 'examples/template.yaml', '--port', '0', '--api-port', '0'], { env: ENV, cwd: PROJECT_ROOT });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    // Up to 2 minutes: on a fresh machine serve first installs Node 24 for the nodejs24.x examples.
    for (let i = 0; i < 2400 && base === '' && child.exitCode === null; i += 1) {
      base = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(base).not.toBe('');
  }, 180_000);

  afterAll(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  const invoke = (name: string, body: string) =>
    fetch(`${base}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body });

  it('lists the functions it serves', () => {
    // nodejs24.x runs on Node 24 (installed on first use), named in the banner with its path.
    expect(output).toMatch(/HelloNode \(nodejs24\.x, 256 MB, 10 s\) on node v24\.\d+\.\d+ \(\/\S+\/bin\/node\)/);
    expect(output).toContain('HelloShell (provided.al2023, 128 MB, 5 s)');
  });

  it('runs the Node example on its own runtime interface client', async () => {
    const answer = await invoke('HelloNode', '{"name":"Ada"}');
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { message: string; input: unknown };
    expect(body.message).toBe('Hello from Lamina');
    expect(body.input).toEqual({ name: 'Ada' });
  });

  it('serves HelloNode behind its HTTP API route too', async () => {
    let api = '';
    for (let i = 0; i < 200 && api === ''; i += 1) {
      api = /ServerlessHttpApi \(HTTP API, stage \$default\): (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
      if (api === '') await new Promise((r) => setTimeout(r, 50));
    }
    expect(output).toContain('GET /hello/{name} -> HelloNode');
    const answer = await fetch(`${api}/hello/Ada?lang=en`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    const body = (await answer.json()) as { message: string; input: { rawPath: string; pathParameters: unknown; queryStringParameters: unknown } };
    expect(body.message).toBe('Hello from Lamina');
    expect(body.input).toMatchObject({ rawPath: '/hello/Ada', pathParameters: { name: 'Ada' }, queryStringParameters: { lang: 'en' } });
  });

  it('runs the shell custom runtime', async () => {
    const answer = await invoke('HelloShell', '{"ping":1}');
    expect(await answer.json()).toEqual({ echo: { ping: 1 } });
  });

  it('reports the failing example as a function error and prints its log prefixed', async () => {
    const answer = await invoke('Failing', '{}');
    expect(answer.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(((await answer.json()) as { errorMessage: string }).errorMessage).toBe('something went wrong');
    await expect.poll(() => output).toMatch(/\[Failing\] REPORT RequestId: [0-9a-f-]{36}\tDuration: /);
  });
});

describe('lamina serve refuses a bad template', () => {
  it('names the resource and property, and does not start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-bad-'));
    const template = join(dir, 'template.yaml');
    writeFileSync(template, 'Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n      Handler: index.handler\n      CodeUri: .\n      MemorySize: 64\n');
    const result = await run(['serve', '--template', template, '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Fn.*MemorySize/);
    expect(result.stdout).not.toContain('serving');
  });

  it('explains an unknown command and a bad option', async () => {
    expect((await run(['nope'])).code).toBe(2);
    const bad = await run(['serve', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--bogus');
  });
});
