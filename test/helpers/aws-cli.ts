/**
 * The AWS CLI (`aws`, v1 or v2) as a caller of Lamina's front door, for end-to-end tests.
 * Detection is synchronous (at module load, to decide whether to skip); invocations are
 * asynchronous so that a Lamina server in the same process can answer them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface AwsCli {
  /** `aws --version` output, e.g. `aws-cli/1.45.11 Python/3.11.7 ...`. */
  readonly version: string;
  readonly major: 1 | 2;
}

export interface AwsCliFound extends AwsCli {
  /** The executable to run. */
  readonly path: string;
}

/** `aws --version` of one executable: the CLI, or why it cannot be used. */
function probeAwsCli(path: string): AwsCliFound | string {
  const probe = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error !== undefined) return `\`${path} --version\` could not run: ${probe.error.message}`;
  // v1 on old Pythons prints its version on stderr.
  const version = `${probe.stdout}${probe.stderr}`.trim();
  const match = /aws-cli\/(\d+)\./.exec(version);
  if (probe.status !== 0 || match === null) return `\`${path} --version\` failed (exit ${probe.status}): ${version}`;
  const major = Number(match[1]);
  if (major !== 1 && major !== 2) return `unsupported AWS CLI major version ${major}: ${version}`;
  return { version, major, path };
}

let chosen: ReturnType<typeof findAwsCli> | undefined;

/**
 * The CLI the tests use: `$LAMINA_AWS_CLI` when set, else the first v2 among the `aws` executables
 * on PATH (the version people use today; a pyenv v1 shim may come first on PATH), else the first v1.
 */
function findAwsCli(): { cli: AwsCliFound; unavailable?: undefined } | { cli?: undefined; unavailable: string } {
  const forced = process.env.LAMINA_AWS_CLI;
  if (forced !== undefined && forced !== '') {
    const found = probeAwsCli(forced);
    return typeof found === 'string' ? { unavailable: found } : { cli: found };
  }
  const candidates = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, 'aws')).filter((path) => existsSync(path));
  const found = [...new Set(candidates)].map(probeAwsCli);
  const usable = found.filter((f): f is AwsCliFound => typeof f !== 'string');
  const best = usable.find((f) => f.major === 2) ?? usable[0];
  if (best !== undefined) return { cli: best };
  return { unavailable: found.length === 0 ? 'no `aws` executable on PATH (apt-get install -y awscli gives the AWS CLI v2)' : String(found[0]) };
}

/** Find the AWS CLI (see findAwsCli): the CLI, or the reason it cannot be used. */
export function detectAwsCli(): { cli: AwsCliFound; unavailable?: undefined } | { cli?: undefined; unavailable: string } {
  chosen ??= findAwsCli();
  return chosen;
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

/** Run the detected `aws ...args` without blocking the event loop; killed after `timeoutMs`. */
export function runAwsCli(args: readonly string[], home: AwsCliHome, timeoutMs = 15_000): Promise<AwsCliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(detectAwsCli().cli?.path ?? 'aws', args, { cwd: home.dir, env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
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
