/**
 * Console patching: every `console.*` call becomes one log line on stdout,
 * tagged with the time, the current request id and the level, as the official
 * Node.js client writes them.
 *
 * Text:  `<ISO time>\t<request id>\t<LEVEL>\t<util.format(...)>`
 * JSON:  `{"timestamp","level","requestId","message"}` (+ `errorType`, `errorMessage`, `stackTrace`)
 *
 * Newlines inside a line become `\r`, so one call is one line. Before the
 * first invoke the request id is `undefined` (Text) or absent (JSON), as with
 * the Node.js 20 runtime.
 */
const { format } = process.getBuiltinModule('node:util'); // cheaper than an ESM import, see errors.ts
import { LOG_LEVELS, type LogFormat, type LogLevelName } from './environment.js';
import { formatErrorForLog, intoError } from './errors.js';

/** Where lines go; `process.stdout.write` by default (synchronous for files and pipes on Linux). */
export type LineWriter = (line: string) => void;

/** What {@link patchConsole} needs. */
export interface LoggingOptions {
  logFormat: LogFormat;
  logLevel: LogLevelName;
  write?: LineWriter;
}

// Shared with the official client through a registered symbol, so tools that read it keep working.
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID = Symbol.for('aws.lambda.runtime.tenantId');
const slots = globalThis as unknown as Record<symbol, string | undefined>;

/**
 * Set the request id (and tenant id) that log lines carry from now on.
 * @example
 * ```ts
 * setLogContext('8476a536-e9f4-11e8-9739-2dfe598c3fcd', undefined);
 * ```
 */
export function setLogContext(requestId: string | undefined, tenantId: string | undefined): void {
  slots[REQUEST_ID] = requestId;
  slots[TENANT_ID] = tenantId;
}

/**
 * Format one Text line (without the final newline).
 * @example
 * ```ts
 * formatTextLine('2024-01-01T00:00:00.000Z', 'req-1', 'INFO', ['a\nb %d', 1]);
 * // '2024-01-01T00:00:00.000Z\treq-1\tINFO\ta\rb 1'
 * ```
 */
export function formatTextLine(timestamp: string, requestId: string | undefined, level: LogLevelName, args: readonly unknown[]): string {
  // The official client formats `(message, ...params)`: a bare `console.log()` prints `undefined`.
  const message = args.length === 0 ? format(undefined) : format(...args);
  return `${timestamp}\t${String(requestId)}\t${level}\t${message}`.replace(/\n/g, '\r');
}

function errorFields(value: unknown): Record<string, unknown> {
  if (!(value instanceof Error)) return {};
  return {
    errorType: value.constructor?.name ?? 'UnknownError',
    errorMessage: value.message,
    stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? Object.assign(errorFields(value), value) : value;
}

/**
 * Format one JSON line (without the final newline).
 * @example
 * ```ts
 * formatJsonLine('2024-01-01T00:00:00.000Z', 'req-1', undefined, 'WARN', ['careful']);
 * // '{"timestamp":"2024-01-01T00:00:00.000Z","level":"WARN","requestId":"req-1","message":"careful"}'
 * ```
 */
export function formatJsonLine(
  timestamp: string,
  requestId: string | undefined,
  tenantId: string | undefined,
  level: LogLevelName,
  args: readonly unknown[],
): string {
  const record: Record<string, unknown> = { timestamp, level, requestId };
  if (tenantId) record['tenantId'] = tenantId;
  let line: string;
  // One argument (or none: `console.log()` has an undefined message, which JSON leaves out).
  if (args.length <= 1) {
    record['message'] = args[0];
    try {
      line = JSON.stringify(record, jsonReplacer);
    } catch {
      record['message'] = format(args[0]);
      line = JSON.stringify(record);
    }
  } else {
    record['message'] = format(...args);
    const firstError = args.find((arg) => arg instanceof Error);
    line = JSON.stringify(Object.assign(record, errorFields(firstError)));
  }
  return line.replace(/\n/g, '\r');
}

let activeFormat: LogFormat = 'Text';

/**
 * Replace `console.log/info/warn/error/debug/trace/fatal` with level-tagged
 * writers. Levels below `logLevel` become no-ops. `console.log` is INFO.
 *
 * @example
 * ```ts
 * patchConsole({ logFormat: 'Text', logLevel: 'TRACE' });
 * console.warn('disk at %d%%', 91); // 2024-...Z\tundefined\tWARN\tdisk at 91%
 * ```
 */
export function patchConsole(options: LoggingOptions): void {
  const write: LineWriter = options.write ?? ((line) => void process.stdout.write(line));
  const minimum = LOG_LEVELS.indexOf(options.logLevel);
  activeFormat = options.logFormat;
  const writer = (level: LogLevelName): ((...args: unknown[]) => void) => {
    if (LOG_LEVELS.indexOf(level) < minimum) return () => {};
    if (options.logFormat === 'JSON') {
      return (...args) => write(formatJsonLine(new Date().toISOString(), slots[REQUEST_ID], slots[TENANT_ID], level, args) + '\n');
    }
    return (...args) => write(formatTextLine(new Date().toISOString(), slots[REQUEST_ID], level, args) + '\n');
  };
  console.trace = writer('TRACE');
  console.debug = writer('DEBUG');
  console.info = writer('INFO');
  console.log = console.info;
  console.warn = writer('WARN');
  console.error = writer('ERROR');
  Object.defineProperty(console, 'fatal', { value: writer('FATAL'), writable: true, configurable: true, enumerable: true });
}

/**
 * Log an error the way the official client logs `Invoke Error`,
 * `Uncaught Exception` and the like: at ERROR level, as `label` then the
 * error as tab-prefixed JSON (Text), or the error itself (JSON).
 *
 * @example
 * ```ts
 * logError('Invoke Error', new Error('boom'));
 * // ...\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"boom","stack":[...]}
 * ```
 */
export function logError(label: string, error: unknown): void {
  if (activeFormat === 'JSON') console.error(intoError(error));
  else console.error(label, formatErrorForLog(intoError(error)));
}
