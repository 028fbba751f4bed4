/**
 * External extensions (docs/extensions.md): the executables in /opt/extensions, which is the
 * function's layers merged (a later layer's file wins over an earlier one of the same name).
 * They start before the runtime, in its sandbox: the runtime's command becomes a small sh wrapper
 * that starts each extension in the background and, once they have registered, execs the runtime
 * (same pid).
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { exitSignalWords, signalName } from '../sandbox/signal-names.js';

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
 * A new secret for the wrapper's output tags (docs/telemetry.md, "Extension records"): only lines
 * that carry it are the wrapper's, so a function that prints `\x1e…` (say, an echoed request body)
 * can neither pass a line off as an extension's nor fake an extension's exit.
 *
 * @example newExtensionTag() // 'lx3f9c…' (24 hex digits after 'lx')
 */
export function newExtensionTag(): string {
  return `lx${randomBytes(12).toString('hex')}`;
}

/**
 * Start `paths` in the background, wait for {@link START_RUNTIME_SIGNAL} (a trapped signal ends
 * the shell's `wait` at once; so does the end of every extension, which fails the init anyway),
 * then exec the runtime. The extensions are the runtime's
 * children: same process group (a timeout or retirement kills them too), same cgroups, namespaces,
 * user and environment (AWS_LAMBDA_RUNTIME_API included). `$0` of each is its own path, so its
 * base name is its extension name. Each runs under a subshell whose own stderr is /dev/null (dash
 * would print "Killed" for an extension that died of SIGKILL); the real one is fd 3 there, the
 * one channel every sandbox mode already carries to the platform. The extension's stdout and
 * stderr go through a pipe to `awk` (line by line: `-W interactive` for mawk, which would
 * otherwise wait for a full buffer, and each line one `printf` of one string, so that it is one
 * write: mawk's interactive output is unbuffered, and extensions' lines share the pipe; gawk ignores
 * the option and writes at `fflush()`; an awk that refuses it, or none, gets an sh
 * `read` loop instead, byte by byte: about 2 MB/s), that writes each line there as
 * `\x1e<tag> <index> <line>`; once the extension has ended, its status follows through the same
 * pipe as `\x1e<tag>!<status>`, after its last line (Lambda's `Extension.Crash` at once, and the
 * extension's last words before it in the log).
 */
const WRAPPER =
  'trap go=1 WINCH; go=; t=$1; n=$2; shift 2; i=0; while [ "$i" -lt "$n" ]; do ( exec 3>&2 2>/dev/null; ' +
  '{ ( exec "$1" 2>&1 3>&- ); printf \'\\036%s!%s\\n\' "$t" "$?"; } | ' +
  'if awk -W interactive \'BEGIN{}\' </dev/null >/dev/null 2>&1; then awk -W interactive -v p="$(printf \'\\036\')$t $i " \'{ printf "%s", p $0 "\\n"; fflush() }\'; ' +
  'else while IFS= read -r l || [ -n "$l" ]; do printf \'\\036%s %s %s\\n\' "$t" "$i" "$l"; done; fi >&3 ) & ' +
  'shift; i=$((i+1)); done; ' +
  'while [ -z "$go" ]; do wait; [ -n "$go" ] || [ -n "$(jobs -p)" ] || break; done; trap - WINCH; exec "$@"';

/**
 * The signal that tells the wrapper to start the runtime: every external extension has registered
 * (Lambda's order, docs/extensions.md). SIGWINCH because its default action is to be ignored: the
 * platform sends it to the environment's whole process group, extensions included.
 */
export const START_RUNTIME_SIGNAL = 'SIGWINCH';

/**
 * The runtime's command, wrapped to start `paths` first; `tag` marks the wrapper's output lines.
 *
 * @example
 * withExtensions('/var/task/bootstrap', [], ['/opt/extensions/otel'], 'lx01')
 * // ['/bin/sh', ['-c', WRAPPER, 'lamina-extensions', 'lx01', '1', '/opt/extensions/otel', '/var/task/bootstrap']]
 */
export function withExtensions(command: string, args: readonly string[], paths: readonly string[], tag: string): { command: string; args: readonly string[] } {
  if (paths.length === 0) return { command, args };
  return { command: '/bin/sh', args: ['-c', WRAPPER, 'lamina-extensions', tag, String(paths.length), ...paths, command, ...args] };
}

/** One line of the wrapper's, taken apart. */
export interface ExtensionOutput {
  /** What the line held before the tag (someone's unfinished last line), else ''. */
  readonly before: string;
  /** The extension's position in the wrapper's list (the order of `paths`). */
  readonly index: number;
  /** A line the extension wrote, if any. */
  readonly text?: string;
  /** The extension has ended: the shell's status, the exit code or 128 + the signal's number. */
  readonly status?: number;
}

/**
 * The extension output a wrapper's line carries, if it is one: a line without `tag` is not.
 *
 * @example
 * parseExtensionOutput('\x1elx01 0 ready', 'lx01') // { before: '', index: 0, text: 'ready' }
 * parseExtensionOutput('\x1elx01 1 \x1elx01!3', 'lx01') // { before: '', index: 1, status: 3 }
 * parseExtensionOutput('\x1elx02 0 forged', 'lx01') // undefined
 */
export function parseExtensionOutput(line: string, tag: string): ExtensionOutput | undefined {
  const marker = `\x1e${tag} `;
  const at = line.indexOf(marker);
  if (at < 0) return undefined;
  const rest = line.slice(at + marker.length);
  const space = rest.indexOf(' ');
  const index = Number(rest.slice(0, space));
  if (space < 1 || !Number.isInteger(index)) return undefined;
  const before = line.slice(0, at);
  const payload = rest.slice(space + 1);
  const exit = `\x1e${tag}!`;
  const ended = payload.lastIndexOf(exit);
  if (ended < 0) return { before, index, text: payload };
  const status = Number(payload.slice(ended + exit.length));
  if (!Number.isInteger(status)) return { before, index, text: payload };
  return ended === 0 ? { before, index, status } : { before, index, text: payload.slice(0, ended), status };
}

/**
 * How Lambda words an extension's exit (its emulator: "exit code 0", else the process's status).
 *
 * @example describeExtensionExit(137) // 'signal: killed'
 */
export function describeExtensionExit(status: number): string {
  if (status === 0) return 'exit code 0';
  if (status > 128) return `signal: ${exitSignalWords(signalName(status - 128))}`;
  return `exit status ${status}`;
}
