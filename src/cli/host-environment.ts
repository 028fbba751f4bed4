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
  /** RIE knobs (contract section 7). */
  readonly rie: {
    readonly functionName: string;
    readonly functionVersion: string;
    readonly timeoutSeconds: number;
    readonly memorySizeMb: number;
    readonly handler: string;
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
      memorySizeMb: numberOr(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, 3008),
      handler: env._HANDLER || env.AWS_LAMBDA_FUNCTION_HANDLER || '',
    },
    forwarded,
  };
}
