/**
 * What the Extensions API asks of an execution environment (docs/extensions.md). Plain data both
 * ways, so this HTTP layer needs nothing of the platform; the environment's phase machine decides.
 */
import type { RuntimeApiErrorCode } from '../errors.js';

/** The lifecycle events an extension can subscribe to. */
export const EXTENSION_EVENT_TYPES = ['INVOKE', 'SHUTDOWN'] as const;
export type ExtensionEventType = (typeof EXTENSION_EVENT_TYPES)[number];

/** An event as `GET /extension/event/next` returns it (its JSON body). */
export type ExtensionEvent =
  | {
      readonly eventType: 'INVOKE';
      readonly deadlineMs: number;
      readonly requestId: string;
      readonly invokedFunctionArn: string;
      readonly tracing: { readonly type: 'X-Amzn-Trace-Id'; readonly value: string };
    }
  | { readonly eventType: 'SHUTDOWN'; readonly shutdownReason: string; readonly deadlineMs: number };

/** A parked `GET /extension/event/next`. */
export interface ExtensionEventWaiter {
  deliver(event: ExtensionEvent): void;
  /** True once the extension hung up; a closed waiter is dropped, never delivered to. */
  readonly closed: boolean;
}

/** A refusal: the catalogue code and the message the extension reads. */
export interface ExtensionRefusal {
  readonly code: RuntimeApiErrorCode;
  readonly message: string;
}

/** What `POST /extension/register` answers with. */
export interface ExtensionRegistered {
  readonly id: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly handler: string;
  readonly accountId: string;
}

export interface ExtensionApiTarget {
  /** `name` is the `Lambda-Extension-Name` header (non-empty); `events` are already known types. */
  register(name: string, events: readonly ExtensionEventType[]): ExtensionRegistered | ExtensionRefusal;
  /** The extension with `id` is done with its phase and waits for its next event. */
  next(id: string, waiter: ExtensionEventWaiter): ExtensionRefusal | undefined;
  /** `/extension/init/error` or `/extension/exit/error` from the extension with `id`. */
  reportError(id: string, phase: 'init' | 'exit', errorType: string, payload: Buffer): ExtensionRefusal | undefined;
}
