/**
 * `lamina serve --debug FUNCTION[=PORT]` (repeatable) and `--debug-break`: which functions are
 * debugged, on which of the host's loopback ports, with which debugger (docs/debugging.md).
 * Everything that can be refused is refused here, before anything is served.
 */
import { spawnSync } from 'node:child_process';
import type { FunctionConfig } from '../config/function-config.js';
import { ConfigError } from '../errors.js';

/** The first debugged function's port when none is given; the next ones count up from it. */
export const DEFAULT_DEBUG_PORT = 9229;

export type DebuggerKind = 'node' | 'python';

export interface DebugTarget {
  readonly fn: FunctionConfig;
  readonly kind: DebuggerKind;
  /** Where Lamina's proxy listens on the host's 127.0.0.1. */
  readonly port: number;
  /** Stop before the runtime's first line (node) / wait for the client (debugpy). */
  readonly brk: boolean;
}

/** Can this Python import debugpy? The function's own interpreter is the one that must. */
function hasDebugpy(python: string): boolean {
  return spawnSync(python, ['-c', 'import debugpy'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

function kindOf(fn: FunctionConfig, containers: boolean): DebuggerKind {
  if (fn.image !== undefined || containers) {
    throw new ConfigError(`--debug ${fn.name}: container functions cannot be debugged by Lamina yet; serve it with --sandbox process (zip functions only)`);
  }
  if (fn.launch.kind === 'node-ric') return 'node';
  if (fn.launch.kind === 'python-ric') {
    if (!hasDebugpy(fn.launch.python)) {
      throw new ConfigError(`--debug ${fn.name}: debugpy is not installed for ${fn.launch.python}; install it (Debian: apt install python3-debugpy; else ${fn.launch.python} -m pip install debugpy) and start again`);
    }
    return 'python';
  }
  throw new ConfigError(`--debug ${fn.name}: ${fn.runtime} runs the function's own bootstrap, which Lamina cannot start under a debugger; only nodejs*.x and python3.* functions can be debugged`);
}

/**
 * The debugged functions, each with its port: given ones as given, the others from 9229 up,
 * skipping ports already taken by another `--debug`.
 *
 * @example
 * parseDebugTargets(['hello', 'other=9300'], false, functions, false);
 * // [{ fn: hello, kind: 'node', port: 9229, brk: false }, { fn: other, ..., port: 9300 }]
 */
export function parseDebugTargets(values: readonly string[], brk: boolean, functions: readonly FunctionConfig[], containers: boolean): DebugTarget[] {
  if (values.length === 0) {
    if (brk) throw new ConfigError('--debug-break needs --debug FUNCTION');
    return [];
  }
  const asked = values.map((value) => {
    const at = value.lastIndexOf('=');
    const name = at < 0 ? value : value.slice(0, at);
    const portText = at < 0 ? undefined : value.slice(at + 1);
    const port = portText === undefined ? undefined : Number(portText);
    if (port !== undefined && (!/^\d+$/.test(portText ?? '') || port > 65535)) {
      throw new ConfigError(`--debug ${value}: the port must be a number from 1 to 65535 (0 picks a free one)`);
    }
    const fn = functions.find((candidate) => candidate.name === name);
    if (fn === undefined) {
      throw new ConfigError(`--debug ${value}: no function named ${JSON.stringify(name)} in the template (functions: ${functions.map((f) => f.name).join(', ') || 'none'})`);
    }
    return { fn, port };
  });
  const names = new Set<string>();
  const taken = new Set<number>();
  for (const { fn, port } of asked) {
    if (names.has(fn.name)) throw new ConfigError(`--debug ${fn.name} is given twice`);
    names.add(fn.name);
    if (port === undefined || port === 0) continue;
    if (taken.has(port)) throw new ConfigError(`--debug: port ${port} is given to two functions`);
    taken.add(port);
  }
  let next = DEFAULT_DEBUG_PORT;
  return asked.map(({ fn, port }) => {
    let chosen = port;
    if (chosen === undefined) {
      while (taken.has(next)) next += 1;
      chosen = next;
      taken.add(next);
    }
    return { fn, kind: kindOf(fn, containers), port: chosen, brk };
  });
}
