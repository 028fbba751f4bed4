/**
 * The AWS SDK for Python (boto3, botocore) that Lambda's Python runtimes carry (docs/runtimes.md,
 * "The AWS SDK"). Lamina can reach the npm registry and Debian's archive, not PyPI: the store is
 * made from Debian's packages of boto3 and what it needs (pure Python, so one copy serves every
 * `python3.X`), fetched with `apt-get download` (no root needed) and unpacked with `dpkg-deb -x`
 * into `<runtimes cache>/boto3/python`. Debian's certifi reads the system's CA bundle.
 *
 * Environments see it through the Python client's folder (runtime-interface/python, shown at
 * /var/runtime): a `lamina-sdk` link to the store, which the client puts on sys.path after the
 * code, the layers and its own folder (so a function's own boto3 wins, as on Lambda).
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PYTHON_RIC_DIR } from '../platform/paths.js';
import { acquireLock } from './install-lock.js';
import { linkFolder } from './aws-sdk-store.js';
import { runtimesRoot } from './runtime-cache.js';
import { runTool } from './run-tool.js';

/** Debian's boto3 and its dependencies, botocore's unvendored `requests` included. */
export const BOTO3_PACKAGES = [
  'python3-boto3',
  'python3-botocore',
  'python3-s3transfer',
  'python3-jmespath',
  'python3-dateutil',
  'python3-urllib3',
  'python3-six',
  'python3-requests',
  'python3-certifi',
  'python3-charset-normalizer',
  'python3-idna',
  'python3-chardet',
] as const;

/** What the Python client looks for next to itself (runtime-interface/python/lamina_ric/loop.py). */
export const PYTHON_SDK_LINK = 'lamina-sdk';

const STEP_TIMEOUT_MS = 5 * 60_000;

/** The first line of what {@link ENDPOINTS_PATCH} appends: present means patched. */
const PATCH_MARK = '# lamina: AWS_ENDPOINT_URL_<SERVICE> (docs/service-endpoints.md)';

/**
 * Appended to the store's botocore/session.py: the endpoint variables botocore 1.31+ and every
 * current SDK read (`AWS_ENDPOINT_URL_<SERVICE ID>`, then `AWS_ENDPOINT_URL`) when the caller
 * names no endpoint. Debian's botocore 1.29 predates them, and Lambda's Python runtimes carry a
 * botocore that reads them. Only the store's copy is changed.
 */
const ENDPOINTS_PATCH = `
${PATCH_MARK}
def _lamina_endpoints_from_environment(create_client):
    import functools
    import os

    @functools.wraps(create_client)
    def create(self, service_name, *args, **kwargs):
        # endpoint_url is create_client's sixth parameter: given by position, it is the caller's.
        if len(args) < 5 and kwargs.get("endpoint_url") is None:
            try:
                key = str(self.get_service_model(service_name).service_id).upper().replace(" ", "_")
            except Exception:
                key = str(service_name).upper().replace("-", "_")
            url = os.environ.get("AWS_ENDPOINT_URL_" + key) or os.environ.get("AWS_ENDPOINT_URL")
            if url:
                kwargs["endpoint_url"] = url
        return create_client(self, service_name, *args, **kwargs)

    return create


Session.create_client = _lamina_endpoints_from_environment(Session.create_client)
`;

/** Adds {@link ENDPOINTS_PATCH} to the store's botocore once (stores made before it get it too). */
function patchEndpoints(site: string): void {
  const session = join(site, 'botocore', 'session.py');
  if (!existsSync(session) || readFileSync(session, 'utf8').includes(PATCH_MARK)) return;
  appendFileSync(session, ENDPOINTS_PATCH);
}

/** @example boto3StoreRoot({ HOME: '/home/me' }) // '/home/me/.cache/lamina/runtimes/boto3' */
export function boto3StoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(runtimesRoot(env), 'boto3');
}

/** The folder put on sys.path, or undefined while boto3 is not installed. */
export function boto3Site(root: string = boto3StoreRoot()): string | undefined {
  const site = join(root, 'python');
  return existsSync(join(site, 'boto3', '__init__.py')) ? site : undefined;
}

/** The installed boto3's version (from its egg-info folder's name), or undefined. */
export function boto3Version(root: string = boto3StoreRoot()): string | undefined {
  const site = boto3Site(root);
  if (site === undefined) return undefined;
  const info = readdirSync(site).find((name) => /^boto3-[\d.]+\.(egg|dist)-info$/.test(name));
  return info?.replace(/^boto3-/, '').replace(/\.(egg|dist)-info$/, '');
}

function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return runTool(command, args, { cwd, timeoutMs: STEP_TIMEOUT_MS, what: `${command} ${args[0] ?? ''}` });
}

export interface Boto3InstallOptions {
  readonly root?: string;
  readonly onLine?: (line: string) => void;
  /** The Python client's folder that gets the link (false: none, for tests). */
  readonly ricDir?: string | false;
}

/**
 * Installs boto3 into the store when it is not there (one process at a time), then links it into
 * the Python client's folder.
 *
 * @returns true when installed now, false when it was there
 * @throws Error when apt-get or dpkg-deb is missing or fails (not a Debian host, no package lists)
 * @example await installBoto3({ onLine: (line) => console.error(line) });
 */
export async function installBoto3(options: Boto3InstallOptions = {}): Promise<boolean> {
  const root = options.root ?? boto3StoreRoot();
  let installed = false;
  if (boto3Site(root) === undefined) {
    mkdirSync(root, { recursive: true });
    const lock = await acquireLock(dirname(root), 'boto3', (holder) => options.onLine?.(`waiting for process ${holder}, which is installing boto3`));
    try {
      if (boto3Site(root) === undefined) {
        for (const name of readdirSync(root)) if (name.startsWith('.work-')) rmSync(join(root, name), { recursive: true, force: true });
        const work = join(root, `.work-${process.pid}`);
        mkdirSync(join(work, 'x'), { recursive: true });
        options.onLine?.(`installing boto3 (the AWS SDK Lambda's Python runtimes provide) from Debian's packages into ${root}`);
        await run('apt-get', ['download', ...BOTO3_PACKAGES], work);
        for (const deb of readdirSync(work).filter((name) => name.endsWith('.deb'))) await run('dpkg-deb', ['-x', join(work, deb), join(work, 'x')], work);
        rmSync(join(root, 'python'), { recursive: true, force: true });
        renameSync(join(work, 'x', 'usr', 'lib', 'python3', 'dist-packages'), join(root, 'python'));
        rmSync(work, { recursive: true, force: true });
        installed = true;
      }
    } finally {
      lock.release();
    }
  }
  const site = boto3Site(root);
  if (site !== undefined) patchEndpoints(site);
  if (options.ricDir !== false && site !== undefined) linkFolder(join(options.ricDir ?? PYTHON_RIC_DIR, PYTHON_SDK_LINK), site);
  return installed;
}
