/**
 * The one place where the runtime interface client reads environment variables.
 *
 * Everything else receives a {@link LambdaEnvironment} value, which keeps the
 * rest of the code pure and testable. The only environment variable the client
 * writes is `_X_AMZN_TRACE_ID` (per invoke, see `context.ts`).
 */

/** Log output formats the client can write (`AWS_LAMBDA_LOG_FORMAT`). */
export type LogFormat = 'Text' | 'JSON';

/** Log levels, lowest to highest priority. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Everything the client needs from its environment, read once at start. */
export interface LambdaEnvironment {
  /** `AWS_LAMBDA_RUNTIME_API`: `host:port` of the Runtime API, no scheme. */
  readonly runtimeApi: string | undefined;
  /** `_HANDLER`: `path/to/module.export`. */
  readonly handler: string | undefined;
  /** `LAMBDA_TASK_ROOT`, or the working directory when it is not set. */
  readonly taskRoot: string;
  /** `AWS_LAMBDA_FUNCTION_NAME`. */
  readonly functionName: string;
  /** `AWS_LAMBDA_FUNCTION_VERSION`. */
  readonly functionVersion: string;
  /** `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, kept as a string like the official client. */
  readonly memorySize: string;
  /** `AWS_LAMBDA_LOG_GROUP_NAME`. */
  readonly logGroupName: string;
  /** `AWS_LAMBDA_LOG_STREAM_NAME`. */
  readonly logStreamName: string;
  /** `AWS_LAMBDA_LOG_FORMAT`: `JSON` (any case) selects JSON, anything else Text. */
  readonly logFormat: LogFormat;
  /** `AWS_LAMBDA_LOG_LEVEL`: the minimum level written; TRACE (everything) when unset or unknown. */
  readonly logLevel: LogLevelName;
  /**
   * `AWS_LAMBDA_MAX_CONCURRENCY` (Lambda Managed Instances): how many invocations one process
   * serves at once; `undefined` when unset (the classic one-at-a-time model). A value that is
   * not a positive integer counts as 1: its presence alone selects managed mode, as in the official client.
   */
  readonly maxConcurrency: number | undefined;
  /** `AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA` is `1` or `true`: do not define the `awslambda` global. */
  readonly noGlobalAwsLambda: boolean;
  /** `AWS_EXECUTION_ENV`, e.g. `AWS_Lambda_nodejs22.x` (picks the managed-mode callback error message). */
  readonly executionEnv: string;
  /**
   * The Node.js major of the runtime the client plays: `nodejsNN.x` of `AWS_EXECUTION_ENV`, else the
   * major of the running node. Picks the per-runtime behaviour (docs/node-runtimes-behaviour.md).
   */
  readonly nodeMajor: number;
}

/** The subset of `process.env` this module understands. */
export type EnvironmentSource = Readonly<Record<string, string | undefined>>;

function parseMaxConcurrency(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

const EXECUTION_ENV_NODE = /^AWS_Lambda_nodejs(\d+)\.x$/;

/**
 * The Node.js major a runtime name stands for, else the running node's.
 * @example
 * ```ts
 * runtimeNodeMajor('AWS_Lambda_nodejs24.x', '20.19.0'); // 24
 * runtimeNodeMajor(undefined, '22.12.0'); // 22
 * ```
 */
export function runtimeNodeMajor(executionEnv: string | undefined, nodeVersion: string = process.versions.node): number {
  const named = EXECUTION_ENV_NODE.exec(executionEnv ?? '')?.[1];
  return Number.parseInt(named ?? nodeVersion, 10);
}

function parseLogLevel(raw: string | undefined): LogLevelName {
  const upper = raw?.toUpperCase();
  return LOG_LEVELS.find((level) => level === upper) ?? 'TRACE';
}

/**
 * Read the Lambda environment variables.
 *
 * @param source - the variables to read; `process.env` by default.
 * @param cwd - the directory used when `LAMBDA_TASK_ROOT` is missing.
 * @param nodeVersion - the running node's version, for `nodeMajor` when `AWS_EXECUTION_ENV` names no Node runtime.
 * @returns a frozen {@link LambdaEnvironment}.
 *
 * @example
 * ```ts
 * const env = readEnvironment({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', _HANDLER: 'index.handler' }, '/var/task');
 * env.taskRoot; // '/var/task'
 * env.logFormat; // 'Text'
 * ```
 */
export function readEnvironment(
  source: EnvironmentSource = process.env,
  cwd: string = process.cwd(),
  nodeVersion: string = process.versions.node,
): LambdaEnvironment {
  return Object.freeze({
    runtimeApi: source['AWS_LAMBDA_RUNTIME_API'] || undefined,
    handler: source['_HANDLER'] || undefined,
    taskRoot: source['LAMBDA_TASK_ROOT'] || cwd,
    functionName: source['AWS_LAMBDA_FUNCTION_NAME'] ?? '',
    functionVersion: source['AWS_LAMBDA_FUNCTION_VERSION'] ?? '',
    memorySize: source['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] ?? '',
    logGroupName: source['AWS_LAMBDA_LOG_GROUP_NAME'] ?? '',
    logStreamName: source['AWS_LAMBDA_LOG_STREAM_NAME'] ?? '',
    logFormat: source['AWS_LAMBDA_LOG_FORMAT']?.toUpperCase() === 'JSON' ? 'JSON' : 'Text',
    logLevel: parseLogLevel(source['AWS_LAMBDA_LOG_LEVEL']),
    maxConcurrency: parseMaxConcurrency(source['AWS_LAMBDA_MAX_CONCURRENCY']),
    noGlobalAwsLambda: ['1', 'true'].includes(source['AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA'] ?? ''),
    executionEnv: source['AWS_EXECUTION_ENV'] ?? '',
    nodeMajor: runtimeNodeMajor(source['AWS_EXECUTION_ENV'], nodeVersion),
  });
}
