/**
 * External extensions (docs/extensions.md): the executables in /opt/extensions, which is the
 * function's layers merged (a later layer's file wins over an earlier one of the same name).
 * They start before the runtime, in its sandbox: the runtime's command becomes a small sh wrapper
 * that starts each extension in the background and, once they have registered, execs the runtime
 * (same pid).
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ExternalExtension {
  /** The file name: what the extension must send as `Lambda-Extension-Name`. */
  readonly name: string;
  /** Where the platform (the host) sees it. */
  readonly hostPath: string;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The external extensions of a function with these layer directories (first to last), by name.
 *
 * @example
 * findExternalExtensions(['/layers/otel']) // [{ name: 'otel-agent', hostPath: '/layers/otel/extensions/otel-agent' }]
 */
export function findExternalExtensions(layers: readonly string[]): ExternalExtension[] {
  const byName = new Map<string, ExternalExtension>();
  for (const layer of layers) {
    const dir = join(layer, 'extensions');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const hostPath = join(dir, name);
      // Lambda starts every file there; one that cannot run would only fail the init, later and
      // less clearly: a non-executable file is left out, as a missing one.
      if (isExecutableFile(hostPath)) byName.set(name, { name, hostPath });
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * What the wrapper prints on the environment's stderr when an extension's process ends (docs/extensions.md):
 * `\x1elamina-extension-exit <status> <name>`. The log sink takes these lines out of the log.
 */
export const EXTENSION_EXIT_MARKER = '\x1elamina-extension-exit ';

/**
 * Start `paths` in the background, wait for {@link START_RUNTIME_SIGNAL} (a trapped signal ends
 * the shell's `wait` at once; so does the end of every extension, which fails the init anyway),
 * then exec the runtime. The extensions are the runtime's
 * children: same process group (a timeout or retirement kills them too), same cgroups, namespaces,
 * user and environment (AWS_LAMBDA_RUNTIME_API included). `$0` of each is its own path, so its
 * base name is its extension name. Each runs under a subshell that waits for it and reports its
 * exit status on stderr, the one channel every sandbox mode already carries to the platform: an
 * extension that crashes or exits is noticed at once (Lambda's `Extension.Crash`). The subshell's
 * own stderr is /dev/null (dash would print "Killed" for an extension that died of SIGKILL);
 * the extension keeps the real one (fd 3 there, closed for the extension).
 */
const WRAPPER =
  'trap go=1 WINCH; go=; n=$1; shift; while [ "$n" -gt 0 ]; do ( exec 3>&2 2>/dev/null; ( exec "$1" 2>&3 3>&- ); printf \'\\036lamina-extension-exit %s %s\\n\' "$?" "${1##*/}" >&3 ) & shift; n=$((n-1)); done; ' +
  'while [ -z "$go" ]; do wait; [ -n "$go" ] || [ -n "$(jobs -p)" ] || break; done; trap - WINCH; exec "$@"';

/**
 * The signal that tells the wrapper to start the runtime: every external extension has registered
 * (Lambda's order, docs/extensions.md). SIGWINCH because its default action is to be ignored: the
 * platform sends it to the environment's whole process group, extensions included.
 */
export const START_RUNTIME_SIGNAL = 'SIGWINCH';

/**
 * @example
 * withExtensions('/var/task/bootstrap', [], ['/opt/extensions/otel'])
 * // ['/bin/sh', ['-c', WRAPPER, 'lamina-extensions', '1', '/opt/extensions/otel', '/var/task/bootstrap']]
 */
export function withExtensions(command: string, args: readonly string[], paths: readonly string[]): { command: string; args: readonly string[] } {
  if (paths.length === 0) return { command, args };
  return { command: '/bin/sh', args: ['-c', WRAPPER, 'lamina-extensions', String(paths.length), ...paths, command, ...args] };
}

export interface ExtensionExit {
  /** What the line held before the marker (an extension's unfinished last line), else ''. */
  readonly before: string;
  readonly name: string;
  /** The shell's status: the exit code, or 128 + the signal's number. */
  readonly status: number;
}

/**
 * The extension exit a wrapper's line reports, if it is one.
 *
 * @example
 * parseExtensionExit('\x1elamina-extension-exit 3 otel') // { before: '', name: 'otel', status: 3 }
 * parseExtensionExit('hello') // undefined
 */
export function parseExtensionExit(line: string): ExtensionExit | undefined {
  const at = line.indexOf(EXTENSION_EXIT_MARKER);
  if (at < 0) return undefined;
  const match = /^(\d+) (.+)$/.exec(line.slice(at + EXTENSION_EXIT_MARKER.length));
  if (match === null) return undefined;
  return { before: line.slice(0, at), status: Number(match[1]), name: match[2] ?? '' };
}

/**
 * How Lambda words an extension's exit (its emulator: "exit code 0", else the process's status).
 *
 * @example describeExtensionExit(137) // 'signal: killed'
 */
export function describeExtensionExit(status: number): string {
  if (status === 0) return 'exit code 0';
  if (status > 128) return status - 128 === 9 ? 'signal: killed' : `signal: ${status - 128}`;
  return `exit status ${status}`;
}
