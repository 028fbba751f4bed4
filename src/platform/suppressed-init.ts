/**
 * A failed init and its one retry inside the first invoke (docs/environment.md, "suppressed
 * init"): the error type an init failure reports, the error the invocation answers when the retry
 * fails too, and the log lines of that failed invocation in Lambda's order.
 */
import { performance } from 'node:perf_hooks';
import { FUNCTION_ERROR_TYPES } from '../errors.js';
import type { FunctionLog } from '../observability/function-log.js';
import type { ExecutionEnvironment, InitResult } from './environment.js';
import { errorMessageOf, exitError, fromReported, timedOut } from './function-errors.js';
import type { FunctionErrorResult } from './invoke-types.js';
import type { Invocation } from './invocation.js';

type FailedInit = InitResult & { ok: false };

/** @example initFailureError(id, init, 10_000).errorType // e.g. 'Runtime.ExitError' */
export function initFailureError(requestId: string, init: FailedInit, initTimeoutMs: number): FunctionErrorResult {
  if (init.extensionError !== undefined) return init.extensionError;
  if (init.reported !== undefined) return fromReported(init.reported);
  if (init.status === 'timeout') return timedOut(requestId, initTimeoutMs / 1000);
  return exitError(requestId, init.exit ?? { code: null, signal: 'SIGKILL' });
}

/** The error type of an INIT_REPORT line (none for a timeout). @example initErrorType(init) // 'Runtime.ExitError' */
export function initErrorType(init: FailedInit): string | undefined {
  if (init.extensionError !== undefined) return init.extensionError.errorType;
  if (init.reported !== undefined) return fromReported(init.reported).errorType;
  return init.status === 'timeout' ? undefined : FUNCTION_ERROR_TYPES.LAMINA_ERR_FN_EXIT;
}

/** What the failed retry's lines need to know of its pool. */
export interface RetryContext {
  readonly log: FunctionLog;
  readonly version: string;
  readonly memorySizeMB: number;
  readonly initTimeoutMs: number;
  /** `performance.now()` when the retry started. */
  readonly startedAt: number;
}

/**
 * The retried init failed too: the invocation answers its error, with Lambda's order of lines
 * (INIT_REPORT of the retried init, then START, the error, END, REPORT).
 *
 * @example failRetriedInit(retry, retried, invocation, { log, version, memorySizeMB: 128, initTimeoutMs: 10_000, startedAt });
 */
export function failRetriedInit(retry: ExecutionEnvironment, retried: FailedInit, invocation: Invocation, context: RetryContext): void {
  const error = initFailureError(invocation.requestId, retried, context.initTimeoutMs);
  retry.telemetry.initFailed(retried.durationMs, retried.status, error.errorType, invocation);
  retry.telemetry.started(invocation, context.version);
  if (retried.reported === undefined) {
    context.log.write(errorMessageOf(error), invocation);
    context.log.write(error.errorType, invocation);
  }
  const durationMs = performance.now() - context.startedAt;
  const metrics = { durationMs, billedDurationMs: Math.max(1, Math.ceil(durationMs)), memorySizeMB: context.memorySizeMB, maxMemoryUsedMB: retry.peakMemoryMb() };
  retry.telemetry.finished(invocation, metrics, { status: retried.status, errorType: error.errorType }, [], undefined);
  invocation.settle({ kind: 'function-error', error });
  invocation.markFinished();
}
