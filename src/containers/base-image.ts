/**
 * `lamina/base:local`: the offline stand-in for AWS's Lambda base images, assembled from this host
 * because no registry is reachable. Laid out like AWS's images so the same Dockerfiles build on
 * either base:
 *
 *   /var/lang/bin/node        the host's node, or a runtime's own major (lamina image base --runtime
 *                             nodejs24.x), + the shared libraries it links, found with ldd; or, for
 *                             --runtime python3.X, that Python at /var/lang instead (./python-base.ts)
 *   /bin/sh                   the host's POSIX shell (dash), for the entrypoint and bootstraps
 *   /var/runtime/bootstrap    Lamina's Node (or Python) runtime interface client, as AWS's images have AWS's
 *   /lambda-entrypoint.sh     the ENTRYPOINT (containers/lambda-entrypoint.sh)
 *   /usr/local/bin/aws-lambda-rie   `lamina rie` bundled into one file (dist/containers/lamina-rie.cjs)
 *   /var/task, /opt, /tmp, /etc/passwd, /etc/group
 *   /etc/hosts, /etc/resolv.conf   as AWS's images have them: the platform binds its own over them
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PROJECT_ROOT, RIC_BUNDLE, RIC_CODE_CACHE, RIC_LAUNCHER, RIC_LOADER } from '../platform/paths.js';
import { RIE_BUNDLE } from './build-rie-bundle.js';
import { engineOutput, type ContainerEngine } from './engine.js';
import { assemblePythonRootfs, stripPythonBinaries } from './python-base.js';

/** The tag `lamina image base` gives the local base image. */
export const LOCAL_BASE_IMAGE = 'lamina/base:local';

/** The entrypoint script shipped in containers/. */
export const ENTRYPOINT_SCRIPT = join(PROJECT_ROOT, 'containers', 'lambda-entrypoint.sh');

/** The environment of AWS's base images (docs/environment.md), set as the image's ENV. */
export const BASE_IMAGE_ENV: Readonly<Record<string, string>> = {
  PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
  LANG: 'en_US.UTF-8',
  TZ: ':UTC',
  LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
  LAMBDA_TASK_ROOT: '/var/task',
  LAMBDA_RUNTIME_DIR: '/var/runtime',
};

/** Lambda's sandbox user next to root, as in AWS's images. */
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nsbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin\nnobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin\n';
const GROUP = 'root:x:0:\nsbx_user1051:x:990:\nnobody:x:65534:\n';

/** The wrapper that makes the bundled emulator a command, under AWS's name and Lamina's. */
const RIE_WRAPPER = [
  '#!/bin/sh',
  "# Lamina's emulator (lamina rie), a drop-in for aws-lambda-rie. It runs on node: a Python base",
  '# image has none (kept small), so it says how to run the image instead.',
  'if [ ! -x /var/lang/bin/node ]; then',
  '  echo "aws-lambda-rie: this image has no node to run Lamina\'s emulator; run it under lamina serve, or on the host: lamina rie -- <bootstrap>" 1>&2',
  '  exit 127',
  'fi',
  'exec /var/lang/bin/node /usr/local/lib/lamina/lamina-rie.cjs "$@"',
  '',
].join('\n');

/**
 * The shared libraries a dynamically linked program loads (ldd's resolved paths, loader included).
 * @example sharedLibraries('/usr/bin/node') // ['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2', ...]
 */
export function sharedLibraries(binary: string): string[] {
  const ldd = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (ldd.status !== 0) {
    // A static binary: ldd says so and exits 1.
    if (/not a dynamic executable|statically linked/.test(`${ldd.stdout}${ldd.stderr}`)) return [];
    throw new Error(`ldd ${binary} failed: ${ldd.stderr.trim() || ldd.error?.message || `exit ${ldd.status ?? 'none'}`}`);
  }
  const libraries = new Set<string>();
  for (const line of ldd.stdout.split('\n')) {
    const match = /=>\s+(\/\S+)\s+\(/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match?.[1] !== undefined) libraries.add(match[1]);
  }
  return [...libraries];
}

function copyInto(root: string, source: string, target: string, mode?: number): void {
  const destination = join(root, target);
  mkdirSync(dirname(destination), { recursive: true });
  copyFileSync(realpathSync(source), destination);
  if (mode !== undefined) chmodSync(destination, mode);
}

export interface BaseRootfsSources {
  /** The node binary to ship (default: the one running Lamina). */
  readonly node?: string;
  /** A `python3.X` interpreter to ship instead of node, with Lamina's Python client (./python-base.ts). */
  readonly python?: string;
  /** The shell to ship as /bin/sh (default: the host's /bin/sh). */
  readonly shell?: string;
  /** The runtime (`nodejsNN.x`, `python3.X`) inside: set as the image's AWS_EXECUTION_ENV, as AWS's images do. */
  readonly runtime?: string;
}

