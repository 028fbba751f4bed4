/**
 * `lamina serve` with a template whose function uses an `AWS::Serverless::LayerVersion` holding
 * `extensions/sh-probe` (sh + curl): the real executable, the machine's default limits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { FIXTURES } from '../helpers/function-config.js';

const LAMINA = join(PROJECT_ROOT, 'bin', 'lamina.js');
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };

const TEMPLATE = `Resources:
  Probes:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
  Ext:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: function.handler
      CodeUri: code/
      Timeout: 10
      Layers:
        - !Ref Probes
`;

// Releases event n when the file "release.n" shows up in the function's code directory.
const SH_PROBE = `#!/bin/sh
name=$(basename "$0")
api="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
headers=$(mktemp)
curl -s -D "$headers" -o /dev/null -X POST -H "Lambda-Extension-Name: $name" -d '{"events":["INVOKE","SHUTDOWN"]}' "$api/register"
id=$(grep -i '^lambda-extension-identifier:' "$headers" | cut -d' ' -f2 | tr -d '\\r')
n=0
while true; do
  event=$(curl -s -H "Lambda-Extension-Identifier: $id" "$api/event/next")
  echo "[$name] got $event"
  case "$event" in *SHUTDOWN*) exit 0 ;; esac
  n=$((n+1))
  while [ ! -e "$LAMBDA_TASK_ROOT/release.$n" ]; do sleep 0.05; done
  echo "[$name] done $n"
done
`;

let child: ChildProcess;
let base = '';
let output = '';
let code = '';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-serve-ext-'));
  chmodSync(dir, 0o755);
  code = join(dir, 'code');
  for (const sub of ['code', 'layer', 'layer/extensions']) mkdirSync(join(dir, sub), { mode: 0o755 });
  copyFileSync(join(FIXTURES, 'runtimes', 'echo', 'bootstrap'), join(code, 'bootstrap'));
  chmodSync(join(code, 'bootstrap'), 0o755);
  writeFileSync(join(dir, 'layer', 'extensions', 'sh-probe'), SH_PROBE, { mode: 0o755 });
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  child = spawn(process.execPath, [LAMINA, 'serve', '--template', join(dir, 'template.yaml'), '--port', '0'], { env: ENV, cwd: dir });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  for (let i = 0; i < 1200 && base === '' && child.exitCode === null; i += 1) {
    base = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(base, output).not.toBe('');
}, 90_000);

afterAll(async () => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  // Stopping serve retires the environment: the extension is told SHUTDOWN, reason spindown.
  expect(output).toMatch(/\[sh-probe\] got \{"eventType":"SHUTDOWN","shutdownReason":"spindown","deadlineMs":\d+\}/);
});

it('registers the layer\'s extension, sends it INVOKE with the request id, and answers before it is done', async () => {
  const answer = await fetch(`${base}/2015-03-31/functions/Ext/invocations`, { method: 'POST', body: '{"echo":"hi"}' });
  expect(answer.status).toBe(200);
  expect(await answer.json()).toBe('hi');
  const requestId = answer.headers.get('x-amzn-requestid') ?? '';
  await expect.poll(() => output).toContain(`"requestId":"${requestId}"`);
  expect(output).toMatch(/\[sh-probe\] got \{"eventType":"INVOKE"/);
  expect(output).not.toContain('[sh-probe] done 1');
  expect(output).not.toContain(`END RequestId: ${requestId}`);
  writeFileSync(join(code, 'release.1'), '');
  await expect.poll(() => output, { timeout: 5000 }).toMatch(new RegExp(`\\[sh-probe\\] done 1[\\s\\S]*END RequestId: ${requestId}`));
}, 30_000);
