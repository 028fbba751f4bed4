/**
 * What the Runtime API server asks of an execution environment. The HTTP layer parses and
 * reads bodies; the environment decides, by its state machine, what each call means.
 */
import type { PassThrough } from 'node:stream';
import type { RuntimeApiErrorCode } from '../errors.js';
import type { ExtensionApiTarget } from './extension-api-target.js';
import type { TelemetryTarget } from './telemetry-route.js';

/**
 * An invocation as the runtime receives it from `GET /next`: plain data, so the HTTP layer needs
 * nothing of the platform (docs/runtime-api.md for the headers each field becomes).
 */
export interface RuntimeEvent {
  readonly requestId: string;
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
  readonly traceId: string;
  readonly payload: Buffer;
  /** Empty or undefined: the header is left out. */
  readonly clientContext?: string | undefined;
  readonly tenantId?: string | undefined;
}

/** How a streamed response ended, as the relay saw it; the environment words the error. */
export type StreamEnd =
  | { readonly kind: 'complete'; readonly reported: ReportedError | undefined }
  | { readonly kind: 'too-large'; readonly limitBytes: number }
  | { readonly kind: 'truncated' };

/** A parked `GET /next`, answered when an invocation arrives. */
export interface NextWaiter {
  deliver(event: RuntimeEvent): void;
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

/**
 * `Answer` is the target's own handle on the invocation being answered: the HTTP layer only
 * passes it back.
 */
export interface RuntimeApiTarget<Answer extends object = object> extends Partial<TelemetryTarget> {
  /** A runtime asks for its next event: deliver at once, or park the waiter. */
  next(waiter: NextWaiter): RuntimeApiErrorCode | undefined;
  /** The runtime starts answering `requestId`; refuse an unknown id or a second answer. */
  beginAnswer(requestId: string): Answer | RuntimeApiErrorCode;
  /** The runtime hung up before its answer was complete: it may answer again. */
  abandonAnswer(answer: Answer): void;
  finishResponse(answer: Answer, payload: Buffer, contentType: string): void;
  finishError(answer: Answer, reported: ReportedError): void;
  /** A buffered response over the limit: the caller gets Function.ResponseSizeTooLarge. */
  finishTooLarge(answer: Answer): void;
  /** A streamed response starts: the returned stream is relayed to the caller as it is written. */
  beginStream(answer: Answer, contentType: string): PassThrough;
  /** The streamed response ended: complete (with its trailers' error if any), too large, or cut. */
  endStream(answer: Answer, end: StreamEnd): void;
  initError(reported: ReportedError): RuntimeApiErrorCode | undefined;
  /** The environment's Extensions API participants (docs/extensions.md). */
  readonly extensions: ExtensionApiTarget;
}

/**
 * Who may subscribe to telemetry: the extensions registered with the environment (the Extensions
 * API's registry), known by their identifier; the name is what `platform.telemetrySubscription` shows.
 */
export interface ExtensionIdentity {
  nameOf(identifier: string): string | undefined;
}

/** An environment before its registry is known: nobody may subscribe. */
export const NO_EXTENSIONS: ExtensionIdentity = { nameOf: () => undefined };
