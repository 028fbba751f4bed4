/**
 * The log store behind a real `lamina serve` (limits and isolation on, the default) and
 * `lamina logs` as a separate process: the events of invocations in time order with their streams,
 * `--since`, `--filter` (terms and JSON), `--follow` while the server writes, nothing lost at a clean
 * stop (a line printed without its newline is only emitted when the environment shuts down), and a
 * function that prints without end: the store stays under its cap and the server keeps serving.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAMINA_BIN, serveProject } from '../helpers/serve-process.js';

const project = serveProject('lamina-logs-e2e-');
const STATE = join(project.dir, 'state');
const CAP = 2 * 1024 * 1024;

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    CodeUri: fn/
    Timeout: 10
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.echo
  Json:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.json
  Partial:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.partial
  Hostile:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.hostile
      Timeout: 3
`;

const CODE = `import { writeSync } from 'node:fs';
export const echo = async (event) => {
  console.log('marker', event.marker);
  return event.marker;
};
export const json = async (event) => {
  process.stdout.write(JSON.stringify({ level: event.level, code: event.code, msg: 'structured' }) + '\\n');
  return 'ok';
};
export const partial = async () => {
  process.stdout.write('the last words without a newline');
  return 'ok';
};
export const hostile = async () => {
  const line = 'y'.repeat(4000) + '\\n';
  // Synchronous writes: process.stdout.write would queue them behind a loop that never yields.
  for (;;) writeSync(1, line);
};
`;

mkdirSync(join(project.dir, 'fn'));
writeFileSync(join(project.dir, 'fn', 'index.mjs'), CODE);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function logs(args: readonly string[]): Promise<Run> {
  const child = spawn(process.execPath, [LAMINA_BIN, 'logs', ...args, '--state-dir', STATE], { cwd: project.dir });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function invoke(base: string, name: string, event: unknown): Promise<string> {
  const response = await fetch(`${base}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(event) });
  return response.text();
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

function storeBytes(): number {
  const root = join(STATE, 'logs');
  if (!existsSync(root)) return 0;
  let total = 0;
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    try {
      total += statSync(join(entry.parentPath, entry.name)).size;
    } catch {
      // Removed by the cap while we looked.
    }
  }
  return total;
}

/** The messages of `lamina logs` lines (after the time and the stream). */
function messages(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line !== '').map((line) => line.split(' ').slice(2).join(' '));
}

