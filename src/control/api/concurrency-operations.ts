/**
 * PutFunctionConcurrency, GetFunctionConcurrency and DeleteFunctionConcurrency (docs/management-api.md,
 * "Concurrency"): the registry's reservations, which admission reads on every invoke, so a change
 * takes effect on the next one. A reservation may not fall below the function's provisioned
 * concurrency (src/control/api/provisioned-operations.ts).
 */
import { ServiceError } from '../../errors.js';
import { deleteReservedConcurrency, putReservedConcurrency } from '../../registry/alias-changes.js';
import { namedFunction, valueOf, validation } from './call-input.js';
import type { HandlerTable } from './control-context.js';
import { provisionedTotal } from './provisioned-store.js';

export const CONCURRENCY_HANDLERS: HandlerTable = {
  PutFunctionConcurrency: async (context, call) => {
    const { name } = namedFunction(context, call);
    const raw = call.body['ReservedConcurrentExecutions'];
    if (raw === undefined || raw === null) throw validation('null', 'reservedConcurrentExecutions', 'Member must not be null');
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) throw validation(String(raw), 'reservedConcurrentExecutions', 'Member must have value greater than or equal to 0');
    const provisioned = provisionedTotal(context.settings, name);
    if (raw < provisioned) {
      throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `ReservedConcurrentExecutions (${raw}) must be greater than or equal to the function's total provisioned concurrency (${provisioned}).`);
    }
    const reserved = valueOf(await putReservedConcurrency(context.registry, name, raw));
    return { status: call.successStatus, body: { ReservedConcurrentExecutions: reserved } };
  },

  GetFunctionConcurrency: (context, call) => {
    const { name } = namedFunction(context, call);
    const reserved = context.registry.reservations.reservedFor(name);
    return Promise.resolve({ status: call.successStatus, body: reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved } });
  },

  DeleteFunctionConcurrency: async (context, call) => {
    const { name } = namedFunction(context, call);
    valueOf(await deleteReservedConcurrency(context.registry, name));
    return { status: call.successStatus };
  },
};
