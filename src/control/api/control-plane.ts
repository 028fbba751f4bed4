/**
 * The control plane behind the management API (docs/management-api.md): one table from operation
 * to handler, filled by one module per API area (functions, versions and aliases, concurrency,
 * event invoke configs, layers, permissions, tags, account).
 */
import { ServiceError } from '../../errors.js';
import type { ManagementAnswer, ManagementCall, ManagementPort } from '../../management/management-port.js';
import { ACCOUNT_HANDLERS } from './account-operations.js';
import { ALIAS_HANDLERS } from './alias-operations.js';
import { CONCURRENCY_HANDLERS } from './concurrency-operations.js';
import { EVENT_INVOKE_HANDLERS } from './event-invoke-operations.js';
import { FUNCTION_URL_HANDLERS } from './function-url-operations.js';
import { PERMISSION_HANDLERS } from './permission-operations.js';
import { PROVISIONED_HANDLERS } from './provisioned-operations.js';
import { TAG_HANDLERS } from './tag-operations.js';
import { VERSION_HANDLERS } from './version-operations.js';
import type { ControlContext, HandlerTable } from './control-context.js';
import { cleanupAfter } from './settings-cleanup.js';
import { LAYER_HANDLERS } from './layer-operations.js';
import { FUNCTION_HANDLERS } from './function-operations.js';
import { watchReleases } from './code-store.js';

/** Every area's handlers, merged once. */
const HANDLERS: HandlerTable = {
  ...ACCOUNT_HANDLERS,
  ...LAYER_HANDLERS,
  ...FUNCTION_HANDLERS,
  ...VERSION_HANDLERS,
  ...ALIAS_HANDLERS,
  ...CONCURRENCY_HANDLERS,
  ...PROVISIONED_HANDLERS,
  ...EVENT_INVOKE_HANDLERS,
  ...TAG_HANDLERS,
  ...PERMISSION_HANDLERS,
  ...FUNCTION_URL_HANDLERS,
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
    // A deleted function, version or alias takes its tags, policies and configs with it.
    context.registry.onChange((change) => void cleanupAfter(context, change, (line) => process.stderr.write(`lamina: ${line}\n`)));
    // A package kept for a draining environment is removed once the platform releases it.
    watchReleases(context);
  }

  handle(call: ManagementCall): Promise<ManagementAnswer> {
    const handler = this.#handlers[call.operation];
    if (handler === undefined) {
      return Promise.reject(new ServiceError('LAMINA_ERR_UNKNOWN_OPERATION', `Lamina does not implement ${call.operation} yet (README, "Control plane")`));
    }
    return handler(this.context, call);
  }
}
