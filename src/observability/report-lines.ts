/**
 * The platform's own log lines around each invocation (docs/log-format.md): INIT_START, START, END, REPORT,
 * INIT_REPORT, and the timeout notice. Fields are tab-separated, as Lambda writes them.
 */

/**
 * The line of every init, with the runtime's version when it has one (not an image function).
 *
 * @example initStartLine('nodejs:20.v18', 'arn:aws:lambda:us-east-1::runtime:ab12') // 'INIT_START Runtime Version: nodejs:20.v18\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:ab12'
 */
export function initStartLine(runtimeVersion: string | undefined, runtimeVersionArn: string | undefined): string {
  if (runtimeVersion === undefined || runtimeVersionArn === undefined) return 'INIT_START';
  return `INIT_START Runtime Version: ${runtimeVersion}\tRuntime Version ARN: ${runtimeVersionArn}`;
}

/** @example startLine('abc', '$LATEST') // 'START RequestId: abc Version: $LATEST' */
export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

/** @example endLine('abc') // 'END RequestId: abc' */
export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export interface ReportFields {
  readonly requestId: string;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  /** Only on a cold start. */
  readonly initDurationMs: number | undefined;
  /** `timeout` or `error` when the invocation failed. */
  readonly status: 'timeout' | 'error' | undefined;
  readonly errorType: string | undefined;
  /** The attempt of an asynchronous event, written when it is a retry (2 or 3; Lamina's addition). */
  readonly attempt?: number | undefined;
}

/**
 * @example
 * reportLine({ requestId: 'abc', durationMs: 12.345, billedDurationMs: 13, memorySizeMb: 128,
 *   maxMemoryUsedMb: 57, initDurationMs: undefined, status: undefined, errorType: undefined })
 * // 'REPORT RequestId: abc\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 57 MB'
 */
export function reportLine(fields: ReportFields): string {
  let line =
    `REPORT RequestId: ${fields.requestId}\tDuration: ${fields.durationMs.toFixed(2)} ms` +
    `\tBilled Duration: ${fields.billedDurationMs} ms\tMemory Size: ${fields.memorySizeMb} MB` +
    `\tMax Memory Used: ${fields.maxMemoryUsedMb} MB`;
  if (fields.initDurationMs !== undefined) line += `\tInit Duration: ${fields.initDurationMs.toFixed(2)} ms`;
  if (fields.status !== undefined) line += `\tStatus: ${fields.status}`;
  if (fields.errorType !== undefined) line += `\tError Type: ${fields.errorType}`;
  if (fields.attempt !== undefined && fields.attempt > 1) line += `\tAttempt: ${fields.attempt}`;
  return line;
}

/**
 * The line Lambda writes when an init phase fails or times out.
 *
 * @example initReportLine(210.4, 'init', 'error', 'Runtime.ImportModuleError')
 */
export function initReportLine(
  initDurationMs: number,
  phase: 'init' | 'invoke',
  status: 'error' | 'timeout',
  errorType: string | undefined,
): string {
  let line = `INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: ${phase}\tStatus: ${status}`;
  if (errorType !== undefined) line += `\tError Type: ${errorType}`;
  return line;
}

/** Seconds with two decimals, as in `Task timed out after 3.00 seconds`. */
export function timeoutMessage(requestId: string, timeoutSeconds: number): string {
  return `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

/** The line written to the function's log when an invocation times out. */
export function timeoutLogLine(requestId: string, timeoutSeconds: number, now: Date): string {
  return `${now.toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}
