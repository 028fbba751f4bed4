/**
 * Put/Get/Delete/ListProvisionedConcurrencyConfig(s) (docs/management-api.md, "Concurrency"): a
 * config per published version or alias, kept in the settings store and handed to the platform's
 * ProvisionedPort, which starts that many environments; Lambda's limits: never `$LATEST` or a
 * weighted alias, within the function's reservation when it has one, and leaving the account's
 * unreserved minimum to the others when it has none.
 */
import { ServiceError } from '../../errors.js';
import { LATEST } from '../../registry/registry-types.js';
import type { ManagementCall } from '../../management/management-port.js';
import { type NamedFunction, namedFunction, paginate, qualifierOf, validation } from './call-input.js';
import type { ControlContext, HandlerTable } from './control-context.js';
import {
  accountProvisionedTotal,
  deleteProvisioned,
  provisionedKey,
  provisionedRecord,
  provisionedRecords,
  provisionedTotal,
  provisionedVersion,
  renderProvisioned,
  saveProvisioned,
  syncProvisioned,
} from './provisioned-store.js';

const MAX_PROVISIONED_PAGE = 50;

/** The qualifier a provisioned call names (required), and the version it runs now. */
function target(context: ControlContext, call: ManagementCall, named: NamedFunction): { qualifier: string; version: string } {
  const qualifier = qualifierOf(call, named);
  if (qualifier === undefined) throw validation('null', 'qualifier', 'Member must not be null');
  if (qualifier === LATEST) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
  const alias = named.entry.aliases.get(qualifier);
  if (alias !== undefined) return { qualifier, version: alias.functionVersion };
  if (!named.entry.versions.has(qualifier)) throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${named.entry.latest.config.arn}:${qualifier}`);
  return { qualifier, version: qualifier };
}

function notFound(): ServiceError {
  return new ServiceError('LAMINA_ERR_PROVISIONED_CONFIG_NOT_FOUND', 'No Provisioned Concurrency Config found for this function');
}

/** Lambda's limits on a new total, or the refusal. */
function checkLimits(context: ControlContext, name: string, qualifier: string, requested: number): void {
  const reservations = context.registry.reservations;
  const reserved = reservations.reservedFor(name);
  if (reserved !== undefined) {
    if (provisionedTotal(context.settings, name, qualifier) + requested > reserved) {
      throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function: ${reserved}`);
    }
    return;
  }
  // Without a reservation it comes out of the unreserved pool, which must keep its minimum.
  const others = accountProvisionedTotal(context.settings, (fn) => reservations.reservedFor(fn) === undefined, provisionedKey(name, qualifier));
  const room = reservations.unreserved - reservations.unreservedMinimum;
  if (others + requested > room) {
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [${reservations.unreserved}] less its minimum value of [${reservations.unreservedMinimum}].`);
  }
}

export const PROVISIONED_HANDLERS: HandlerTable = {
  PutProvisionedConcurrencyConfig: async (context, call) => {
    const named = namedFunction(context, call);
    const raw = call.body['ProvisionedConcurrentExecutions'];
    if (raw === undefined || raw === null) throw validation('null', 'provisionedConcurrentExecutions', 'Member must not be null');
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1) throw validation(String(raw), 'provisionedConcurrentExecutions', 'Member must have value greater than or equal to 1');
    const { qualifier, version } = target(context, call, named);
    if (named.entry.aliases.get(qualifier)?.routing !== undefined) {
      throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Alias with weights can not be used with Provisioned Concurrency');
    }
    checkLimits(context, named.name, qualifier, raw);
    const record = { functionName: named.name, qualifier, requested: raw, lastModified: context.now().toISOString() };
    await saveProvisioned(context.settings, record);
    syncProvisioned(context.settings, context.provisioned, named.name, named.entry, [version]);
    return { status: call.successStatus, body: renderProvisioned(record, version, context.provisioned) };
  },

  GetProvisionedConcurrencyConfig: (context, call) => {
    const named = namedFunction(context, call);
    const { qualifier, version } = target(context, call, named);
    const record = provisionedRecord(context.settings, named.name, qualifier);
    if (record === undefined) throw notFound();
    return Promise.resolve({ status: call.successStatus, body: renderProvisioned(record, version, context.provisioned) });
  },

  DeleteProvisionedConcurrencyConfig: async (context, call) => {
    const named = namedFunction(context, call);
    const { qualifier, version } = target(context, call, named);
    if (provisionedRecord(context.settings, named.name, qualifier) === undefined) throw notFound();
    await deleteProvisioned(context.settings, named.name, qualifier);
    syncProvisioned(context.settings, context.provisioned, named.name, named.entry, [version]);
    return { status: call.successStatus };
  },

  ListProvisionedConcurrencyConfigs: (context, call) => {
    const named = namedFunction(context, call);
    const page = paginate(provisionedRecords(context.settings, named.name), call.query, MAX_PROVISIONED_PAGE);
    const configs = page.items.map((record) => {
      const version = provisionedVersion(named.entry, record.qualifier);
      return { FunctionArn: `${named.entry.latest.config.arn}:${record.qualifier}`, ...renderProvisioned(record, version, context.provisioned) };
    });
    return Promise.resolve({ status: call.successStatus, body: { ProvisionedConcurrencyConfigs: configs, ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }) } });
  },
};
