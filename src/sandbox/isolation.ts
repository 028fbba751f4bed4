/**
 * Full isolation of each environment (docs/isolation.md): what this machine allows, detected once,
 * and the pieces the platform prepares for it (the empty ext4 images /tmp is copied from).
 *
 * As root with the native launcher, every environment gets its own PID, mount, IPC, UTS, cgroup
 * and network namespaces, a root of its own, Lambda's unprivileged user, no capabilities,
 * no_new_privs and a seccomp filter, and a disk-backed /tmp. Without root none of that is
 * possible; the Runtime API listener then checks who connects (runtime-api-peer.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SANDBOX_LAUNCHER } from '../platform/paths.js';

/** Lambda's function user, `sbx_user1051`. */
export const LAMBDA_UID = 993;
export const LAMBDA_GID = 990;

/** Where the /tmp images and their per-environment copies live: on disk, not in memory. */
export const DEFAULT_STATE_DIR = '/var/tmp/lamina';

export interface IsolationSupport {
  readonly available: boolean;
  /** /tmp on disk (loop devices and mkfs.ext4 present); else a tmpfs, counted as memory. */
  readonly diskTmp: boolean;
  readonly summary: string;
}

function probe(command: string, args: readonly string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 5000 }).status === 0;
}

let detected: IsolationSupport | undefined;

/**
 * @example
 * const isolation = detectIsolation(); // { available: true, diskTmp: true, summary: '...' }
 */
export function detectIsolation(launcher = SANDBOX_LAUNCHER): IsolationSupport {
  if (detected !== undefined && launcher === SANDBOX_LAUNCHER) return detected;
  const result = ((): IsolationSupport => {
    if (process.getuid?.() !== 0) return { available: false, diskTmp: false, summary: 'not root: runtimes share the host\'s network and users; the Runtime API checks that each connection comes from its own environment' };
    if (!existsSync(launcher)) return { available: false, diskTmp: false, summary: 'no native launcher (no C compiler at build time): namespaces, user and seccomp are not applied' };
    if (!probe('unshare', ['--net', '--pid', '--ipc', '--uts', '--cgroup', '--mount', '--fork', 'true'])) {
      return { available: false, diskTmp: false, summary: 'the kernel refuses new network/PID/cgroup namespaces here' };
    }
    const diskTmp = existsSync('/dev/loop-control') && probe('mkfs.ext4', ['-V']);
    const tmp = diskTmp ? '/tmp on disk (ext4, EphemeralStorage)' : '/tmp a tmpfs (no loop devices or mkfs.ext4: counted as memory)';
    return {
      available: true,
      diskTmp,
      summary: `full isolation: own network (Runtime API at 127.0.0.1:9001 inside), PID, mount, IPC and cgroup namespaces; user ${LAMBDA_UID}, no capabilities, seccomp; ${tmp}`,
    };
  })();
  if (launcher === SANDBOX_LAUNCHER) detected = result;
  return result;
}

/**
 * An empty ext4 image of `mb` MB for /tmp, made once per size (mkfs.ext4 on a sparse file, about
 * 40 ms) and copied per environment by the launcher (only its metadata blocks, under 1 ms).
 * Sized 2 MB over `mb` (ext4's own metadata) so that `df /tmp` shows about the asked size.
 *
 * @example
 * const image = tmpImage(512); // '/var/tmp/lamina/images/tmp-512.img'
 */
export function tmpImage(mb: number, stateDir = DEFAULT_STATE_DIR): string {
  const image = join(stateDir, 'images', `tmp-${mb}.img`);
  const bytes = (mb + 2) * 1024 * 1024;
  if (existsSync(image) && statSync(image).size === bytes) return image;
  mkdirSync(dirname(image), { recursive: true, mode: 0o700 });
  // Built aside and renamed: a platform starting at the same time never sees half an image.
  const partial = `${image}.${process.pid}`;
  const made = spawnSync('sh', ['-c', `truncate -s ${bytes} "$1" && mkfs.ext4 -q -F -O ^has_journal -E lazy_itable_init=1,nodiscard -m 0 -i 65536 "$1"`, 'mkfs', partial], { encoding: 'utf8', timeout: 30_000 });
  if (made.status !== 0) throw new Error(`cannot make the /tmp image ${image}: ${made.stderr.trim() || made.error?.message || 'mkfs.ext4 failed'}`);
  renameSync(partial, image);
  return image;
}

/** The directory the launcher makes its unnamed /tmp files in. */
export function tmpCopiesDir(stateDir = DEFAULT_STATE_DIR): string {
  const dir = join(stateDir, 'tmp');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

const SYSTEM_DIRS = ['/usr/', '/bin/', '/sbin/', '/lib/', '/lib64/'];

/**
 * Host paths an isolated runtime must see besides the system directories: the install prefix of
 * an interpreter that lives elsewhere (nvm, a tarball under /opt or a home, Lamina's runtime cache
 * under ~/.cache/lamina/runtimes, which the isolated root does not show otherwise).
 *
 * @example
 * interpreterBinds('/root/.nvm/versions/node/v20.18.0/bin/node'); // ['/root/.nvm/versions/node/v20.18.0']
 * interpreterBinds('/root/.cache/lamina/runtimes/node-v24.22.3/bin/node'); // ['/root/.cache/lamina/runtimes/node-v24.22.3']
 */
export function interpreterBinds(execPath = process.execPath): string[] {
  if (SYSTEM_DIRS.some((dir) => execPath.startsWith(dir))) return [];
  return [dirname(dirname(execPath))];
}
