/**
 * How a function's environments get their sandbox: the process sandbox, with the runtime's
 * Lambda environment and, when the platform enforces them, per-environment limits.
 */
import type { FunctionConfig } from '../config/function-config.js';
import { detectCgroups, type CgroupSupport } from '../sandbox/cgroups.js';
import { ProcessSandbox } from '../sandbox/process-sandbox.js';
import type { SandboxFactory } from './environment.js';
import { runtimeEnvironment, type FunctionCredentials } from './environment-variables.js';
import { newLogStreamName } from './ids.js';
import { RIC_ENTRY } from './paths.js';

/** Contract section 8: 1,024 file descriptors per environment. */
export const OPEN_FILES_PER_ENVIRONMENT = 1024;

/** Which of the kernel's limits the platform applies to each environment. */
export interface SandboxLimits {
  /** Memory, CPU and pids limits; undefined when no cgroup hierarchy can be used. */
  readonly cgroups: CgroupSupport | undefined;
  /** RLIMIT_NOFILE per runtime, or undefined to leave the platform's own. */
  readonly maxOpenFiles: number | undefined;
}

/**
 * What this machine lets the platform enforce, detected once at start.
 *
 * @example
 * const limits = detectSandboxLimits(); console.log(describeLimits(limits));
 */
export function detectSandboxLimits(): SandboxLimits {
  return { cgroups: detectCgroups(), maxOpenFiles: OPEN_FILES_PER_ENVIRONMENT };
}

/** The limits in plain words, said once at start. */
export function describeLimits(limits: SandboxLimits): string {
  const files = limits.maxOpenFiles === undefined ? 'open files not limited' : `${limits.maxOpenFiles} open files per environment`;
  return `${limits.cgroups?.summary ?? 'no cgroups: memory, CPU and process limits are not enforced'}; ${files}`;
}

let sequence = 0;

/**
 * @example
 * const makeSandbox = processSandboxFactory(fn, '$LATEST', credentials, limits);
 * const sandbox = makeSandbox('127.0.0.1:40001', (line) => log(line));
 */
export function processSandboxFactory(
  fn: FunctionConfig,
  version: string,
  credentials: FunctionCredentials | undefined,
  limits: SandboxLimits | undefined,
): SandboxFactory {
  const [command, args] =
    fn.launch.kind === 'node-ric' ? [process.execPath, [RIC_ENTRY]] : [fn.launch.command, fn.launch.args];
  return (runtimeApi, log) => {
    sequence += 1;
    // Named after the platform's pid, so a later platform can tell stale groups from live ones.
    const cgroup = limits?.cgroups?.create(`p${process.pid}-${sequence}`, { memoryMb: fn.memorySize });
    return new ProcessSandbox(
      {
        command,
        args,
        cwd: fn.codeDir,
        env: runtimeEnvironment(
          fn,
          { runtimeApi, version, logStreamName: newLogStreamName(new Date(), version), initializationType: 'on-demand' },
          credentials,
        ),
        cgroup,
        maxOpenFiles: limits?.maxOpenFiles,
      },
      log,
    );
  };
}
