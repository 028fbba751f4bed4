/**
 * The function fields of CreateFunction and UpdateFunctionConfiguration, checked as Lambda checks
 * them (docs/management-api.md, "Functions"): a broken model constraint (type, length, pattern,
 * range, enum) is a `ValidationException` in Lambda's "1 validation error detected" wording; a
 * broken rule (reserved environment names, the 4 KB environment) an `InvalidParameterValueException`.
 * Every field is optional here: CreateFunction checks its required ones itself.
 */
import { ServiceError } from '../../errors.js';
import { FUNCTION_LIMITS } from '../../config/function-config.js';
import { ENVIRONMENT_NAME_PATTERN, EPHEMERAL_STORAGE_RULE } from '../../config/function-properties.js';
import { RESERVED_ENVIRONMENT_NAMES } from '../../platform/environment-variables.js';
import { integerMember, stringMember, validation } from './call-input.js';
import { strictBase64 } from '../strict-base64.js';

/** Lambda's `Runtime` enum (the SDK's model): a value outside it is a ValidationException. */
export const LAMBDA_RUNTIMES: readonly string[] = [
  'dotnet10', 'dotnet6', 'dotnet8', 'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'go1.x', 'java11', 'java11.al2023', 'java17', 'java17.al2023', 'java21', 'java25',
  'java8', 'java8.al2', 'java8.al2023', 'nodejs', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x', 'nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'nodejs26.x',
  'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'provided', 'provided.al2', 'provided.al2023', 'python2.7', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14', 'python3.15',
  'python3.6', 'python3.7', 'python3.8', 'python3.9', 'ruby2.5', 'ruby2.7', 'ruby3.2', 'ruby3.3', 'ruby3.4', 'ruby4.0',
];

/** Lambda's `RoleArn` pattern: checked, never assumed (Lamina has no IAM). */
const ROLE_PATTERN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const ROLE_PATTERN_TEXT = 'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+';
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** The function fields of a request, each checked; absent ones are undefined. */
export interface FunctionSettings {
  readonly runtime?: string;
  readonly handler?: string;
  readonly role?: string;
  readonly description?: string;
  readonly memorySize?: number;
  readonly timeout?: number;
  readonly environment?: Readonly<Record<string, string>>;
  readonly ephemeralStorageMb?: number;
  readonly architecture?: 'x86_64' | 'arm64';
  readonly layers?: readonly string[];
  readonly tracingMode?: 'Active' | 'PassThrough';
  readonly logFormat?: 'Text' | 'JSON';
  readonly logLevel?: string;
}

function enumValue<T extends string>(raw: unknown, field: string, values: readonly T[]): T | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw)) throw validation(raw, field, `Member must satisfy enum value set: [${values.join(', ')}]`);
  return raw as T;
}

