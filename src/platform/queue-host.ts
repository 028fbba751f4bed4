/**
 * The platform as the durable event queue sees it (src/async/event-queue.ts): settings by function
 * and qualifier, one attempt started through admission like any invoke, and each attempt's result
 * turned into plain data. A streamed answer is read to its end (nobody else reads an event's
 * answer, and a runtime writing into a full pipe would stall until its timeout).
 */
import type { ThrottleReason } from '../errors.js';
import { ASYNC_DEFAULTS, type AsyncInvokeConfig } from '../async/async-types.js';
import type { AttemptOutcome, AttemptRequest, EventSettings, QueueHost } from '../async/event-queue.js';
import type { FunctionPool } from './function-pool.js';
import { newRequestId, newTraceId } from './ids.js';
import type { Invocation } from './invocation.js';
import type { InvocationResult, InvokeRequest } from './invoke-types.js';

/** Keep at most this much of a streamed answer for an OnSuccess record (Lambda's response limit). */
const STREAM_KEEP_BYTES = 6 * 1024 * 1024;

export interface QueueHostParts {
  /** The pool serving a function and qualifier; undefined when there is none. */
  readonly pool: (functionName: string, qualifier: string | undefined) => FunctionPool | undefined;
  readonly tryStart: (pool: FunctionPool, request: InvokeRequest, requestId: string) => Invocation | ThrottleReason;
  readonly log: (functionName: string, line: string) => void;
  /**
   * The management API's EventInvokeConfig for a function and qualifier (`$LATEST` when the invoke
   * named none), read on every attempt; undefined falls back to the template's.
   */
  readonly eventInvokeConfig?: ((functionName: string, qualifier: string) => AsyncInvokeConfig | undefined) | undefined;
  /** A fresh trace header for an event that came without one (default: a new unsampled one). */
  readonly newTraceId?: (() => string) | undefined;
}

async function outcomeOf(result: InvocationResult, executedVersion: string): Promise<AttemptOutcome> {
  if (result.kind === 'response') return { kind: 'success', executedVersion, payload: result.payload };
  if (result.kind === 'function-error') return { kind: 'function-error', executedVersion, errorType: result.error.errorType, body: result.error.payload };
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of result.stream.body as AsyncIterable<Buffer>) {
    if (kept < STREAM_KEEP_BYTES) chunks.push(chunk);
    kept += chunk.length;
  }
  const error = await result.stream.completion;
  if (error !== undefined) return { kind: 'function-error', executedVersion, errorType: error.errorType, body: error.payload };
  return { kind: 'success', executedVersion, payload: Buffer.concat(chunks).subarray(0, STREAM_KEEP_BYTES) };
}

/**
 * @example
 * const queue = new EventQueue({ store, host: queueHost({ pool, tryStart, log }) });
 */
export function queueHost(parts: QueueHostParts): QueueHost {
  return {
    settings(functionName: string, qualifier: string | undefined): EventSettings | undefined {
      const pool = parts.pool(functionName, qualifier);
      if (pool === undefined) return undefined;
      const fn = pool.fn;
      const named = qualifier ?? '$LATEST';
      const config = parts.eventInvokeConfig?.(functionName, named) ?? fn.async?.byQualifier[named] ?? ASYNC_DEFAULTS;
      return { functionArn: fn.arn, config, deadLetter: fn.async?.deadLetter, allowRecursion: fn.recursiveLoop === 'Allow' };
    },
    idle(functionName: string, qualifier: string | undefined): number {
      return parts.pool(functionName, qualifier)?.idleCount ?? 0;
    },
    start(request: AttemptRequest) {
      const pool = parts.pool(request.functionName, request.qualifier);
      if (pool === undefined) return 'ConcurrentInvocationLimitExceeded';
      const invokeRequest: InvokeRequest = {
        functionName: request.functionName,
        qualifier: request.qualifier,
        invocationType: 'Event',
        payload: request.payload,
        clientContext: request.clientContext,
        tailLogs: false,
        traceId: request.traceId,
        tenantId: request.tenantId,
        streaming: false,
        attempt: request.attempt,
      };
      const started = parts.tryStart(pool, invokeRequest, request.requestId);
      if (typeof started === 'string') return started;
      return { outcome: started.result.then((result) => outcomeOf(result, pool.version)) };
    },
    log: parts.log,
    newTraceId: parts.newTraceId ?? (() => newTraceId(Date.now())),
    newRequestId,
  };
}
