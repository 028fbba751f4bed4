/**
 * `lamina invoke` through the real CLI (bin/lamina.js) and real runtime processes, with limits and
 * isolation on (the default): the function's payload exactly on stdout, its log on stderr, the exit
 * statuses (0, 1 for a function error, 2 for usage and input errors), `--env-vars` as SAM applies
 * it, the event from stdin, and the log kept in the state directory for `lamina logs`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { LAMINA_BIN } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-invoke-e2e-'));
const STATE = join(dir, 'state');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    Timeout: 10
    CodeUri: fn/
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.echo
      AutoPublishAlias: live
      Environment:
        Variables:
          STAGE: prod
          TABLE: real-table
  Fails:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.fails
`;

const CODE = `export const echo = async (event, context) => {
  console.log('echo got', JSON.stringify(event));
  return { event, stage: process.env.STAGE, table: process.env.TABLE, extra: process.env.EXTRA ?? null, stream: process.env.AWS_LAMBDA_LOG_STREAM_NAME, unicode: 'é✓' };
};
export const fails = async () => {
  console.error('about to fail');
  throw new TypeError('it broke');
};
`;

mkdirSync(join(dir, 'fn'));
writeFileSync(join(dir, 'fn', 'index.mjs'), CODE);
writeFileSync(join(dir, 'template.yaml'), TEMPLATE);

interface Run {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function lamina(args: readonly string[], stdin?: string): Promise<Run> {
  const child = spawn(process.execPath, [LAMINA_BIN, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' } });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr })));
}

const invoke = (args: readonly string[], stdin?: string): Promise<Run> => lamina(['invoke', ...args, '--state-dir', STATE], stdin);

describe('lamina invoke', () => {
  it('prints the payload exactly on stdout and the log on stderr, exit 0; no --event is {}', async () => {
    const run = await invoke(['Echo']);
    expect(run.code, run.stderr).toBe(0);
    const payload = JSON.parse(run.stdout.toString('utf8')) as { stream: string };
    expect(run.stdout.toString('utf8')).toBe(JSON.stringify({ event: {}, stage: 'prod', table: 'real-table', extra: null, stream: payload.stream, unicode: 'é✓' }));
    expect(payload.stream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    const lines = run.stderr.split('\n');
    const start = lines.findIndex((line) => line.startsWith('START RequestId: '));
    const own = lines.findIndex((line) => line.includes('\tINFO\techo got {}'));
    const end = lines.findIndex((line) => line.startsWith('END RequestId: '));
    const report = lines.findIndex((line) => line.startsWith('REPORT RequestId: ') && line.includes('Init Duration: '));
    expect([start, own, end, report].every((i) => i >= 0), run.stderr).toBe(true);
    expect(start < own && own < end && end < report).toBe(true);
    // The payload is not in the log, nor the log in the payload.
    expect(run.stderr).not.toContain('"unicode"');
  });

  it('reads the event from a file and from stdin with -', async () => {
    writeFileSync(join(dir, 'event.json'), '{"from": "file", "n": [1, 2]}');
    const fromFile = await invoke(['Echo', '--event', 'event.json']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout.toString())).toMatchObject({ event: { from: 'file', n: [1, 2] } });
    const fromStdin = await invoke(['Echo', '--event', '-'], '{"from":"stdin"}');
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(JSON.parse(fromStdin.stdout.toString())).toMatchObject({ event: { from: 'stdin' } });
  });

  it('applies --env-vars to the variables the template declares only, the function over Parameters', async () => {
    writeFileSync(join(dir, 'env.json'), JSON.stringify({ Parameters: { STAGE: 'dev', TABLE: 'global', EXTRA: 'nope' }, Echo: { TABLE: 'local-table' }, Fails: { STAGE: 'x' } }));
    const run = await invoke(['Echo', '--env-vars', 'env.json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.toString())).toMatchObject({ stage: 'dev', table: 'local-table', extra: null });
    expect(run.stderr).toContain('--env-vars: EXTRA not declared');
  });

  it('--qualifier runs the version an alias points at', async () => {
    const run = await invoke(['Echo', '--qualifier', 'live']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout.toString()) as { stream: string }).stream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[1\][0-9a-f]{32}$/);
    expect(run.stderr).toMatch(/START RequestId: \S+ Version: 1/);
  });

  it('exits 1 on a function error, with the error JSON on stdout and the log on stderr', async () => {
    const run = await invoke(['Fails']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout.toString())).toMatchObject({ errorType: 'TypeError', errorMessage: 'it broke' });
    expect(run.stderr).toContain('about to fail');
    expect(run.stderr).toMatch(/REPORT RequestId: .*Status: error/);
  });

  it('exits 2 with a clear message for bad input, before any function runs', async () => {
    writeFileSync(join(dir, 'bad.json'), '{"unfinished": ');
    const cases: Array<[readonly string[], RegExp, string?]> = [
      [['Nope'], /function 'Nope' is not in the template; its functions: Echo, Fails/],
      [['Echo', '--event', 'missing.json'], /--event missing\.json cannot be read: ENOENT/],
      [['Echo', '--event', 'bad.json'], /--event bad\.json is not JSON/],
      [['Echo', '--event', '-'], /--event stdin is not JSON/, 'plain text'],
      [['Echo', '--env-vars', 'missing-env.json'], /--env-vars missing-env\.json cannot be read: ENOENT/],
      [['Echo', '--env-vars', 'bad.json'], /--env-vars bad\.json not JSON/],
      [['Echo', '--qualifier', 'nope'], /Echo: .*nope/],
      [[], /give exactly one function name/],
      [['Echo', 'Fails'], /give exactly one function name/],
      [['Echo', '--bogus'], /Unknown option '--bogus'/],
      [['Echo', '--template', 'nowhere.yaml'], /nowhere\.yaml/],
    ];
    for (const [args, message, stdin] of cases) {
      const run = await invoke(args, stdin);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stdout.length, args.join(' ')).toBe(0);
      expect(run.stderr).not.toContain('START RequestId');
    }
  });

  it('builds a Metadata BuildMethod: esbuild function once and runs what it built', async () => {
    const run = await lamina(['invoke', 'HelloTypeScript', '--template', join(PROJECT_ROOT, 'examples', 'typescript', 'template.yaml'), '--state-dir', join(dir, 'ts-state'), '--event', '-'], '{"name":"invoke"}');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.toString())).toMatchObject({ message: 'Hello, invoke, from TypeScript' });
  });

  it('keeps its log in the state directory, where lamina logs reads it', async () => {
    const run = await lamina(['logs', 'Fails', '--state-dir', STATE]);
    expect(run.code, run.stderr).toBe(0);
    const text = run.stdout.toString();
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00 \d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32} START RequestId: /m);
    expect(text).toContain('about to fail');
    expect(text).not.toContain('echo got');
  });

  it('prints its usage with the exit statuses', async () => {
    const run = await lamina(['invoke', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toMatch(/Exit status: 0 .* 1 .*\n.*2 for a usage or configuration error/s);
  });
});
