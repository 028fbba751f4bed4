/**
 * The plain data the event queue and the platform exchange (src/async/event-queue.ts,
 * src/platform/queue-host.ts): neither side reaches into the other.
 */
import type { ThrottleReason } from '../errors.js';
import type { AsyncInvokeConfig, AsyncTarget } from './async-types.js';

/** What one attempt of a function on an event came to. */
export type AttemptOutcome =
  | { readonly kind: 'success'; readonly executedVersion: string; readonly payload: Buffer }
  | { readonly kind: 'function-error'; readonly executedVersion: string; readonly errorType: string; readonly body: Buffer };

/** One attempt the queue asks the platform to start. */
export interface AttemptRequest {
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly requestId: string;
  readonly payload: Buffer;
  readonly clientContext: string | undefined;
  readonly traceId: string;
  readonly tenantId: string | undefined;
  /** 1 for the first invocation of the event, 2 and 3 for retries (shown on REPORT lines). */
  readonly attempt: number;
}

/** How a function's events are handled. */
export interface EventSettings {
  /** The unqualified function ARN. */
  readonly functionArn: string;
  readonly config: AsyncInvokeConfig;
  readonly deadLetter?: (AsyncTarget & { readonly kind: 'sqs' | 'sns' }) | undefined;
  /** `RecursiveLoop: Allow`: a chain that keeps coming back is not stopped. */
  readonly allowRecursion?: boolean | undefined;
}

/** The platform, as the queue sees it. */
export interface QueueHost {
  /** Settings of a function and qualifier; undefined when they no longer exist. */
  settings(functionName: string, qualifier: string | undefined): EventSettings | undefined;
  /** Idle environments of a function and qualifier now (0 means an attempt would start a new one). */
  idle(functionName: string, qualifier: string | undefined): number;
  /** Admit and start one attempt, or say why it is throttled. */
  start(request: AttemptRequest): { readonly outcome: Promise<AttemptOutcome> } | ThrottleReason;
  /** Write a platform line into a function's log. */
  log(functionName: string, line: string): void;
  /** A fresh X-Ray trace header (`Root=...;Parent=...;Sampled=0`). */
  newTraceId(): string;
  newRequestId(): string;
}

/** What an accepted event needs. */
export interface EventToQueue {
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly payload: Buffer;
  readonly clientContext: string | undefined;
  readonly traceId: string | undefined;
  readonly tenantId: string | undefined;
}

/** CloudWatch's names of what the queue measures (docs/metrics.md). */
export type QueueMetricName = 'AsyncEventsReceived' | 'AsyncEventAge' | 'AsyncEventsDropped' | 'DestinationDeliveryFailures' | 'DeadLetterErrors' | 'RecursiveInvocationsDropped';

/**
 * Told of each measurement as it is made (plain data: `/metrics` listens, the queue imports
 * nothing of it). A count is 1; `AsyncEventAge` is the event's age in ms when it was handed to its
 * function. Called synchronously: keep it cheap, never throw.
 */
export type QueueMeasure = (functionName: string, name: QueueMetricName, value: number) => void;
