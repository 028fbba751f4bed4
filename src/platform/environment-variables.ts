/**
 * The environment a runtime receives (docs/environment.md). Built from scratch for every
 * environment: nothing of the platform's own environment leaks into a function, except in the
 * RIE drop-in, which forwards the container's environment as AWS's RIE does.
 */
import { dirname } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { nodeMajorOf } from '../runtimes/node-majors.js';

/** Names a function's own variables may not set (Lambda rejects them at configuration time). */
export const RESERVED_ENVIRONMENT_NAMES: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/**
 * Lambda's PATH on Amazon Linux. Its managed runtimes put `/var/lang/bin` (their interpreter)
 * first; Lamina puts the directory of the function's own interpreter there instead, so
 * `#!/usr/bin/env node` in an extension or an exec wrapper runs the function's node, isolated or
 * not. `provided*` runtimes get the directory of Lamina's node at the end (its launcher needs one).
 */
const LAMBDA_PATH = '/usr/local/bin:/usr/bin/:/bin:/opt/bin';

/** The interpreter of a managed runtime, whose directory stands for Lambda's /var/lang/bin. */
function managedInterpreter(fn: FunctionConfig): string | undefined {
  if (fn.launch.kind === 'node-ric') return fn.launch.node === '' ? process.execPath : fn.launch.node;
  return fn.launch.kind === 'python-ric' ? fn.launch.python : undefined;
}

/**
 * @example lambdaPath(nodeFn) // '/root/.cache/lamina/runtimes/node-v22.11.0/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin'
 */
export function lambdaPath(fn: FunctionConfig): string {
  const interpreter = managedInterpreter(fn);
  if (interpreter !== undefined) return `${dirname(interpreter)}:${LAMBDA_PATH}`;
  const nodeDir = dirname(process.execPath);
  return LAMBDA_PATH.split(':').includes(nodeDir) ? LAMBDA_PATH : `${LAMBDA_PATH}:${nodeDir}`;
}

/** Credentials the platform hands to functions, read once from the platform's settings. */
export interface FunctionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string | undefined;
}

export interface EnvironmentIdentity {
  /** `host:port` of this environment's Runtime API listener. */
  readonly runtimeApi: string;
  readonly version: string;
  readonly logStreamName: string;
  readonly initializationType: 'on-demand' | 'provisioned-concurrency' | 'lambda-managed-instances';
}

/**
 * Build the runtime's environment.
 *
 * @example
 * const env = runtimeEnvironment(fn, { runtimeApi: '127.0.0.1:40123', version: '$LATEST',
 *   logStreamName: '2026/11/26/[$LATEST]abc', initializationType: 'on-demand' }, undefined);
 */
export function runtimeEnvironment(
  fn: FunctionConfig,
  identity: EnvironmentIdentity,
  credentials: FunctionCredentials | undefined,
): Record<string, string> {
  const path = lambdaPath(fn);
  const env: Record<string, string> = {
    ...fn.inheritedEnvironment,
    PATH: path,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
    ...fn.environment,
    _HANDLER: fn.handler,
    AWS_LAMBDA_RUNTIME_API: identity.runtimeApi,
    LAMBDA_TASK_ROOT: fn.codeDir,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: identity.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: identity.logStreamName,
    AWS_LAMBDA_LOG_FORMAT: fn.logFormat,
    AWS_LAMBDA_INITIALIZATION_TYPE: identity.initializationType,
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
  };
  if (fn.logLevel !== undefined) env.AWS_LAMBDA_LOG_LEVEL = fn.logLevel;
  // NODE_PATH is not reserved on Lambda: the function's own value wins (docs/environment.md).
  if (fn.launch.kind === 'node-ric' && fn.environment.NODE_PATH === undefined) {
    // Lambda's NODE_PATH names the runtime's own major: /opt/nodejs/node22/node_modules on nodejs22.x.
    const major = nodeMajorOf(fn.launch.runtime) ?? 20;
    env.NODE_PATH = `/opt/nodejs/node${major}/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task`;
  }
  // Lambda's Python runtimes set PYTHONPATH to the runtime directory (the client's own modules).
  if (fn.launch.kind === 'python-ric' && env.PYTHONPATH === undefined) env.PYTHONPATH = '/var/runtime';
  if (credentials !== undefined) {
    env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    if (credentials.sessionToken !== undefined) env.AWS_SESSION_TOKEN = credentials.sessionToken;
  }
  return env;
}
