/**
 * `lamina serve`'s SigV4 verification settings: whether to verify, and against which keys
 * (the host's `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, plus any in `--credentials-file`).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { SigningCredentials } from '../invoke/sigv4-verifier.js';
import type { HostEnvironment } from './host-environment.js';

/**
 * The key pairs of an AWS shared-credentials file (`~/.aws/credentials` format): every profile
 * with `aws_access_key_id` and `aws_secret_access_key` (and `aws_session_token`, when set).
 *
 * @example
 * parseCredentialsFile('[default]\naws_access_key_id = AKID\naws_secret_access_key = s\n'); // [{ accessKeyId: 'AKID', ... }]
 */
export function parseCredentialsFile(text: string, path = 'credentials file'): SigningCredentials[] {
  const profiles = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (section !== null) {
      current = {};
      profiles.set(section[1] ?? '', current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || current === undefined) throw new ConfigError(`${path}:${index + 1}: expected '[profile]' or 'key = value'`);
    current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  const keys: SigningCredentials[] = [];
  for (const [name, values] of profiles) {
    const accessKeyId = values['aws_access_key_id'];
    const secretAccessKey = values['aws_secret_access_key'];
    if (accessKeyId === undefined && secretAccessKey === undefined) continue;
    if (!accessKeyId || !secretAccessKey) throw new ConfigError(`${path}: profile [${name}] needs both aws_access_key_id and aws_secret_access_key`);
    keys.push({ accessKeyId, secretAccessKey, sessionToken: values['aws_session_token'] || undefined });
  }
  return keys;
}

export interface SignatureFlags {
  readonly verify: boolean;
  readonly noVerify: boolean;
  readonly credentialsFile: string | undefined;
  /** The address `lamina serve` binds. */
  readonly host: string;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

/**
 * Verification is off by default on loopback and on by default anywhere else (the Invoke API runs
 * code: on a reachable address, only callers holding a key should). Returns the keys to verify
 * against, or undefined when verification is off.
 *
 * @example
 * signatureSettings({ verify: true, noVerify: false, credentialsFile: undefined, host: '127.0.0.1' }, host);
 */
export function signatureSettings(flags: SignatureFlags, host: HostEnvironment): SigningCredentials[] | undefined {
  if (flags.verify && flags.noVerify) throw new ConfigError('--verify-signatures and --no-verify-signatures contradict each other');
  const verify = flags.verify || (!flags.noVerify && !isLoopback(flags.host));
  if (!verify) return undefined;
  const keys = knownSigningKeys(flags.credentialsFile, host);
  if (keys.length === 0) {
    const why = flags.verify ? '--verify-signatures' : `--host ${flags.host} (not loopback) turns on signature verification, and it`;
    throw new ConfigError(
      `${why} needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --credentials-file <file>` +
        (flags.verify ? '' : '; --no-verify-signatures serves without authentication'),
    );
  }
  return keys;
}

/**
 * Every key `lamina serve` knows: the host's `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` and the
 * profiles of `--credentials-file`. `AWS_IAM` function URLs verify against these whether or not
 * the Invoke API does.
 *
 * @example knownSigningKeys(undefined, host) // [{ accessKeyId: 'AKID', secretAccessKey: '...' }] when the host has keys
 */
export function knownSigningKeys(credentialsFile: string | undefined, host: HostEnvironment): SigningCredentials[] {
  const keys: SigningCredentials[] = host.credentials === undefined ? [] : [host.credentials];
  if (credentialsFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(credentialsFile, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read --credentials-file ${credentialsFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    keys.push(...parseCredentialsFile(text, credentialsFile));
  }
  return keys;
}
