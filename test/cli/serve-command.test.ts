/**
 * `lamina serve` as a user runs it: the real executable, the example template, real processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { FIXTURES } from '../helpers/function-config.js';
import { startServe } from '../helpers/serve-process.js';

const LAMINA = join(PROJECT_ROOT, 'bin', 'lamina.js');
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LAMINA, ...args], { env: ENV, cwd: PROJECT_ROOT });
    // A command that should have been refused but serves instead must not outlive the test.
    const guard = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.once('exit', () => clearTimeout(guard));
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

describe('lamina serve refuses bad asynchronous settings before serving', () => {
  const SNS_TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';
  const TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Notifier:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${join(FIXTURES, 'runtimes', 'recorder')}
      EventInvokeConfig:
        MaximumRetryAttempts: 0
        DestinationConfig:
          OnFailure: { Type: SNS, Destination: ${SNS_TOPIC} }
`;
  const PLAIN = TEMPLATE.slice(0, TEMPLATE.indexOf('      EventInvokeConfig:'));
  let dir = '';
  let sleeper: ChildProcess | undefined;
  afterEach(() => {
    sleeper?.kill('SIGKILL');
    sleeper = undefined;
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  /** A directory with the template (with or without the SNS destination); serve's arguments for it. */
  function setUp(text = TEMPLATE): string[] {
    dir = mkdtempSync(join(tmpdir(), 'lamina-serve-async-'));
    writeFileSync(join(dir, 'template.yaml'), text);
    return ['serve', '--template', join(dir, 'template.yaml'), '--port', '0', '--sqs-port', '0', '--state-dir', join(dir, 'state'), '--no-limits'];
  }

  function expectRefused(result: { code: number | null; stdout: string }): void {
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('Lamina is serving');
  }

  it.each(['0', 'abc', '-1', ''])('refuses --async-time-scale %j', async (value) => {
    const result = await run([...setUp(PLAIN), `--async-time-scale=${value}`]);
    expectRefused(result);
    expect(result.stderr).toContain('--async-time-scale must be a positive number');
  });

  it.each([
    ['--aws-endpoint', 'ftp://x'],
    ['--aws-endpoint', 'not a url'],
    ['--sqs-endpoint', 'file:///etc/passwd'],
    ['--sns-endpoint', 'ftp://x'],
    ['--events-endpoint', 'javascript:alert(1)'],
    ['--kinesis-endpoint', 'ftp://x'],
  ])('refuses %s %s, naming the option given', async (option, value) => {
    const result = await run([...setUp(PLAIN), option, value]);
    expectRefused(result);
    expect(result.stderr).toContain(`${option} must be`);
    expect(result.stderr).toContain(value);
  });

  it('refuses an account concurrency below the unreserved 100 and exits (the event queue opened before it is closed)', async () => {
    // It printed the refusal and then never exited: the queue's writer thread, opened before the
    // platform's check, was closed only by the platform that was never made.
    const result = await run([...setUp(PLAIN), '--account-concurrency', '3']);
    expectRefused(result);
    expect(result.stderr).toContain('more than the account concurrency limit of 3');
    expect(existsSync(join(dir, 'state', 'serve.lock'))).toBe(false);
  });

  it('refuses a state directory another live Lamina holds, with its pid, and leaves it alone', async () => {
    const args = setUp(PLAIN);
    sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    const state = join(dir, 'state');
    mkdirSync(state);
    writeFileSync(join(state, 'serve.lock'), `${sleeper.pid}\n`);
    const result = await run(args);
    expectRefused(result);
    expect(result.stderr).toContain(`in use by another Lamina (pid ${sleeper.pid})`);
    expect(readFileSync(join(state, 'serve.lock'), 'utf8')).toBe(`${sleeper.pid}\n`);
    expect(existsSync(join(state, 'events.db'))).toBe(false);
  });

  it('refuses a corrupt events.db at start, leaves it byte for byte, and releases the state directory', async () => {
    const args = setUp(PLAIN);
    const state = join(dir, 'state');
    mkdirSync(state);
    const garbage = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4080, 0xee)]);
    writeFileSync(join(state, 'events.db'), garbage);
    const result = await run(args);
    expectRefused(result);
    expect(result.stderr).toContain(`Event queue ${join(state, 'events.db')} cannot be opened`);
    expect(readFileSync(join(state, 'events.db')).equals(garbage)).toBe(true);
    expect(existsSync(join(state, 'serve.lock'))).toBe(false);
  });

  it('refuses an SNS OnFailure destination without --sns-endpoint, naming the function and the option', async () => {
    const result = await run(setUp());
    expectRefused(result);
    expect(result.stderr).toContain(`Notifier: OnFailure destination ${SNS_TOPIC} needs --sns-endpoint (or --aws-endpoint)`);
  });

  it('starts with the same template once --sns-endpoint is given', async () => {
    const args = setUp().slice(1);
    const { serve } = await startServe([...args, '--sns-endpoint', 'http://127.0.0.1:1'], dir, /Event invokes are queued durably in (\S+)/);
    expect(serve.output()).toContain(`Event invokes are queued durably in ${join(dir, 'state')}`);
    expect(readFileSync(join(dir, 'state', 'serve.lock'), 'utf8')).toBe(`${serve.child.pid}\n`);
    expect(await serve.stop()).toBe(0);
    expect(existsSync(join(dir, 'state', 'serve.lock'))).toBe(false);
  });
});
