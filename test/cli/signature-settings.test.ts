/** `lamina serve`'s signature settings, and the real `lamina serve --verify-signatures`. */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readHostEnvironment } from '../../src/cli/host-environment.js';
import { parseCredentialsFile, signatureSettings } from '../../src/cli/signature-settings.js';
import { ConfigError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

const LAMINA = join(PROJECT_ROOT, 'bin', 'lamina.js');
const withKey = readHostEnvironment({ AWS_ACCESS_KEY_ID: 'AKIDHOST', AWS_SECRET_ACCESS_KEY: 'host-secret' });
const without = readHostEnvironment({});
const flags = (extra: Partial<Parameters<typeof signatureSettings>[0]> = {}): Parameters<typeof signatureSettings>[0] => ({
  verify: false,
  noVerify: false,
  credentialsFile: undefined,
  host: '127.0.0.1',
  ...extra,
});

describe('signature settings', () => {
  it('are off on loopback unless asked, on elsewhere unless refused', () => {
    expect(signatureSettings(flags(), withKey)).toBeUndefined();
    expect(signatureSettings(flags({ host: '::1' }), withKey)).toBeUndefined();
    expect(signatureSettings(flags({ verify: true }), withKey)).toEqual([{ accessKeyId: 'AKIDHOST', secretAccessKey: 'host-secret', sessionToken: undefined }]);
    expect(signatureSettings(flags({ host: '0.0.0.0' }), withKey)?.map((k) => k.accessKeyId)).toEqual(['AKIDHOST']);
    expect(signatureSettings(flags({ host: '0.0.0.0', noVerify: true }), without)).toBeUndefined();
    expect(() => signatureSettings(flags({ verify: true, noVerify: true }), withKey)).toThrow(ConfigError);
  });

  it('refuse to verify without any key, saying how to give one', () => {
    expect(() => signatureSettings(flags({ verify: true }), without)).toThrow(/--verify-signatures needs credentials: set AWS_ACCESS_KEY_ID/);
    expect(() => signatureSettings(flags({ host: '0.0.0.0' }), without)).toThrow(/--host 0\.0\.0\.0 \(not loopback\).*--no-verify-signatures/);
  });

  it('read every profile of a credentials file, and refuse a half-given one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-creds-'));
    const file = join(dir, 'credentials');
    writeFileSync(file, '# keys\n[default]\naws_access_key_id = AKIDONE\naws_secret_access_key = one\n\n[ci]\nregion = x\n[temp]\nAWS_ACCESS_KEY_ID=AKIDTWO\naws_secret_access_key=two\naws_session_token=tok\n');
    expect(signatureSettings(flags({ verify: true, credentialsFile: file }), without)).toEqual([
      { accessKeyId: 'AKIDONE', secretAccessKey: 'one', sessionToken: undefined },
      { accessKeyId: 'AKIDTWO', secretAccessKey: 'two', sessionToken: 'tok' },
    ]);
    expect(() => parseCredentialsFile('[p]\naws_access_key_id = A\n')).toThrow(/needs both/);
    expect(() => parseCredentialsFile('aws_access_key_id = A\n')).toThrow(/expected '\[profile\]'/);
    expect(() => signatureSettings(flags({ verify: true, credentialsFile: join(dir, 'missing') }), without)).toThrow(/cannot read --credentials-file .*ENOENT/);
  });
});

describe('lamina serve --verify-signatures (the real executable)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('answers unsigned calls 403 and signed ones as usual; a non-loopback --host without keys does not start', async () => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', AWS_ACCESS_KEY_ID: 'AKIDSERVE', AWS_SECRET_ACCESS_KEY: 'serve-secret' };
    const started = spawn(process.execPath, [LAMINA, 'serve', '--template', 'examples/template.yaml', '--port', '0', '--api-port', '0', '--verify-signatures', '--quiet'], { env, cwd: PROJECT_ROOT });
    child = started;
    let output = '';
    started.stdout.on('data', (d: Buffer) => (output += d.toString()));
    let base = '';
    for (let i = 0; i < 200 && base === ''; i += 1) {
      base = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(output).toContain('SigV4 signatures are verified against 1 access key(s)');
    const unsigned = await fetch(`${base}/2015-03-31/functions/HelloShell/invocations`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const lambda = new LambdaClient({ endpoint: base, region: 'us-east-1', credentials: { accessKeyId: 'AKIDSERVE', secretAccessKey: 'serve-secret' }, maxAttempts: 1 });
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'HelloShell', Payload: Buffer.from('{}') }));
    lambda.destroy();
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    const exited = new Promise((resolve) => started.once('exit', resolve));
    started.kill('SIGTERM');
    expect(await exited).toBe(0);

    const refused = spawn(process.execPath, [LAMINA, 'serve', '--template', 'examples/template.yaml', '--port', '0', '--api-port', '0', '--host', '0.0.0.0'], {
      env: { PATH: env.PATH, HOME: env.HOME },
      cwd: PROJECT_ROOT,
    });
    child = refused;
    let stderr = '';
    refused.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => refused.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('--host 0.0.0.0 (not loopback) turns on signature verification');
  }, 30_000);
});