describe('lamina logs after lamina serve', () => {
  it('prints, filters, follows, keeps the last words, and stays bounded', async () => {
    const serve = await project.start(TEMPLATE, ['--port', '0', '--quiet', '--logs-max-size', '2MB'], /Functions, versions, aliases and settings are kept in/);
    const base = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.output())?.[1] ?? '';
    expect(serve.output()).toContain(`Function logs are kept in ${join(STATE, 'logs')}, at most 2MB`);

    expect(await invoke(base, 'Echo', { marker: 'first-call' })).toBe('"first-call"');
    await until(async () => (await logs(['Echo'])).stdout.includes('marker first-call'), 'the first call in the store');
    const between = new Date().toISOString();
    await new Promise((wake) => setTimeout(wake, 20));
    expect(await invoke(base, 'Echo', { marker: 'second-call' })).toBe('"second-call"');
    await until(async () => (await logs(['Echo'])).stdout.includes('marker second-call'), 'the second call in the store');

    // Every event: time, stream, message; the platform's lines around the function's own, in order.
    const all = await logs(['Echo']);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00 \d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32} /);
    const said = messages(all.stdout);
    const order = ['INIT_START', 'START', 'marker first-call', 'END', 'REPORT', 'START', 'marker second-call', 'END', 'REPORT'];
    expect(said.map((m) => order.find((word) => m.startsWith(word) || m.includes(`\t${word}`)) ?? m).filter((m) => order.includes(m))).toEqual(order);

    // --since a date between the calls: the second call only.
    const since = await logs(['Echo', '--since', between]);
    expect(since.stdout).toContain('marker second-call');
    expect(since.stdout).not.toContain('marker first-call');
    expect(since.stdout).not.toContain('INIT_START');
    // --since a duration: nothing is older than an hour.
    expect((await logs(['Echo', '--since', '1h'])).stdout).toBe(all.stdout);

    // --filter: terms, any-of, exclusion; JSON patterns on JSON lines.
    expect(messages((await logs(['Echo', '--filter', 'RequestId -REPORT -START'])).stdout).every((m) => m.startsWith('END RequestId'))).toBe(true);
    expect(messages((await logs(['Echo', '--filter', '?first-call ?second-call'])).stdout).length).toBe(2);
    await invoke(base, 'Json', { level: 'ERROR', code: 500 });
    await invoke(base, 'Json', { level: 'INFO', code: 200 });
    await until(async () => (await logs(['Json', '--filter', '{ $.msg = "structured" }'])).stdout.trim().split('\n').length === 2, 'both JSON lines');
    const errors = await logs(['Json', '--filter', '{ $.level = "ERROR" && $.code >= 500 }']);
    expect(messages(errors.stdout)).toEqual(['{"level":"ERROR","code":500,"msg":"structured"}']);

    // --follow: a separate process that prints what the server writes after it started.
    const follower = spawn(process.execPath, [LAMINA_BIN, 'logs', 'Echo', '--follow', '--state-dir', STATE], { cwd: project.dir });
    let followed = '';
    follower.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    await until(() => followed.includes('marker second-call'), 'the follower to print what is there');
    expect(await invoke(base, 'Echo', { marker: 'while-following' })).toBe('"while-following"');
    await until(() => followed.includes('marker while-following'), 'the follower to print a new event');
    const exited = new Promise<number | null>((resolve) => follower.on('close', resolve));
    follower.kill('SIGTERM');
    expect(await exited).toBe(0);

    // Unknown function: the groups there are.
    const unknown = await logs(['Nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no log group /aws/lambda/Nope for function 'Nope': the log groups there are: /aws/lambda/Echo, /aws/lambda/Json");

    // A function that prints without end: bounded store, a server that still answers.
    let peak = 0;
    const hostile = invoke(base, 'Hostile', {});
    const sampling = setInterval(() => (peak = Math.max(peak, storeBytes())), 50);
    try {
      await until(() => storeBytes() > CAP / 2, 'the hostile function to fill the store');
      expect(await invoke(base, 'Echo', { marker: 'during-flood' })).toBe('"during-flood"');
      expect(JSON.parse(await hostile)).toMatchObject({ errorType: 'Sandbox.Timedout' });
    } finally {
      clearInterval(sampling);
    }
    await until(() => storeBytes() <= CAP, 'the store to be under its cap');
    // Between two flushes the store may pass its cap by what one flush writes (a quarter of it at most, plus a line).
    expect(peak).toBeLessThanOrEqual(CAP * 1.25 + 8192);
    // The REPORT is on disk at the next flush (200 ms), and a flood's output draining after it
    // (the killed function's buffered lines) never drops it: wait for it, never for ever.
    const reported = async (): Promise<boolean> => {
      const flood = await logs(['Hostile']);
      expect(flood.code).toBe(0);
      return /REPORT RequestId: .*Status: timeout/.test(flood.stdout);
    };
    await until(reported, 'the timed-out REPORT in the store');

    // The last words of Partial are emitted when its environment shuts down, at the server's stop.
    await invoke(base, 'Partial', {});
    expect(await serve.stop()).toBe(0);
    expect(storeBytes()).toBeLessThanOrEqual(CAP);
    const last = await logs(['Partial']);
    expect(last.stdout).toContain('the last words without a newline');
    // The flood pushed the older streams out (least recently written first); their groups stay listed.
    const echo = await logs(['Echo']);
    expect(echo.code).toBe(0);
    expect(echo.stdout).not.toContain('marker first-call');
  }, 180_000);
});
