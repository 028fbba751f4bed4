/**
 * What the Runtime API server asks of an execution environment. The HTTP layer parses and
 * reads bodies; the environment decides, by its state machine, what each call means.
 */
import type { PassThrough } from 'node:stream';
import type { RuntimeApiErrorCode } from '../errors.js';
import type { Invocation } from '../platform/invocation.js';

/** A parked `GET /next`, answered when an invocation arrives. */
export interface NextWaiter {
  deliver(invocation: Invocation): void;
  /** Answer `500` so the runtime exits promptly (docs/runtime-api.md). */
  refuse(): void;
  /** True once the runtime hung up; a closed waiter is dropped, never delivered to. */
  readonly closed: boolean;
}

/** The platform's error for a stream: validated type and error JSON bytes. */
export interface ReportedError {
  readonly errorType: string | undefined;
  readonly payload: Buffer;
}

export interface RuntimeApiTarget {
  /** A runtime asks for its next event: deliver at once, or park the waiter. */
  next(waiter: NextWaiter): RuntimeApiErrorCode | undefined;
  /** The runtime starts answering `requestId`; refuse an unknown id or a second answer. */
  beginAnswer(requestId: string): Invocation | RuntimeApiErrorCode;
  /** The runtime hung up before its answer was complete: it may answer again. */
  abandonAnswer(invocation: Invocation): void;
  finishResponse(invocation: Invocation, payload: Buffer, contentType: string): void;
  finishError(invocation: Invocation, reported: ReportedError): void;
  /** A buffered response over the limit: the caller gets Function.ResponseSizeTooLarge. */
  finishTooLarge(invocation: Invocation): void;
  /** A streamed response starts: the returned stream is relayed to the caller as it is written. */
  beginStream(invocation: Invocation, contentType: string): PassThrough;
  /** The streamed response ended, with the error its trailers reported if any. */
  endStream(invocation: Invocation, reported: ReportedError | undefined): void;
  initError(reported: ReportedError): RuntimeApiErrorCode | undefined;
}
