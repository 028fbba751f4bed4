/**
 * The typed action the front door hands to the platform core, and what comes back.
 * The HTTP layers speak only these types (architecture: HTTP parses, the core decides).
 */
import type { Readable } from 'node:stream';
import type { FunctionErrorBody } from '../errors.js';

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

/** One parsed Invoke API call. */
export interface InvokeRequest {
  /** Function name, resolved from a name or ARN by the front door's parser. */
  readonly functionName: string;
  /** The qualifier the call named, if any; undefined means `$LATEST`, unqualified. */
  readonly qualifier: string | undefined;
  readonly invocationType: InvocationType;
  /** The event bytes, untouched. */
  readonly payload: Buffer;
  /** Decoded `X-Amz-Client-Context` (JSON text), if any. */
  readonly clientContext: string | undefined;
  /** `X-Amz-Log-Type: Tail`. */
  readonly tailLogs: boolean;
  /** The caller's `X-Amzn-Trace-Id`, if any. */
  readonly traceId: string | undefined;
  /** `X-Amz-Tenant-Id`, if any. */
  readonly tenantId: string | undefined;
  /** Set for InvokeWithResponseStream: the caller wants chunks as they arrive. */
  readonly streaming: boolean;
  /** The attempt of an asynchronous event (1, then 2 and 3 for retries); undefined for direct invokes. */
  readonly attempt?: number | undefined;
}

/** A streamed function response, relayed as it arrives. */
export interface StreamedBody {
  /** Content type the runtime declared for the stream. */
  readonly contentType: string;
  /** The chunks, in order. Ends when the runtime's request body ends. */
  readonly body: Readable;
  /**
   * Settles after the body has ended with the stream's outcome: undefined when the stream
   * completed, else the error the runtime reported in its trailers or the platform's error
   * (timeout, crash, size limit).
   */
  readonly completion: Promise<FunctionErrorResult | undefined>;
}

/**
 * A function error, as the caller receives it with `X-Amz-Function-Error: Unhandled`: the
 * validated error type (docs/runtime-api.md), e.g. `Runtime.ExitError`, and the error JSON bytes.
 */
export type FunctionErrorResult = FunctionErrorBody;

export type InvocationResult =
  | { readonly kind: 'response'; readonly payload: Buffer; readonly contentType: string }
  | { readonly kind: 'stream'; readonly stream: StreamedBody }
  | { readonly kind: 'function-error'; readonly error: FunctionErrorResult };

/** What the platform answers for a RequestResponse invoke. */
export interface InvokeOutcome {
  readonly requestId: string;
  readonly executedVersion: string;
  readonly result: InvocationResult;
  /**
   * The invocation's log (START .. REPORT), available once the invocation has completed;
   * for a stream, after `completion` settles.
   */
  readonly logs: () => string;
}

/** What the platform answers for an Event (once the event is on disk) or DryRun invoke. */
export interface AcceptedInvoke {
  readonly requestId: string;
  readonly executedVersion: string;
}

/**
 * The platform core as the front door sees it. Every method throws a `ServiceError`
 * (src/errors.ts) for a call Lambda would refuse: unknown function or qualifier, throttling.
 *
 * @example
 * const outcome = await port.invoke(request); // RequestResponse or streaming
 * const accepted = port.accept(request);      // Event (runs in the background) or DryRun
 */
export interface InvokePort {
  /** Run a RequestResponse invocation (streaming or not) and answer with its outcome. */
  invoke(request: InvokeRequest): Promise<InvokeOutcome>;
  /**
   * Accept an Event invocation (queued durably: the promise settles once it is on disk, and the
   * event runs in the background) or check a DryRun.
   */
  accept(request: InvokeRequest): AcceptedInvoke | Promise<AcceptedInvoke>;
}

/**
 * Asked before an invoke is resolved to its environments (handed to the platform by whoever keeps
 * the functions' states, e.g. the control plane's FunctionStates): Lambda's refusal of a function
 * that cannot be invoked yet (State Pending), or undefined. The platform does not know where
 * states live; it only asks.
 */
export interface InvokeGate {
  refusal(functionName: string): { readonly code: 'LAMINA_ERR_RESOURCE_CONFLICT'; readonly message: string } | undefined;
}
