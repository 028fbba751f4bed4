/**
 * The error bodies the platform itself answers for a failed invocation (docs/invoke-api.md),
 * and the normalisation of errors a runtime reports.
 */
import { functionErrorBody, platformFunctionError, validatedErrorType } from '../errors.js';
import { describeExit, type SandboxExit } from '../sandbox/process-sandbox.js';
import { timeoutMessage } from '../observability/report-lines.js';
import type { FunctionErrorResult } from './invoke-types.js';
import type { ReportedError } from '../runtime-api/runtime-api-target.js';

/** @example timedOut('abc', 3) // Sandbox.Timedout, "RequestId: abc Error: Task timed out after 3.00 seconds" */
export function timedOut(requestId: string, timeoutSeconds: number): FunctionErrorResult {
  return platformFunctionError('LAMINA_ERR_FN_TIMEOUT', timeoutMessage(requestId, timeoutSeconds));
}

/**
 * A runtime that exited: Lambda says "without providing a reason" for a clean exit.
 *
 * @example runtimeExited('abc', { code: 1, signal: null }) // Runtime.ExitError, "... exit status 1"
 */
export function runtimeExited(requestId: string, exit: SandboxExit): FunctionErrorResult {
  const why = exit.code === 0 && exit.signal === null ? 'Runtime exited without providing a reason' : `Runtime exited with error: ${describeExit(exit)}`;
  return platformFunctionError('LAMINA_ERR_FN_EXIT', `RequestId: ${requestId} Error: ${why}`);
}

/** The kernel's OOM killer ended the runtime (the environment's memory limit was reached). */
export function outOfMemory(requestId: string, exit: SandboxExit): FunctionErrorResult {
  return platformFunctionError('LAMINA_ERR_FN_OUT_OF_MEMORY', `RequestId: ${requestId} Error: Runtime exited with error: ${describeExit(exit)}`);
}

/** How the caller sees a runtime's exit: out of memory, or an exit error. */
export function exitError(requestId: string, exit: SandboxExit): FunctionErrorResult {
  return exit.outOfMemory === true ? outOfMemory(requestId, exit) : runtimeExited(requestId, exit);
}

/**
 * An external extension exited while the environment lived (docs/extensions.md).
 *
 * @example extensionCrashed('abc', 'otel', 'exit status 2') // Extension.Crash, "RequestId: abc Error: Extension otel exited: exit status 2"
 */
export function extensionCrashed(requestId: string | undefined, name: string, why: string, reportedExitError = false): FunctionErrorResult {
  const prefix = requestId === undefined ? '' : `RequestId: ${requestId} `;
  // An extension that said why before it went (`/extension/exit/error`): the emulator's ExitError.
  return platformFunctionError(reportedExitError ? 'LAMINA_ERR_FN_EXTENSION_EXIT_ERROR' : 'LAMINA_ERR_FN_EXTENSION_CRASH', `${prefix}Error: Extension ${name} exited: ${why}`);
}

/**
 * An extension reported `/extension/init/error`: Lambda fails the init with `Extension.InitError`
 * (the extension's own type is its state's, in the `platform.extension` record).
 *
 * @example extensionInitError('otel', 'Extension.ConfigInvalid') // Extension.InitError
 */
export function extensionInitError(name: string, errorType: string): FunctionErrorResult {
  return platformFunctionError('LAMINA_ERR_FN_EXTENSION_INIT_ERROR', `Extension ${name} failed to initialize: ${errorType}`);
}

/** The `errorMessage` of an error body the platform made (for the log lines Lambda writes). */
export function errorMessageOf(error: FunctionErrorResult): string {
  const parsed: unknown = JSON.parse(error.payload.toString('utf8'));
  return typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed ? String(parsed.errorMessage) : '';
}

/**
 * A response over its limit: 6,291,556 bytes buffered, 200 MB streamed.
 *
 * @example responseTooLarge(6_291_556) // Function.ResponseSizeTooLarge, "Response payload size exceeded ..."
 */
export function responseTooLarge(limitBytes: number): FunctionErrorResult {
  return platformFunctionError('LAMINA_ERR_FN_RESPONSE_TOO_LARGE', `Response payload size exceeded maximum allowed payload size (${limitBytes} bytes).`);
}

/**
 * A streamed response the runtime stopped sending before its end (its connection closed).
 *
 * @example truncatedResponse('The runtime closed the response stream before it was complete')
 */
export function truncatedResponse(message: string): FunctionErrorResult {
  return platformFunctionError('LAMINA_ERR_FN_TRUNCATED_RESPONSE', message);
}

/**
 * A response stream that failed on the platform's side (the caller cannot tell why).
 *
 * @example streamFailed() // Runtime.Unknown, "The response stream failed."
 */
export function streamFailed(): FunctionErrorResult {
  return platformFunctionError('LAMINA_ERR_FN_UNKNOWN', 'The response stream failed.');
}

/**
 * An environment that could not be started at all (spawn failed, no port): the caller is told why.
 *
 * @example startFailed(new Error('spawn ENOENT')) // Runtime.Unknown, "Could not start an execution environment: spawn ENOENT"
 */
export function startFailed(error: unknown): FunctionErrorResult {
  const message = error instanceof Error ? error.message : String(error);
  return platformFunctionError('LAMINA_ERR_FN_UNKNOWN', `Could not start an execution environment: ${message}`);
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
 * The caller's view of an error a runtime reported: the type is checked against the pattern in
 * docs/runtime-api.md; a JSON object body is passed through as bytes, anything else is wrapped.
 *
 * @example fromReported({ errorType: 'Function.x y', payload: Buffer.from('oops') })
 * // { errorType: 'Function.Unknown', payload: '{"errorType":"Function.Unknown","errorMessage":"oops"}' }
 */
export function fromReported(reported: ReportedError): FunctionErrorResult {
  const errorType = validatedErrorType(reported.errorType);
  if (isJsonObject(reported.payload)) return { errorType, payload: reported.payload };
  return functionErrorBody(errorType, reported.payload.toString('utf8'));
}
