/**
 * `lamina runtimes`: the Node.js interpreters `nodejsNN.x` functions run on (docs/runtimes.md).
 *
 *   lamina runtimes list
 *   lamina runtimes install [RUNTIME...]   nodejs24.x, 24, @aws-sdk/client-x; none: every supported major
 *   lamina runtimes prune [--all]
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { boto3StoreRoot, boto3Version } from '../runtimes/boto3-store.js';
import { installSdkPackages, SDK_PACKAGE, sdkPackages, sdkStoreRoot, sdkVersion } from '../runtimes/aws-sdk-store.js';
import { HOST_NODE, installNode } from '../runtimes/node-installer.js';
import { majorOfVersion, NODE_MAJORS, parseNodeRuntime, runtimeOfMajor } from '../runtimes/node-majors.js';
import { progressLine } from '../runtimes/progress-line.js';
import { registryUrl } from '../runtimes/registry-download.js';
import { listInstalled, runtimesRoot } from '../runtimes/runtime-cache.js';
import { pruneRuntimes } from '../runtimes/runtime-prune.js';

export const RUNTIMES_USAGE = `Usage: lamina runtimes <list|install|prune> [options]

Each nodejsNN.x function runs on Node.js NN: the official Linux binaries, installed from the npm
registry (package node-linux-${process.arch}@NN, verified by its sha512 integrity) into
${runtimesRoot()} (LAMINA_RUNTIMES_DIR overrides it; the registry is npm_config_registry, else
https://registry.npmjs.org/). lamina serve installs a missing major on first use; the host's node
(${HOST_NODE.version}) is used for its own major, or for every function with --host-node.

  list                  Installed runtimes, newest first, and the host's node
  install [RUNTIME...]  Install (or update to) the newest release of each major: nodejs24.x or 24
                        (default: ${NODE_MAJORS.map(runtimeOfMajor).join(', ')}); an @aws-sdk/* or
                        @smithy/* package goes into the AWS SDK store instead (lamina serve installs
                        those a function imports without bringing them; this is for names it
                        cannot see, such as require(name))
  prune [--all]         Remove all but the newest version of each major (--all: every runtime);
                        never one a running process uses, nor while that major installs

Options:
  -h, --help            Show this help
`;

/**
 * The installed runtimes in plain lines (also printed by `lamina doctor`).
 *
 * @example describeRuntimes() // ['Node.js runtimes in /root/.cache/lamina/runtimes:', '  nodejs22.x  node v22.23.5  /root/...']
 */
export function describeRuntimes(root: string = runtimesRoot()): string[] {
  const installed = listInstalled(root);
  const lines = [`Node.js runtimes in ${root}${installed.length === 0 ? ': none installed (lamina runtimes install nodejs22.x)' : ':'}`];
  for (const node of installed) lines.push(`  ${runtimeOfMajor(node.major).padEnd(11)} node v${node.version}  ${node.path}  (installed ${node.metadata.installedAt || 'at an unknown time'})`);
  lines.push(`  ${`${runtimeOfMajor(majorOfVersion(HOST_NODE.version))}`.padEnd(11)} node v${HOST_NODE.version}  ${HOST_NODE.path}  (the host's node, used for its own major)`);
  const sdk = sdkPackages(sdkStoreRoot());
  lines.push(`AWS SDK for JavaScript v3 (/var/runtime/node_modules) in ${sdkStoreRoot()}${sdk.size === 0 ? ': no package yet (installed when a function imports one)' : ':'}`);
  for (const [name, version] of sdk) lines.push(`  ${name}@${version}`);
  const boto3 = boto3Version();
  lines.push(`boto3 for Python functions in ${boto3StoreRoot()}: ${boto3 === undefined ? 'not installed (installed from Debian\'s packages when a function imports it)' : `boto3 ${boto3} (Debian's)`}`);
  return lines;
}

/**
 * @example process.exitCode = await runtimesCommand(['install', 'nodejs24.x']);
 */
export async function runtimesCommand(args: string[], out: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { all: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || sub === undefined || sub === '--help' || sub === '-h') {
    out(RUNTIMES_USAGE);
    return sub === undefined ? 2 : 0;
  }
  const root = runtimesRoot();
  const waiting = (major: number, pid: string): void => out(`lamina runtimes: another process (pid ${pid}) is installing Node.js ${major}; waiting\n`);
  if (sub === 'list') {
    if (positionals.length > 0) throw new ConfigError(`list takes no arguments, got '${positionals.join(' ')}'`);
    out(`${describeRuntimes(root).join('\n')}\n`);
    return 0;
  }
  if (sub === 'prune') {
    if (positionals.length > 0) throw new ConfigError(`prune takes no arguments, got '${positionals.join(' ')}'`);
    const { removed, inUse } = await pruneRuntimes(root, values.all ? 0 : 1, { onWait: waiting });
    for (const node of removed) out(`removed node v${node.version} (${node.dir})\n`);
    for (const { node, pids } of inUse) out(`kept node v${node.version}: in use by pid ${pids.join(', ')}\n`);
    out(`lamina runtimes: ${removed.length} runtime(s) removed, ${listInstalled(root).length} kept\n`);
    return 0;
  }
  if (sub !== 'install') throw new ConfigError(`unknown subcommand '${sub}' (list, install or prune)`);
  const sdk = positionals.filter((text) => text.startsWith('@'));
  for (const name of sdk) if (!SDK_PACKAGE.test(name)) throw new ConfigError(`'${name}' is not a package of the AWS SDK for JavaScript (@aws-sdk/* or @smithy/*, no version)`);
  if (sdk.length > 0) {
    try {
      const installed = await installSdkPackages(sdk, { onLine: (line) => out(`lamina runtimes: ${line}\n`) });
      const absent = sdk.filter((name) => sdkVersion(name) === undefined);
      for (const name of sdk) if (!absent.includes(name)) out(`${name}: ${installed.includes(name) ? 'installed' : 'already installed'} (${sdkVersion(name) ?? 'version unknown'})\n`);
      if (absent.length > 0) {
        process.stderr.write(`lamina runtimes: cannot install ${absent.join(', ')} from ${registryUrl()}: not on the registry\n`);
        return 1;
      }
    } catch (error) {
      process.stderr.write(`lamina runtimes: cannot install ${sdk.join(', ')} from ${registryUrl()}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    if (sdk.length === positionals.length) return 0;
  }
  const runtimes = positionals.filter((text) => !text.startsWith('@'));
  const majors = runtimes.length === 0 ? [...NODE_MAJORS] : runtimes.map((text) => {
    const major = parseNodeRuntime(text);
    if (major === undefined) throw new ConfigError(`'${text}' is not a Node.js runtime Lamina installs (${NODE_MAJORS.map(runtimeOfMajor).join(', ')}, or just the major)`);
    return major;
  });
  let failed = 0;
  for (const major of new Set(majors)) {
    try {
      const node = await installNode(major, { root, onProgress: progressLine(), onWait: (pid) => waiting(major, pid) });
      out(`${runtimeOfMajor(major)}: node v${node.version} ${node.source === 'downloaded' ? 'installed' : 'already installed'} at ${node.path}\n`);
    } catch (error) {
      failed += 1;
      process.stderr.write(`lamina runtimes: cannot install ${runtimeOfMajor(major)} from ${registryUrl()}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}
