/**
 * What every management operation's handler can reach (docs/management-api.md): the registry,
 * where code and state live, and the platform's hooks as plain interfaces. Areas add optional
 * fields here as they need them; the HTTP layer never sees this.
 */
import type { FunctionRegistry } from '../../registry/function-registry.js';
import type { ManagementAnswer, ManagementCall } from '../../management/management-port.js';
import type { ManagementOperation } from '../../management/management-routes.js';

export interface ControlContext {
  readonly registry: FunctionRegistry;
  readonly region: string;
  readonly accountId: string;
  /** The state directory (`lamina serve --state-dir`): unpacked code, layers and the saved state live under it. */
  readonly stateDir: string;
  readonly now: () => Date;
}

/** One operation: a parsed call in, a success out; refusals are thrown `ServiceError`s. */
export type OperationHandler = (context: ControlContext, call: ManagementCall) => Promise<ManagementAnswer>;

/** Handlers by operation; each API area exports one. */
export type HandlerTable = Partial<Record<ManagementOperation, OperationHandler>>;
