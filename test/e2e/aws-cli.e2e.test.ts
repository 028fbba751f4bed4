/**
 * The AWS CLI (`aws lambda invoke`, v1 or v2, whichever is on PATH) against the real front door
 * and the echo custom runtime (docs/invoke-api.md and docs/peers.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAwsCli, makeAwsCliHome, payloadArgs, runAwsCli, type AwsCliHome } from '../helpers/aws-cli.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

const detected = detectAwsCli();
if (detected.unavailable !== undefined) console.warn(`[aws-cli.e2e] skipped: ${detected.unavailable}`);

describe.skipIf(detected.cli === undefined)(`the AWS CLI (${detected.cli?.version ?? 'missing'}) against Lamina`, () => {
  const cli = detected.cli!;
  let lamina: RunningLamina;
  let home: AwsCliHome;
  let outputs = 0;

  beforeAll(async () => {
    lamina = await startLamina([bootstrapFunction('echo')]);
    home = makeAwsCliHome();
  });

  afterAll(async () => {
    await lamina?.stop();
    home?.remove();
  });

  /** `aws lambda invoke` with the payload, into a fresh output file; returns the file's content too. */
  async function invoke(functionName: string, payload: unknown, extra: string[] = []) {
    const outFile = join(home.dir, `out-${++outputs}.json`);
    const result = await runAwsCli(
      [
        'lambda', 'invoke',
        '--endpoint-url', lamina.url,
        '--region', 'us-east-1',
        '--function-name', functionName,
        ...(payload === undefined ? [] : payloadArgs(cli, JSON.stringify(payload))),
        ...extra,
        outFile,
      ],
      home,
    );
    let file: string | undefined;
    try {
      file = readFileSync(outFile, 'utf8');
    } catch {
      file = undefined;
    }
    return { ...result, file };
  }

  const printed = (stdout: string): Record<string, unknown> => JSON.parse(stdout) as Record<string, unknown>;

  it('invokes RequestResponse: the payload lands in the output file', async () => {
    const out = await invoke('echo', { echo: { hello: 'cli', n: [1, 2] } });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.file!)).toEqual({ hello: 'cli', n: [1, 2] });
    const answer = printed(out.stdout);
    expect(answer.StatusCode).toBe(200);
    expect(answer.ExecutedVersion).toBe('$LATEST');
    expect(answer).not.toHaveProperty('FunctionError');
    expect(answer).not.toHaveProperty('LogResult');
  });

  it('reports a failing event with FunctionError Unhandled and the error JSON in the file', async () => {
    const out = await invoke('echo', { fail: 'cli says no' });
    // A function error is not a CLI error: exit 0, the error is in the output.
    expect(out.code).toBe(0);
    const answer = printed(out.stdout);
    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBe('Unhandled');
    expect(answer.ExecutedVersion).toBe('$LATEST');
    expect(JSON.parse(out.file!)).toEqual({ errorType: 'Failed', errorMessage: 'cli says no' });
  });

  it('returns the Tail log with --log-type Tail', async () => {
    const out = await invoke('echo', { echo: 'tailed', log: 'a line for the tail' }, ['--log-type', 'Tail']);
    expect(out.code).toBe(0);
    expect(out.file).toBe('"tailed"');
    const answer = printed(out.stdout);
    expect(typeof answer.LogResult).toBe('string');
    const log = Buffer.from(answer.LogResult as string, 'base64').toString();
    expect(log).toMatch(/^START RequestId: ([0-9a-f-]{36}) Version: \$LATEST\n/);
    const requestId = /^START RequestId: ([0-9a-f-]{36})/.exec(log)![1];
    expect(log).toContain('a line for the tail\n');
    expect(log).toContain(`END RequestId: ${requestId}\n`);
    expect(log).toMatch(new RegExp(`REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\t`));
  });

  it('accepts an Event invocation with StatusCode 202', async () => {
    const out = await invoke('echo', { log: 'async from the cli' }, ['--invocation-type', 'Event']);
    expect(out.code).toBe(0);
    expect(printed(out.stdout).StatusCode).toBe(202);
    expect(out.file ?? '').toBe('');
    await expect.poll(() => lamina.output.join(''), { timeout: 10_000 }).toContain('[echo] async from the cli');
  });

  it('answers a DryRun with StatusCode 204', async () => {
    const out = await invoke('echo', undefined, ['--invocation-type', 'DryRun']);
    expect(out.code).toBe(0);
    expect(printed(out.stdout).StatusCode).toBe(204);
    expect(out.file ?? '').toBe('');
  });

  it('accepts the full function ARN', async () => {
    const out = await invoke('arn:aws:lambda:us-east-1:000000000000:function:echo', { echo: 'by arn' });
    expect(out.code).toBe(0);
    expect(out.file).toBe('"by arn"');
  });

  it('fails with ResourceNotFoundException for an unknown function', async () => {
    const out = await invoke('no-such-function', { echo: 1 });
    expect(out.code).not.toBe(0);
    expect(out.code).not.toBeNull();
    expect(out.stderr).toContain('ResourceNotFoundException');
    expect(out.stderr).toContain('Invoke operation');
    expect(out.stdout).toBe('');
  });
});
