/**
 * What the management API's HTTP layer hands the control plane, and what it gets back
 * (docs/management-api.md). Plain data: the HTTP layer never reaches into the registry or the
 * platform, and the control plane never sees a socket.
 */
import type { ManagementOperation } from './management-routes.js';

/** One parsed management call. */
export interface ManagementCall {
  readonly operation: ManagementOperation;
  /** Path labels by name (`FunctionName`, `Name`, `LayerName`, ...), percent-decoded. */
  readonly labels: Readonly<Record<string, string>>;
  /** Query parameters (the last value of a repeated name wins, except `tagKeys`, see `queryAll`). */
  readonly query: Readonly<Record<string, string>>;
  /** Every value of each query parameter, for list-valued ones such as UntagResource's `tagKeys`. */
  readonly queryAll: Readonly<Record<string, readonly string[]>>;
  /** The JSON body (an object), or `{}` when there was none. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The status of a success for this operation (from the route table). */
  readonly successStatus: number;
}

/** A success. Failures are thrown `ServiceError`s (src/errors.ts), rendered with Lambda's error shape. */
export interface ManagementAnswer {
  readonly status: number;
  /** Serialised as JSON; undefined means an empty body (204). */
  readonly body?: unknown;
}

/** Implemented by the control plane (src/control/api/). */
export interface ManagementPort {
  handle(call: ManagementCall): Promise<ManagementAnswer>;
}