function objectMember(raw: unknown, field: string): Readonly<Record<string, unknown>> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: ${field} must be an object`);
  return raw as Record<string, unknown>;
}

/**
 * `Environment.Variables`: names by Lambda's pattern, no reserved name, 4 KB at most measured as
 * Lambda does (the variables as JSON).
 *
 * @example environmentOf({ Variables: { STAGE: 'prod' } }) // { STAGE: 'prod' }
 */
export function environmentOf(raw: unknown): Record<string, string> | undefined {
  const environment = objectMember(raw, 'Environment');
  if (environment === undefined) return undefined;
  const variables = objectMember(environment.Variables, 'Environment.Variables') ?? {};
  const env: Record<string, string> = {};
  const reserved: string[] = [];
  for (const [name, value] of Object.entries(variables)) {
    if (!ENVIRONMENT_NAME_PATTERN.test(name)) {
      throw validation(name, 'environment.variables', 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]');
    }
    if (typeof value !== 'string') throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: Environment.Variables.${name} must be a string`);
    if (RESERVED_ENVIRONMENT_NAMES.has(name)) reserved.push(name);
    env[name] = value;
  }
  if (reserved.length > 0) {
    throw new ServiceError(
      'LAMINA_ERR_INVALID_PARAMETER',
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const measured = JSON.stringify(env);
  if (Buffer.byteLength(measured) > FUNCTION_LIMITS.maxEnvironmentBytes) {
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`);
  }
  return env;
}

/** `Architectures`: a list of exactly one of x86_64 and arm64. */
function architectureOf(raw: unknown): 'x86_64' | 'arm64' | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: Architectures must be a list');
  if (raw.length !== 1) throw validation(raw, 'architectures', `Member must have length ${raw.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 1'}`);
  return enumValue(raw[0], 'architectures', ['x86_64', 'arm64'] as const);
}

/** `Layers`: at most 5 ARNs of layer versions. */
function layersOf(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.some((arn) => typeof arn !== 'string')) throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: Layers must be a list of strings');
  const arns = raw as string[];
  if (arns.length > 5) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Cannot reference more than 5 layers.');
  for (const arn of arns) stringMember(arn, 'layers', { max: 140, pattern: /^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$/, patternText: 'arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+', min: 1 });
  return arns;
}

/** `LoggingConfig`: LogFormat Text or JSON, ApplicationLogLevel only with JSON (Lambda refuses it with Text). */
function loggingOf(raw: unknown): { logFormat?: 'Text' | 'JSON'; logLevel?: string } {
  const logging = objectMember(raw, 'LoggingConfig');
  if (logging === undefined) return {};
  const logFormat = enumValue(logging.LogFormat, 'loggingConfig.logFormat', ['JSON', 'Text'] as const);
  const logLevel = enumValue(logging.ApplicationLogLevel, 'loggingConfig.applicationLogLevel', LOG_LEVELS);
  if (logLevel !== undefined && logFormat !== 'JSON') {
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Application log level and system log level can only be configured when the log format is JSON.');
  }
  return { ...(logFormat === undefined ? {} : { logFormat }), ...(logLevel === undefined ? {} : { logLevel }) };
}

/**
 * Every function field of a CreateFunction or UpdateFunctionConfiguration body, checked.
 *
 * @example functionSettings({ MemorySize: 64 }) // throws ValidationException: value greater than or equal to 128
 */
export function functionSettings(body: Readonly<Record<string, unknown>>): FunctionSettings {
  const runtime = enumValue(body.Runtime, 'runtime', LAMBDA_RUNTIMES);
  const handler = stringMember(body.Handler, 'handler', { max: 128, pattern: /^[^\s]+$/, patternText: '[^\\s]+' });
  const role = stringMember(body.Role, 'role', { max: 10_000, pattern: ROLE_PATTERN, patternText: ROLE_PATTERN_TEXT });
  const description = stringMember(body.Description, 'description', { max: 256 });
  const memorySize = integerMember(body.MemorySize, 'memorySize', FUNCTION_LIMITS.minMemoryMb, FUNCTION_LIMITS.maxMemoryMb);
  const timeout = integerMember(body.Timeout, 'timeout', FUNCTION_LIMITS.minTimeoutS, FUNCTION_LIMITS.maxTimeoutS);
  const environment = environmentOf(body.Environment);
  const storage = objectMember(body.EphemeralStorage, 'EphemeralStorage');
  const ephemeralStorageMb = storage === undefined ? undefined : integerMember(storage.Size ?? null, 'ephemeralStorage.size', EPHEMERAL_STORAGE_RULE.min, EPHEMERAL_STORAGE_RULE.max);
  const architecture = architectureOf(body.Architectures);
  const layers = layersOf(body.Layers);
  const tracing = objectMember(body.TracingConfig, 'TracingConfig');
  const tracingMode = tracing === undefined ? undefined : enumValue(tracing.Mode, 'tracingConfig.mode', ['Active', 'PassThrough'] as const);
  const logging = loggingOf(body.LoggingConfig);
  return {
    ...(runtime === undefined ? {} : { runtime }),
    ...(handler === undefined ? {} : { handler }),
    ...(role === undefined ? {} : { role }),
    ...(description === undefined ? {} : { description }),
    ...(memorySize === undefined ? {} : { memorySize }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(environment === undefined ? {} : { environment }),
    ...(ephemeralStorageMb === undefined ? {} : { ephemeralStorageMb }),
    ...(architecture === undefined ? {} : { architecture }),
    ...(layers === undefined ? {} : { layers }),
    ...(tracingMode === undefined ? {} : { tracingMode }),
    ...logging,
  };
}

/** Where new code comes from: `ZipFile`, `S3Bucket`/`S3Key`, or `ImageUri`. */
export type CodeSource =
  | { readonly kind: 'zip'; readonly zip: Buffer }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string }
  | { readonly kind: 'image'; readonly uri: string };

/**
 * The code of a CreateFunction `Code` member or an UpdateFunctionCode body: exactly one source.
 *
 * @example codeSource({ ZipFile: 'UEsFBg...' }) // { kind: 'zip', zip: <Buffer> }
 */
export function codeSource(code: Readonly<Record<string, unknown>>): CodeSource {
  const zip = code.ZipFile;
  const bucket = stringMember(code.S3Bucket, 's3Bucket', { max: 63, pattern: /^[0-9A-Za-z.\-_]*(?<!\.)$/, patternText: '^[0-9A-Za-z\\.\\-_]*(?<!\\.)$', min: 3 });
  const key = stringMember(code.S3Key, 's3Key', { max: 1024, min: 1 });
  const uri = stringMember(code.ImageUri, 'imageUri', { max: 2048 });
  const given = [zip !== undefined && zip !== null, bucket !== undefined || key !== undefined, uri !== undefined].filter(Boolean).length;
  if (given !== 1) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Please provide a source for function code.');
  if (uri !== undefined) return { kind: 'image', uri };
  if (bucket !== undefined || key !== undefined) {
    if (bucket === undefined || key === undefined) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Please provide both S3Bucket and S3Key for function code.');
    return { kind: 's3', bucket, key };
  }
  // The SDK and the CLI send the zip as base64 in the JSON body; anything else cannot be a zip.
  const bytes = typeof zip === 'string' ? strictBase64(zip) : undefined;
  if (bytes === undefined) throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: ZipFile must be base64');
  return { kind: 'zip', zip: bytes };
}
