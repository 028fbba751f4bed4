/**
 * The AWS CLI (`aws`, v1 or v2) as a caller of Lamina's front door, for end-to-end tests.
 * Detection is synchronous (at module load, to decide whether to skip); invocations are
 * asynchronous so that a Lamina server in the same process can answer them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AwsCli {
  /** `aws --version` output, e.g. `aws-cli/1.45.11 Python/3.11.7 ...`. */
  readonly version: string;
  readonly major: 1 | 2;
}

/** Find `aws` on PATH: the CLI, or the reason it cannot be used. */
export function detectAwsCli(): { cli: AwsCli; unavailable?: undefined } | { cli?: undefined; unavailable: string } {
  const probe = spawnSync('aws', ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error !== undefined) return { unavailable: `\`aws --version\` could not run: ${probe.error.message}` };
  // v1 on old Pythons prints its version on stderr.
  const version = `${probe.stdout}${probe.stderr}`.trim();
  const match = /aws-cli\/(\d+)\./.exec(version);
  if (probe.status !== 0 || match === null) return { unavailable: `\`aws --version\` failed (exit ${probe.status}): ${version}` };
  const major = Number(match[1]);
  if (major !== 1 && major !== 2) return { unavailable: `unsupported AWS CLI major version ${major}: ${version}` };
  return { cli: { version, major } };
}

/** A throwaway HOME with an AWS config and dummy credentials; nothing of the user's leaks in. */
export interface AwsCliHome {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  remove(): void;
}

export function makeAwsCliHome(): AwsCliHome {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-aws-cli-'));
  mkdirSync(join(dir, '.aws'));
  writeFileSync(join(dir, '.aws', 'config'), '[default]\nregion = us-east-1\noutput = json\n');
  writeFileSync(join(dir, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // A pyenv shim finds its interpreters under $HOME/.pyenv unless told otherwise.
    PYENV_ROOT: process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'),
    ...(process.env.PYENV_VERSION !== undefined ? { PYENV_VERSION: process.env.PYENV_VERSION } : {}),
    HOME: dir,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: join(dir, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, '.aws', 'credentials'),
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
    AWS_PAGER: '',
  };
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AwsCliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `aws ...args` without blocking the event loop; killed after `timeoutMs`. */
export function runAwsCli(args: readonly string[], home: AwsCliHome, timeoutMs = 15_000): Promise<AwsCliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('aws', args, { cwd: home.dir, env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * The arguments for `aws lambda invoke` with an inline JSON payload: v2 needs
 * `--cli-binary-format raw-in-base64-out` to take it as raw bytes, v1 sends it as given (and does
 * not know the option).
 */
export function payloadArgs(cli: AwsCli, payload: string): string[] {
  return cli.major === 2 ? ['--cli-binary-format', 'raw-in-base64-out', '--payload', payload] : ['--payload', payload];
}