/**
 * Lay out the base image's files in `root` (an empty directory). Needs `npm run build` first
 * (the RIC and the emulator bundle come from dist/).
 *
 * @example
 * assembleBaseRootfs('/tmp/rootfs'); // then: tar -C /tmp/rootfs -cf base.tar .
 */
export function assembleBaseRootfs(root: string, sources: BaseRootfsSources = {}): void {
  const shell = sources.shell ?? '/bin/sh';
  for (const dir of ['tmp', 'var/task', 'var/runtime', 'opt', 'root', 'proc', 'sys', 'dev', 'etc', 'usr/local/lib/lamina', 'usr/local/bin']) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  chmodSync(join(root, 'tmp'), 0o1777);
  copyInto(root, shell, 'bin/sh', 0o755);
  // Libraries at their own paths, except those under the interpreter's prefix (pyenv's libpython):
  // /var/lang/lib, which the image's LD_LIBRARY_PATH names, as in AWS's python images.
  let linked: string[];
  let prefix: string | undefined;
  let version: string | undefined;
  if (sources.python !== undefined) {
    const python = assemblePythonRootfs(root, sources.python);
    linked = python.linked;
    prefix = `${python.layout.prefix}/`;
    version = python.layout.version;
  } else {
    const node = sources.node ?? process.execPath;
    copyInto(root, node, 'var/lang/bin/node', 0o755);
    linked = [node];
    copyInto(root, RIC_LAUNCHER, 'var/runtime/bootstrap', 0o755);
    for (const file of [RIC_BUNDLE, RIC_LOADER, RIC_CODE_CACHE]) copyInto(root, file, `var/runtime/${basename(file)}`, 0o644);
  }
  for (const library of new Set([...linked, shell].flatMap(sharedLibraries))) {
    copyInto(root, library, prefix !== undefined && library.startsWith(prefix) ? `var/lang/lib/${basename(library)}` : library.slice(1));
  }
  if (version !== undefined) stripPythonBinaries(root, version);
  writeFileSync(join(root, 'etc', 'passwd'), PASSWD);
  writeFileSync(join(root, 'etc', 'group'), GROUP);
  // Mount points for the platform's name resolution (runc cannot make them on the shared image root).
  writeFileSync(join(root, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost\n');
  writeFileSync(join(root, 'etc', 'resolv.conf'), '');
  copyInto(root, ENTRYPOINT_SCRIPT, 'lambda-entrypoint.sh', 0o755);
  copyInto(root, RIE_BUNDLE, 'usr/local/lib/lamina/lamina-rie.cjs', 0o644);
  for (const name of ['aws-lambda-rie', 'lamina-rie']) {
    writeFileSync(join(root, 'usr', 'local', 'bin', name), RIE_WRAPPER, { mode: 0o755 });
  }
}

/**
 * The `--change` instructions that give an imported root filesystem its image configuration.
 * @example baseImageChanges('nodejs24.x') // [..., 'ENV AWS_EXECUTION_ENV=AWS_Lambda_nodejs24.x', ...]
 */
export function baseImageChanges(runtime?: string, labels: Readonly<Record<string, string>> = {}): string[] {
  const env = runtime === undefined ? BASE_IMAGE_ENV : { ...BASE_IMAGE_ENV, AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}` };
  const changes = Object.entries(env).map(([name, value]) => `ENV ${name}=${value}`);
  const label = Object.entries({ 'org.opencontainers.image.title': 'lamina-base', ...labels }).map(([name, value]) => `LABEL ${name}=${value}`);
  return [...changes, 'WORKDIR /var/task', 'ENTRYPOINT ["/lambda-entrypoint.sh"]', ...label];
}

/**
 * Assemble the root filesystem and import it into the engine as `tag`.
 *
 * @example
 * const { tag, bytes } = await buildBaseImage(detectEngine()); // 'lamina/base:local'
 */
export async function buildBaseImage(
  engine: ContainerEngine,
  tag = LOCAL_BASE_IMAGE,
  sources: BaseRootfsSources = {},
  labels: Readonly<Record<string, string>> = {},
): Promise<{ tag: string; id: string }> {
  const work = mkdtempSync(join(tmpdir(), 'lamina-base-'));
  try {
    const root = join(work, 'rootfs');
    mkdirSync(root);
    assembleBaseRootfs(root, sources);
    const archive = join(work, 'rootfs.tar');
    const tar = spawnSync('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-cf', archive, '.'], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr.trim() || tar.error?.message || ''}`);
    const changes = baseImageChanges(sources.runtime, labels).flatMap((change) => ['--change', change]);
    const id = (await engineOutput(engine, ['import', ...changes, archive, tag])).trim().split('\n').pop() ?? '';
    return { tag, id };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
