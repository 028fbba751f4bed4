/**
 * `AWS_LAMBDA_EXEC_WRAPPER` (docs/extensions.md, "Wrapper scripts"): on Lambda's managed runtimes
 * (nodejs*, python*; not `provided*`) the runtime's bootstrap, when the variable is set and not
 * empty, runs `<wrapper> <interpreter> <interpreter args...>` instead of the interpreter; the
 * wrapper is expected to `exec "$@"`. AWS's bootstrap checks the file first: a missing one prints
 * `<wrapper>: does not exist` and exits 127, one that is not executable prints
 * `<wrapper>: is not an executable` and exits 126. The runtime's exit then fails the init as any
 * runtime exit does (`Runtime.ExitError`, `exit status 127`): no new error of Lamina's own.
 *
 * Lamina does the same with a small sh step between the extensions' wrapper (if any) and the
 * interpreter, so the check runs where the runtime runs: inside the environment's namespaces under
 * isolation (the wrapper at /opt/... from a layer), on the host otherwise.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { TASK_ROOT } from '../sandbox/process-sandbox.js';
import { EXEC_WRAPPER_STEP } from './exec-wrapper-script.js';

/** The wrapper a function asks for, if its runtime honours one (managed Node and Python runtimes). */
export function execWrapperOf(fn: FunctionConfig): string | undefined {
  if (fn.launch.kind !== 'node-ric' && fn.launch.kind !== 'python-ric') return undefined;
  const wrapper = fn.environment.AWS_LAMBDA_EXEC_WRAPPER;
  return wrapper === undefined || wrapper === '' ? undefined : wrapper;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

/**
 * Where a wrapper named by its Lambda path is on the host, for an environment without its own
 * mount namespace: `/opt/...` is in the function's layers (the last layer holding it wins, as the
 * layers are extracted in order), `/var/task/...` in its code. Any other path is taken as it is.
 *
 * @example
 * hostPathOf('/opt/otel/handler', fn) // '/layers/otel/otel/handler' when that layer has it
 */
export function hostPathOf(path: string, fn: FunctionConfig): string {
  if (path.startsWith('/opt/')) {
    const rest = path.slice('/opt/'.length);
    const found = [...(fn.layers ?? [])].reverse().map((layer) => join(layer, rest)).find(isFile);
    if (found !== undefined) return found;
  }
  if (path.startsWith(`${TASK_ROOT}/`)) {
    const inCode = join(fn.codeDir, path.slice(TASK_ROOT.length + 1));
    if (isFile(inCode)) return inCode;
  }
  return path;
}

/**
 * The runtime's command with the function's exec wrapper in front, when it has one.
 *
 * @example
 * withExecWrapper(fn, '/usr/bin/node', ['/var/runtime/index.js'], true)
 * // { command: '/bin/sh', args: ['-c', EXEC_WRAPPER_STEP, 'lamina-exec-wrapper', '/opt/w', '/usr/bin/node', '/var/runtime/index.js'] }
 */
export function withExecWrapper(
  fn: FunctionConfig,
  command: string,
  args: readonly string[],
  inNamespace: boolean,
): { command: string; args: readonly string[] } {
  const wrapper = execWrapperOf(fn);
  if (wrapper === undefined) return { command, args };
  const path = inNamespace ? wrapper : hostPathOf(wrapper, fn);
  return { command: '/bin/sh', args: ['-c', EXEC_WRAPPER_STEP, 'lamina-exec-wrapper', path, command, ...args] };
}
