/**
 * What `lamina invoke` reads besides the template (docs/invoke-command.md): the event (a file,
 * stdin with `-`, or `{}` as `sam local invoke` sends without one) and SAM's environment variables
 * file (`--env-vars`).
 */
import { readFile } from 'node:fs/promises';
import type { FunctionConfig } from '../config/function-config.js';
import { ConfigError } from '../errors.js';
import { SYNC_PAYLOAD_LIMIT } from '../invoke/parse-request.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    // Lambda refuses it anyway; stop reading rather than hold an endless stdin.
    if (size > SYNC_PAYLOAD_LIMIT) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The event bytes: checked to be JSON (as Lambda's Invoke requires) and within Lambda's 6 MB.
 *
 * @throws ConfigError when the file cannot be read, is not JSON or is too large.
 * @example await readEvent(undefined) // Buffer '{}'
 */
export async function readEvent(source: string | undefined, stdin: NodeJS.ReadableStream = process.stdin): Promise<Buffer> {
  if (source === undefined) return Buffer.from('{}');
  const where = source === '-' ? 'stdin' : source;
  let bytes: Buffer;
  try {
    bytes = source === '-' ? await readAll(stdin) : await readFile(source);
  } catch (error) {
    throw new ConfigError(`--event ${where} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (bytes.length > SYNC_PAYLOAD_LIMIT) throw new ConfigError(`--event ${where} is over Lambda's ${SYNC_PAYLOAD_LIMIT} bytes for a RequestResponse invoke`);
  try {
    JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ConfigError(`--event ${where} is not JSON: ${(error as Error).message}`);
  }
  return bytes;
}

/** SAM's `--env-vars` file: `Parameters` for every function, and one object per function. */
export type EnvVarsFile = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * Read and check an environment variables file: an object of objects whose values are strings,
 * numbers or booleans (given to the function as text).
 *
 * @throws ConfigError when it cannot be read or has another shape.
 * @example await readEnvVars('env.json') // { Parameters: { STAGE: 'dev' }, Hello: { TABLE: 'local' } }
 */
export async function readEnvVars(path: string): Promise<EnvVarsFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not JSON: ${error.message}` : `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    throw new ConfigError(`--env-vars ${path} ${reason}`);
  }
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(parsed)) throw new ConfigError(`--env-vars ${path} must hold a JSON object such as {"Parameters": {"STAGE": "dev"}, "MyFunction": {"TABLE": "local"}}`);
  const file: Record<string, Record<string, string>> = {};
  for (const [key, vars] of Object.entries(parsed)) {
    if (!isObject(vars)) throw new ConfigError(`--env-vars ${path}: "${key}" must be an object of variables`);
    file[key] = {};
    for (const [name, value] of Object.entries(vars)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new ConfigError(`--env-vars ${path}: ${key}.${name} must be a string, a number or a boolean`);
      file[key][name] = String(value);
    }
  }
  return file;
}

/**
 * The function with the file's values for the variables its template declares, as SAM does:
 * `Parameters` first, the function's own object over it; a variable the template does not declare
 * is not added (its names come back in `ignored`).
 *
 * @example
 * applyEnvVars(fn, { Parameters: { STAGE: 'dev', EXTRA: 'x' } }) // { fn: {...environment: { STAGE: 'dev' }}, ignored: ['EXTRA'] }
 */
export function applyEnvVars(fn: FunctionConfig, file: EnvVarsFile): { readonly fn: FunctionConfig; readonly ignored: string[] } {
  const wanted = { ...file.Parameters, ...file[fn.name] };
  const environment = { ...fn.environment };
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(wanted)) {
    if (Object.hasOwn(environment, name)) environment[name] = value;
    else ignored.push(name);
  }
  return { fn: { ...fn, environment }, ignored };
}
