/**
 * The one place where Lamina reads its own process environment. Everything else receives
 * values from here, so that nothing of the host leaks into functions by accident.
 */
import type { FunctionCredentials } from '../platform/environment-variables.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from '../config/function-config.js';

export interface HostEnvironment {
  readonly region: string;
  readonly accountId: string;
  /** Credentials handed to functions, when the host has some (as SAM local does). */
  readonly credentials: FunctionCredentials | undefined;
  /** RIE knobs (docs/environment.md). */
  readonly rie: {
    readonly functionName: string;
    readonly functionVersion: string;
    readonly timeoutSeconds: number;
    /** `AWS_LAMBDA_MAX_CONCURRENCY`: set, the emulator runs in its concurrency mode (docs/rie.md). */
    readonly maxConcurrency: string | undefined;
    readonly memorySizeMb: number;
    /** `AWS_LAMBDA_FUNCTION_HANDLER`, else `_HANDLER` (AWS's RIE reads them in that order). */
    readonly handler: string;
    /** Account id in the function's ARN: `LAMINA_ACCOUNT_ID`, else AWS's RIE's `012345678912`. */
    readonly accountId: string;
    /** `LOG_LEVEL`: the emulator's own log level when `--log-level` is not given. */
    readonly logLevel: string | undefined;
    /** `LAMBDA_TASK_ROOT` of the container (Lambda base images set `/var/task`). */
    readonly taskRoot: string | undefined;
    /** `AWS_EXECUTION_ENV` of the container, e.g. `AWS_Lambda_nodejs20.x` in Lambda base images. */
    readonly executionEnv: string | undefined;
    /** `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL` of the container. */
    readonly logFormat: string | undefined;
    readonly functionLogLevel: string | undefined;
    /** `container` (set by podman and systemd-nspawn): a hint that we run inside a container. */
    readonly containerHint: string | undefined;
  };
  /** The whole environment, for the RIE drop-in only, which forwards it like AWS's RIE. */
  readonly forwarded: Readonly<Record<string, string>>;
}

function numberOr(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(parsed) ? parsed : fallback;
}

/**
 * @example
 * const host = readHostEnvironment(process.env);
 */
export function readHostEnvironment(env: NodeJS.ProcessEnv): HostEnvironment {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const forwarded: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) forwarded[key] = value;
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION,
    accountId: env.LAMINA_ACCOUNT_ID || DEFAULT_ACCOUNT_ID,
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined }
        : undefined,
    rie: {
      functionName: env.AWS_LAMBDA_FUNCTION_NAME || 'test_function',
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION || '$LATEST',
      timeoutSeconds: numberOr(env.AWS_LAMBDA_FUNCTION_TIMEOUT, 300),
      maxConcurrency: env.AWS_LAMBDA_MAX_CONCURRENCY,
      memorySizeMb: numberOr(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, 3008),
      handler: env.AWS_LAMBDA_FUNCTION_HANDLER || env._HANDLER || '',
      accountId: env.LAMINA_ACCOUNT_ID || '012345678912',
      logLevel: env.LOG_LEVEL || undefined,
      taskRoot: env.LAMBDA_TASK_ROOT || undefined,
      executionEnv: env.AWS_EXECUTION_ENV || undefined,
      logFormat: env.AWS_LAMBDA_LOG_FORMAT || undefined,
      functionLogLevel: env.AWS_LAMBDA_LOG_LEVEL || undefined,
      containerHint: env.container || undefined,
    },
    forwarded,
  };
}
