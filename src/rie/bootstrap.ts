/**
 * Which program `lamina rie` runs as the runtime, where, and with which handler, following AWS's
 * aws-lambda-rie (cmd/aws-lambda-rie/main.go, getBootstrap):
 *
 * - bootstrap given on the command line: the first word is the program, the rest its arguments;
 *   the working directory is the current one; with two or more words the last one is taken as
 *   the handler (`aws-lambda-rie npx aws-lambda-ric index.handler`), overriding `_HANDLER`.
 * - none given: `/var/task/bootstrap`, `/opt/bootstrap`, `/var/runtime/bootstrap`, the first that
 *   exists; working directory `/var/task`; handler from `AWS_LAMBDA_FUNCTION_HANDLER` / `_HANDLER`.
 *
 * Differences, on purpose: a candidate must also be executable (AWS's RIE chmods it to 0755
 * instead, changing the user's files), and a missing program is reported at start-up instead of
 * as an init failure on the first invoke. The code directory (cwd and `LAMBDA_TASK_ROOT`, which
 * the platform keeps equal) is the container's `LAMBDA_TASK_ROOT` when it names a directory,
 * because runtime interface clients load the handler from there.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { CLI_ERRORS } from '../errors.js';

/** The default bootstrap locations, in AWS's RIE's order. */
export const DEFAULT_BOOTSTRAP_CANDIDATES: readonly string[] = ['/var/task/bootstrap', '/opt/bootstrap', '/var/runtime/bootstrap'];
/** AWS's RIE's working directory when it finds the bootstrap itself. */
export const DEFAULT_TASK_DIR = '/var/task';

/** No runnable bootstrap: `lamina rie` exits with status 1, as AWS's RIE does on fatal errors. */
export class BootstrapNotFoundError extends Error {
  readonly code = CLI_ERRORS.LAMINA_ERR_RIE_BOOTSTRAP_NOT_FOUND.code;
  constructor(message: string) {
    super(message);
    this.name = CLI_ERRORS.LAMINA_ERR_RIE_BOOTSTRAP_NOT_FOUND.name;
  }
}

export interface BootstrapInput {
  /** The bootstrap words from the command line (may be empty). */
  readonly args: readonly string[];
  /** Lamina's current working directory. */
  readonly cwd: string;
  /** Handler from the environment (`AWS_LAMBDA_FUNCTION_HANDLER`, else `_HANDLER`). */
  readonly envHandler: string;
  /** The container's `LAMBDA_TASK_ROOT`, if set. */
  readonly taskRoot: string | undefined;
  /** The container's `PATH`, to find a bare program name. */
  readonly path: string | undefined;
  /** Override the default candidates (tests). */
  readonly candidates?: readonly string[];
  /** Override `/var/task` as the default working directory (tests). */
  readonly defaultTaskDir?: string;
}

export interface ResolvedBootstrap {
  /** Absolute path of the program. */
  readonly command: string;
  readonly args: readonly string[];
  /** The function's code directory: the runtime's cwd and `LAMBDA_TASK_ROOT`. */
  readonly codeDir: string;
  readonly handler: string;
  /** Where the handler came from, for the start-up message. */
  readonly handlerSource: 'argument' | 'environment' | 'none';
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Find a bare program name on PATH, like execvp does. */
function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isFile(candidate) && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function commandFromArgs(program: string, cwd: string, path: string | undefined): string {
  if (program.includes('/')) {
    const absolute = isAbsolute(program) ? program : resolve(cwd, program);
    if (!isFile(absolute)) throw new BootstrapNotFoundError(`bootstrap '${program}' does not exist or is not a file`);
    if (!isExecutable(absolute)) throw new BootstrapNotFoundError(`bootstrap '${program}' is not executable (chmod +x ${absolute})`);
    return absolute;
  }
  const found = onPath(program, path);
  if (found === undefined) throw new BootstrapNotFoundError(`bootstrap '${program}' was not found on PATH (${path ?? 'unset'})`);
  return found;
}

/**
 * @example
 * resolveBootstrap({ args: ['/usr/bin/npx', 'aws-lambda-ric', 'index.handler'], cwd: '/function',
 *   envHandler: '', taskRoot: undefined, path: process.env.PATH });
 * // { command: '/usr/bin/npx', args: ['aws-lambda-ric', 'index.handler'], codeDir: '/function', handler: 'index.handler', ... }
 */
export function resolveBootstrap(input: BootstrapInput): ResolvedBootstrap {
  const taskRoot = input.taskRoot !== undefined && isAbsolute(input.taskRoot) && isDirectory(input.taskRoot) ? input.taskRoot : undefined;
  const envHandlerSource = input.envHandler === '' ? 'none' : 'environment';
  const [program, ...rest] = input.args;
  if (program !== undefined) {
    const fromArgument = input.args.length >= 2;
    return {
      command: commandFromArgs(program, input.cwd, input.path),
      args: rest,
      codeDir: taskRoot ?? input.cwd,
      handler: fromArgument ? (input.args[input.args.length - 1] ?? '') : input.envHandler,
      handlerSource: fromArgument ? 'argument' : envHandlerSource,
    };
  }
  const candidates = input.candidates ?? DEFAULT_BOOTSTRAP_CANDIDATES;
  const found = candidates.find((candidate) => isFile(candidate) && isExecutable(candidate));
  if (found === undefined) {
    const present = candidates.filter(isFile);
    const detail = present.length > 0 ? `; ${present.join(', ')} exist(s) but is not executable` : '';
    throw new BootstrapNotFoundError(
      `no bootstrap given and none of ${candidates.join(', ')} is an executable file${detail}. ` +
        `Usage: lamina rie [options] [--] <program> [args...]`,
    );
  }
  const defaultDir = input.defaultTaskDir ?? DEFAULT_TASK_DIR;
  return {
    command: found,
    args: [],
    codeDir: taskRoot ?? (isDirectory(defaultDir) ? defaultDir : input.cwd),
    handler: input.envHandler,
    handlerSource: envHandlerSource,
  };
}
