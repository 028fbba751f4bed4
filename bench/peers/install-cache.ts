/**
 * Peers are installed on demand into a cache folder of their own, never as dependencies of
 * Lamina: `~/.cache/lamina-bench/peers/<name>@<version>/` holds a `node_modules` filled by
 * `npm install --prefix <dir> --no-save`, and a marker file written only once that install
 * succeeded. Two processes installing the same peer at once (parallel test files, a bench run next
 * to a test) take turns through a lock folder.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where every peer is installed. */
export const PEER_CACHE_ROOT = join(homedir(), '.cache', 'lamina-bench', 'peers');

/** npm can take a minute on a cold cache (serverless@3 brings ~600 packages). */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
/** A lock older than this belongs to a process that died mid-install. */
const STALE_LOCK_MS = INSTALL_TIMEOUT_MS + 60_000;
const MARKER = '.lamina-installed.json';

export interface PeerPackages {
  /** Folder name under {@link PEER_CACHE_ROOT}, e.g. `serverless-offline@13.10.1`. */
  readonly key: string;
  /** Exact npm specs, e.g. `['serverless@3.40.0', 'serverless-offline@13.10.1']`. */
  readonly packages: readonly string[];
}

/** The folder a peer is (or will be) installed into. */
export function peerDir(peer: PeerPackages): string {
  return join(PEER_CACHE_ROOT, peer.key);
}

/** Whether the peer's install finished, with exactly these packages. */
export function isInstalled(peer: PeerPackages): boolean {
  try {
    const marker = JSON.parse(readFileSync(join(peerDir(peer), MARKER), 'utf8')) as { packages?: unknown };
    return JSON.stringify(marker.packages) === JSON.stringify(peer.packages);
  } catch {
    return false;
  }
}

function runNpm(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // npm's own update check and funding notices would reach for the network beyond the registry.
    const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
    const child = spawn('npm', [...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      // npm says what went wrong first (code, syscall, message); a stack and advice follow.
      if (errors.length < 8000) errors += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run npm: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else {
        const said = errors.split('\n').filter((line) => line.trim() !== '' && !/^npm error\s+at /.test(line)).slice(0, 4);
        reject(new Error(`npm ${args[0] ?? ''} failed (${signal ?? `exit ${code}`}): ${said.join(' | ')}`));
      }
    });
  });
}

async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(PEER_CACHE_ROOT, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const installing = new Map<string, Promise<string>>();

/**
 * Install the peer's packages into its cache folder unless they are there already; resolves to
 * the folder. Rejects with npm's last lines when the registry cannot be reached.
 *
 * @example
 * const dir = await ensureInstalled({ key: 'lambda-local@2.2.0', packages: ['lambda-local@2.2.0'] });
 * // dir/node_modules/lambda-local
 */
export function ensureInstalled(peer: PeerPackages): Promise<string> {
  const dir = peerDir(peer);
  if (isInstalled(peer)) return Promise.resolve(dir);
  let pending = installing.get(peer.key);
  if (pending === undefined) {
    pending = withLock(dir, async () => {
      if (isInstalled(peer)) return dir; // another process finished while we waited
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      // A package.json of its own: npm must not walk up and install into an enclosing project.
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'lamina-bench-peer', private: true }, null, 2)}\n`);
      process.stderr.write(`lamina bench: installing ${peer.packages.join(' ')} into ${dir} (once)\n`);
      await runNpm(['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', ...peer.packages]);
      writeFileSync(join(dir, MARKER), `${JSON.stringify({ packages: peer.packages, installedAt: new Date().toISOString() })}\n`);
      return dir;
    }).finally(() => installing.delete(peer.key));
    installing.set(peer.key, pending);
  }
  return pending;
}


/**
 * Why the peer cannot run here (npm could not install it), or undefined once it is installed:
 * what a peer's `available()` answers.
 *
 * @example
 * const reason = await installProblem(LAMBDA_LOCAL_PACKAGES); // undefined, or 'cannot install ...: npm ... failed'
 */
export async function installProblem(peer: PeerPackages): Promise<string | undefined> {
  try {
    await ensureInstalled(peer);
    return undefined;
  } catch (error) {
    return `cannot install ${peer.packages.join(' ')}: ${(error as Error).message}`;
  }
}
