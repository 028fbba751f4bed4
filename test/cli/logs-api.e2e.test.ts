/**
 * `lamina serve --logs-api-port` answered by the real AWS CLI: `aws logs tail` (v2) prints the
 * function's events, with `--filter-pattern` and `--follow` (which polls FilterLogEvents and drops
 * repeats by event id), `describe-log-streams`, `get-log-events`, and an unknown log group refused
 * as CloudWatch refuses it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectAwsCli, makeAwsCliHome, runAwsCli } from '../helpers/aws-cli.js';
import { serveProject } from '../helpers/serve-process.js';

const cli = detectAwsCli();
const project = serveProject('lamina-logs-api-e2e-');
const home = makeAwsCliHome();
afterAll(() => home.remove());

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      CodeUri: fn/
      Handler: index.echo
`;

mkdirSync(join(project.dir, 'fn'));
writeFileSync(join(project.dir, 'fn', 'index.mjs'), "export const echo = async (event) => { console.log('marker', event.marker); return event.marker; };\n");

async function invoke(base: string, marker: string): Promise<void> {
  const response = await fetch(`${base}/2015-03-31/functions/Echo/invocations`, { method: 'POST', body: JSON.stringify({ marker }) });
  expect(await response.text()).toBe(JSON.stringify(marker));
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

describe.skipIf(cli.cli?.major !== 2)(`the CloudWatch Logs API with the AWS CLI ${cli.cli?.version ?? `(${cli.unavailable ?? 'v1 has no logs tail'})`}`, () => {
  it('answers aws logs tail (with --follow), describe-log-streams, get-log-events', async () => {
    const serve = await project.start(TEMPLATE, ['--port', '0', '--quiet', '--logs-api-port', '0'], /CloudWatch Logs API on (http:\/\/\S+)/);
    const base = /on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(serve.output())?.[1] ?? '';
    const endpoint = /CloudWatch Logs API on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.output())?.[1] ?? '';
    const aws = (...args: string[]): ReturnType<typeof runAwsCli> => runAwsCli(['logs', ...args, '--endpoint-url', endpoint], home, 30_000);
    await invoke(base, 'one');
    await invoke(base, 'two');
    await until(async () => (await aws('tail', '/aws/lambda/Echo')).stdout.includes('marker two'), 'aws logs tail to show both calls');

    const tail = await aws('tail', '/aws/lambda/Echo', '--since', '1h');
    expect(tail.code, tail.stderr).toBe(0);
    const lines = tail.stdout.trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00 \d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32} /);
    expect(lines.filter((line) => / START RequestId: /.test(line))).toHaveLength(2);
    const filtered = await aws('tail', '/aws/lambda/Echo', '--filter-pattern', '"marker one"', '--format', 'short');
    expect(filtered.stdout.trim().split('\n')).toHaveLength(1);
    expect(filtered.stdout).toContain('marker one');

    const streams = JSON.parse((await aws('describe-log-streams', '--log-group-name', '/aws/lambda/Echo')).stdout) as { logStreams: Array<{ logStreamName: string; storedBytes: number }> };
    expect(streams.logStreams).toHaveLength(1);
    const stream = streams.logStreams[0]?.logStreamName ?? '';
    const got = JSON.parse((await aws('get-log-events', '--log-group-name', '/aws/lambda/Echo', '--log-stream-name', stream, '--start-from-head')).stdout) as { events: Array<{ message: string }> };
    expect(got.events.map((event) => event.message).filter((message) => message.includes('marker'))).toHaveLength(2);

    const unknown = await aws('tail', '/aws/lambda/Nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('ResourceNotFoundException');

    // --follow: polls every few seconds, prints only what it has not printed (unbuffered: stdout is a pipe).
    const follower = spawn(cli.cli?.path ?? 'aws', ['logs', 'tail', '/aws/lambda/Echo', '--follow', '--endpoint-url', endpoint], { cwd: home.dir, env: { ...home.env, PYTHONUNBUFFERED: '1' } });
    let followed = '';
    follower.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    try {
      await until(() => followed.includes('marker two'), 'the follower to print what is there');
      await invoke(base, 'three');
      await until(() => followed.includes('marker three'), 'the follower to print a new call');
      expect(followed.match(/marker one/g)).toHaveLength(1);
    } finally {
      follower.kill('SIGINT');
    }
  }, 120_000);
});
