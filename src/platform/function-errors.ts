/**
 * The error bodies the platform itself answers for a failed invocation (contract section 5),
 * and the normalisation of errors a runtime reports.
 */
import { FUNCTION_ERROR_TYPES, validatedErrorType } from '../errors.js';
import { describeExit, type SandboxExit } from '../sandbox/process-sandbox.js';
import { timeoutMessage } from '../observability/report-lines.js';
import type { FunctionErrorResult } from './invoke-types.js';
import type { ReportedError } from '../runtime-api/runtime-api-target.js';

function errorBody(errorType: string, errorMessage: string): FunctionErrorResult {
  return { errorType, payload: Buffer.from(JSON.stringify({ errorType, errorMessage })) };
}

/** @example timedOut('abc', 3) // Sandbox.Timedout, "RequestId: abc Error: Task timed out after 3.00 seconds" */
export function timedOut(requestId: string, timeoutSeconds: number): FunctionErrorResult {
  return errorBody(FUNCTION_ERROR_TYPES.LAMINA_ERR_FN_TIMEOUT, timeoutMessage(requestId, timeoutSeconds));
}

/**
 * A runtime that exited: Lambda says "without providing a reason" for a clean exit.
 *
 * @example runtimeExited('abc', { code: 1, signal: null }) // Runtime.ExitError, "... exit status 1"
 */
export function runtimeExited(requestId: string, exit: SandboxExit): FunctionErrorResult {
  const why = exit.code === 0 && exit.signal === null ? 'Runtime exited without providing a reason' : `Runtime exited with error: ${describeExit(exit)}`;
  return errorBody(FUNCTION_ERROR_TYPES.LAMINA_ERR_FN_EXIT, `RequestId: ${requestId} Error: ${why}`);
}

/** The kernel's OOM killer ended the runtime (the environment's memory limit was reached). */
export function outOfMemory(requestId: string, exit: SandboxExit): FunctionErrorResult {
  return errorBody(FUNCTION_ERROR_TYPES.LAMINA_ERR_FN_OUT_OF_MEMORY, `RequestId: ${requestId} Error: Runtime exited with error: ${describeExit(exit)}`);
}

/** How the caller sees a runtime's exit: out of memory, or an exit error. */
export function exitError(requestId: string, exit: SandboxExit): FunctionErrorResult {
  return exit.outOfMemory === true ? outOfMemory(requestId, exit) : runtimeExited(requestId, exit);
}

/** The `errorMessage` of an error body the platform made (for the log lines Lambda writes). */
export function errorMessageOf(error: FunctionErrorResult): string {
  const parsed: unknown = JSON.parse(error.payload.toString('utf8'));
  return typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed ? String(parsed.errorMessage) : '';
}

/** A buffered response over 6,291,556 bytes. */
export function responseTooLarge(limitBytes: number): FunctionErrorResult {
  return errorBody(
    FUNCTION_ERROR_TYPES.LAMINA_ERR_FN_RESPONSE_TOO_LARGE,
    `Response payload size exceeded maximum allowed payload size (${limitBytes} bytes).`,
  );
}

function isJsonObject(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * The caller's view of an error a runtime reported: the type is checked against the contract's
 * pattern; a JSON object body is passed through as bytes, anything else is wrapped.
 *
 * @example fromReported({ errorType: 'Function.x y', payload: Buffer.from('oops') })
 * // { errorType: 'Function.Unknown', payload: '{"errorType":"Function.Unknown","errorMessage":"oops"}' }
 */
export function fromReported(reported: ReportedError): FunctionErrorResult {
  const errorType = validatedErrorType(reported.errorType);
  if (isJsonObject(reported.payload)) return { errorType, payload: reported.payload };
  return errorBody(errorType, reported.payload.toString('utf8'));
}
