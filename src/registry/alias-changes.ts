/**
 * CreateAlias, UpdateAlias and DeleteAlias, and the reservation calls (PutFunctionConcurrency,
 * DeleteFunctionConcurrency): one turn of the registry each, with Lambda's refusals.
 */
import { randomUUID } from 'node:crypto';
import { aliasNameError, aliasTargetError } from './alias-rules.js';
import { type FunctionEntry, versionOf, withAlias } from './function-entry.js';
import type { FunctionRegistry } from './function-registry.js';
import { revisionError } from './latest-changes.js';
import { type AliasRecord, type AliasRouting, type RegistryResult, ok, refuse } from './registry-types.js';

export interface AliasInput {
  readonly functionVersion: string;
  readonly description?: string;
  readonly routing?: AliasRouting;
}

function targetError(entry: FunctionEntry, functionVersion: string, routing: AliasRouting | undefined) {
  return aliasTargetError(functionVersion, routing, (version) => versionOf(entry, version) !== undefined, entry.latest.config.arn);
}

/**
 * @example await createAlias(registry, 'f', 'live', { functionVersion: '2', routing: { version: '1', weight: 0.1 } })
 */
export function createAlias(registry: FunctionRegistry, name: string, alias: string, input: AliasInput): Promise<RegistryResult<AliasRecord>> {
  const badName = aliasNameError(alias);
  if (badName !== undefined) return Promise.resolve({ ok: false, error: badName });
  return registry.change(name, (entry) => {
    if (entry === undefined) return registry.notFound(name);
    const arn = `${entry.latest.config.arn}:${alias}`;
    if (entry.aliases.has(alias)) return refuse('LAMINA_ERR_RESOURCE_CONFLICT', `Alias already exists: ${arn}`);
    const bad = targetError(entry, input.functionVersion, input.routing);
    if (bad !== undefined) return { ok: false, error: bad };
    const record: AliasRecord = { name: alias, functionVersion: input.functionVersion, description: input.description ?? '', routing: input.routing, revisionId: randomUUID(), arn };
    return ok({ entry: withAlias(entry, record, alias), change: { kind: 'alias-changed', functionName: name, alias }, value: record });
  });
}

export interface AliasUpdate {
  readonly functionVersion?: string;
  readonly description?: string;
  /** A new routing; null removes it (Lambda: an empty `AdditionalVersionWeights`). */
  readonly routing?: AliasRouting | null;
  readonly revisionId?: string;
}

/** @example await updateAlias(registry, 'f', 'live', { routing: { version: '3', weight: 0.5 } }) */
export function updateAlias(registry: FunctionRegistry, name: string, alias: string, update: AliasUpdate): Promise<RegistryResult<AliasRecord>> {
  return registry.change(name, (entry) => {
    if (entry === undefined) return registry.notFound(name);
    const current = entry.aliases.get(alias);
    if (current === undefined) return refuse('LAMINA_ERR_FUNCTION_NOT_FOUND', `Alias not found: ${entry.latest.config.arn}:${alias}`);
    const stale = revisionError(update.revisionId, current.revisionId);
    if (stale !== undefined) return { ok: false, error: stale };
    const functionVersion = update.functionVersion ?? current.functionVersion;
    const routing = update.routing === null ? undefined : (update.routing ?? current.routing);
    const bad = targetError(entry, functionVersion, routing);
    if (bad !== undefined) return { ok: false, error: bad };
    const record: AliasRecord = { ...current, functionVersion, routing, description: update.description ?? current.description, revisionId: randomUUID() };
    return ok({ entry: withAlias(entry, record, alias), change: { kind: 'alias-changed', functionName: name, alias }, value: record });
  });
}

/** @example await deleteAlias(registry, 'f', 'live') */
export function deleteAlias(registry: FunctionRegistry, name: string, alias: string): Promise<RegistryResult<undefined>> {
  return registry.change(name, (entry) => {
    if (entry === undefined) return registry.notFound(name);
    // Lambda answers a delete of an alias that is not there with success (idempotent).
    if (!entry.aliases.has(alias)) return ok({ entry, change: undefined, value: undefined });
    return ok({ entry: withAlias(entry, undefined, alias), change: { kind: 'alias-deleted', functionName: name, alias }, value: undefined });
  });
}

/** PutFunctionConcurrency. @example await putReservedConcurrency(registry, 'f', 50) */
export function putReservedConcurrency(registry: FunctionRegistry, name: string, reserved: number): Promise<RegistryResult<number>> {
  return registry.change(
    name,
    (entry) => {
      if (entry === undefined) return registry.notFound(name);
      const checked = registry.reservations.check(name, reserved);
      if (!checked.ok) return checked;
      return ok({ entry, change: { kind: 'reservation-changed', functionName: name, reserved }, value: reserved, reservation: reserved });
    },
    true,
  );
}

/** DeleteFunctionConcurrency. @example await deleteReservedConcurrency(registry, 'f') */
export function deleteReservedConcurrency(registry: FunctionRegistry, name: string): Promise<RegistryResult<undefined>> {
  return registry.change(
    name,
    (entry) => {
      if (entry === undefined) return registry.notFound(name);
      return ok({ entry, change: { kind: 'reservation-changed', functionName: name, reserved: undefined }, value: undefined, reservation: null });
    },
    true,
  );
}
