/**
 * The control plane behind the management API (docs/management-api.md): one table from operation
 * to handler, filled by one module per API area (functions, versions and aliases, concurrency,
 * event invoke configs, layers, permissions, tags, account).
 */
import { ServiceError } from '../../errors.js';
import type { ManagementAnswer, ManagementCall, ManagementPort } from '../../management/management-port.js';
import { ACCOUNT_HANDLERS } from './account-operations.js';
import type { ControlContext, HandlerTable } from './control-context.js';
import { LAYER_HANDLERS } from './layer-operations.js';
import { FUNCTION_HANDLERS } from './function-operations.js';

/** Every area's handlers, merged once. */
const HANDLERS: HandlerTable = {
  ...ACCOUNT_HANDLERS,
  ...LAYER_HANDLERS,
  ...FUNCTION_HANDLERS,
};

/**
 * @example
 * const control = new ControlPlane({ registry, region, accountId, stateDir, now: () => new Date() });
 * createFrontDoor(platform, { management: control });
 */
export class ControlPlane implements ManagementPort {
  readonly context: ControlContext;
  readonly #handlers: HandlerTable;

  constructor(context: ControlContext, handlers: HandlerTable = HANDLERS) {
    this.context = context;
    this.#handlers = handlers;
  }

  handle(call: ManagementCall): Promise<ManagementAnswer> {
    const handler = this.#handlers[call.operation];
    if (handler === undefined) {
      return Promise.reject(new ServiceError('LAMINA_ERR_UNKNOWN_OPERATION', `Lamina does not implement ${call.operation} yet (README, "Control plane")`));
    }
    return handler(this.context, call);
  }
}
