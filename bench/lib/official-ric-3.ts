/**
 * The 3.x line of the official Node.js runtime interface client (`aws-lambda-ric@3.3.0`), the client
 * of Lambda's nodejs20.x/nodejs22.x runtimes, for the differential conformance suite
 * (test/helpers/official-ric-3.ts re-exports it) and the runtime matrix of the cold benchmark.
 *
 * Not a dev dependency: its install script builds curl and aws-lambda-cpp from source with
 * autotools and cmake (minutes, and it fails where autoreconf is missing). Its native addon's source
 * (rapid-client.cc) is byte for byte the one of the installed `aws-lambda-ric@4`, and a Node-API
 * addon loads on every Node major, so this fetches the 3.3.0 package once with `npm pack` (no
 * install scripts run) into `~/.cache/lamina-test/` and copies the 4.x build of the addon next to
 * its `dist/index.mjs`. Without network or npm, the versions it serves are skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

export const OFFICIAL_RIC_3_VERSION = '3.3.0';

/** Where the unpacked package is kept between runs. */
export const OFFICIAL_RIC_3_DIR = join(process.env['LAMINA_TEST_CACHE'] || join(homedir(), '.cache', 'lamina-test'), `aws-lambda-ric-${OFFICIAL_RIC_3_VERSION}`);

/** Its entry module (exports `run(appRoot, handler)`). */
export const OFFICIAL_RIC_3_ENTRY = join(OFFICIAL_RIC_3_DIR, 'dist', 'index.mjs');

const ADDON = 'rapid-client.node';
/** The installed aws-lambda-ric@4 (a dev dependency), whose addon build the 3.x package borrows. */
const OFFICIAL_RIC_DIR = join(PROJECT_ROOT, 'node_modules', 'aws-lambda-ric');

function sameAddonSource(): boolean {
  const ours = join(OFFICIAL_RIC_DIR, 'src', 'native', 'rapid-client.cc');
  const theirs = join(OFFICIAL_RIC_3_DIR, 'src', 'rapid-client.cc');
  return existsSync(ours) && existsSync(theirs) && readFileSync(ours, 'utf8') === readFileSync(theirs, 'utf8');
}

/**
 * Make `aws-lambda-ric@3.3.0` runnable; resolves to the reason when it cannot be.
 * @example
 * ```ts
 * const missing = ensureOfficialRic3();
 * if (missing === undefined) spawn(node, ['start.mjs'], { env: { CONFORMANCE_RIC3: OFFICIAL_RIC_3_ENTRY } });
 * ```
 */
export function ensureOfficialRic3(): string | undefined {
  const addon = join(OFFICIAL_RIC_DIR, ADDON);
  if (!existsSync(addon)) return `the aws-lambda-ric@4 native addon it borrows is missing (${addon})`;
  if (!existsSync(OFFICIAL_RIC_3_ENTRY)) {
    const parent = join(OFFICIAL_RIC_3_DIR, '..');
    const staging = join(parent, `.staging-${process.pid}`);
    mkdirSync(staging, { recursive: true });
    try {
      const pack = spawnSync('npm', ['pack', `aws-lambda-ric@${OFFICIAL_RIC_3_VERSION}`, '--pack-destination', staging, '--silent'], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      const tarball = pack.stdout?.trim().split('\n').pop();
      if (pack.status !== 0 || tarball === undefined || tarball === '') {
        return `npm pack aws-lambda-ric@${OFFICIAL_RIC_3_VERSION} failed: ${(pack.stderr || String(pack.error)).trim().split('\n')[0]}`;
      }
      const untar = spawnSync('tar', ['xzf', join(staging, tarball), '-C', staging], { encoding: 'utf8' });
      if (untar.status !== 0) return `cannot unpack ${tarball}: ${untar.stderr.trim()}`;
      rmSync(OFFICIAL_RIC_3_DIR, { recursive: true, force: true });
      renameSync(join(staging, 'package'), OFFICIAL_RIC_3_DIR);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  if (!sameAddonSource()) return `the native addon source of aws-lambda-ric@${OFFICIAL_RIC_3_VERSION} differs from the installed 4.x one, so its build cannot be borrowed`;
  // A copy, not a link: a link would dangle once the checkout it points into moves (worktrees).
  const copy = join(OFFICIAL_RIC_3_DIR, 'dist', ADDON);
  try {
    const current = lstatSync(copy, { throwIfNoEntry: false });
    if (current === undefined || !current.isFile() || !readFileSync(copy).equals(readFileSync(addon))) {
      rmSync(copy, { force: true });
      copyFileSync(addon, copy);
    }
  } catch (error) {
    return `cannot copy ${addon} to ${copy}: ${String(error)}`;
  }
  return undefined;
}
