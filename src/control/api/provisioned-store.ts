/**
 * Provisioned concurrency configs as the settings store keeps them (kind `provisioned-concurrency`,
 * key `FUNCTION:QUALIFIER`), and their status as Lambda reports it: IN_PROGRESS until the
 * platform (ControlContext.provisioned) says that many environments are initialised, then READY.
 */
import type { SettingsStore, StoredValue } from '../settings-store.js';
import { functionRecords, storedObject } from './stored-records.js';
import type { FunctionEntry } from '../../registry/function-entry.js';
import type { ProvisionedPort } from './control-context.js';
import { lambdaTime } from './function-output.js';

export interface ProvisionedRecord {
  readonly functionName: string;
  /** A version number or an alias name, never `$LATEST`. */
  readonly qualifier: string;
  readonly requested: number;
  readonly lastModified: string;
}

const KIND = 'provisioned-concurrency';

export function provisionedKey(functionName: string, qualifier: string): string {
  return `${functionName}:${qualifier}`;
}

function asRecord(value: StoredValue | undefined): ProvisionedRecord | undefined {
  const found = storedObject(value);
  if (found === undefined) return undefined;
  const { functionName, qualifier, requested, lastModified } = found;
  if (typeof functionName !== 'string' || typeof qualifier !== 'string' || typeof requested !== 'number' || typeof lastModified !== 'string') return undefined;
  return { functionName, qualifier, requested, lastModified };
}

/** @example provisionedRecord(settings, 'f', 'live') */
export function provisionedRecord(settings: SettingsStore, functionName: string, qualifier: string): ProvisionedRecord | undefined {
  return asRecord(settings.get(KIND, provisionedKey(functionName, qualifier)));
}

/** Every config of one function, in qualifier order. */
export function provisionedRecords(settings: SettingsStore, functionName: string): ProvisionedRecord[] {
  return functionRecords(settings, KIND, functionName, asRecord);
}

/** The function's provisioned concurrency over all its versions and aliases, except `except` (a qualifier). */
export function provisionedTotal(settings: SettingsStore, functionName: string, except?: string): number {
  return provisionedRecords(settings, functionName)
    .filter((record) => record.qualifier !== except)
    .reduce((sum, record) => sum + record.requested, 0);
}

/** The account's provisioned concurrency of the functions `counted` accepts, except one key. */
export function accountProvisionedTotal(settings: SettingsStore, counted: (functionName: string) => boolean, exceptKey: string): number {
  let total = 0;
  for (const [key, value] of settings.list(KIND)) {
    const record = asRecord(value);
    if (key !== exceptKey && record !== undefined && counted(record.functionName)) total += record.requested;
  }
  return total;
}

export function saveProvisioned(settings: SettingsStore, record: ProvisionedRecord): Promise<void> {
  return settings.put(KIND, provisionedKey(record.functionName, record.qualifier), { ...record });
}

export function deleteProvisioned(settings: SettingsStore, functionName: string, qualifier: string): Promise<void> {
  return settings.delete(KIND, provisionedKey(functionName, qualifier));
}

/**
 * Lambda's `ProvisionedConcurrencyConfig` output members, the status read live from the platform.
 * Without a platform port nothing is ever initialised, so the status stays IN_PROGRESS.
 *
 * @example renderProvisioned(record, '2', context.provisioned)
 */
export function renderProvisioned(record: ProvisionedRecord, version: string, port: ProvisionedPort | undefined): Record<string, unknown> {
  const ready = Math.min(record.requested, port?.readyProvisioned(record.functionName, version) ?? 0);
  return {
    RequestedProvisionedConcurrentExecutions: record.requested,
    AvailableProvisionedConcurrentExecutions: ready,
    AllocatedProvisionedConcurrentExecutions: ready,
    Status: ready >= record.requested ? 'READY' : 'IN_PROGRESS',
    LastModified: lambdaTime(record.lastModified),
  };
}

/** The version a config's environments run: an alias's current version, or the version itself. */
export function provisionedVersion(entry: FunctionEntry, qualifier: string): string {
  return entry.aliases.get(qualifier)?.functionVersion ?? qualifier;
}

/**
 * Tell the platform how many environments each of `versions` needs now: the sum of the configs
 * on the version and on the aliases that point at it (an alias that moved takes its share along).
 *
 * Answers the count given to each version.
 *
 * @example syncProvisioned(context.settings, context.provisioned, 'f', entry, ['1', '2']) // Map { '1' => 2, '2' => 0 }
 */
export function syncProvisioned(settings: SettingsStore, port: ProvisionedPort | undefined, functionName: string, entry: FunctionEntry, versions: readonly string[]): ReadonlyMap<string, number> {
  const counts = new Map<string, number>();
  if (port === undefined) return counts;
  const records = provisionedRecords(settings, functionName);
  for (const version of new Set(versions)) {
    const count = records.filter((record) => provisionedVersion(entry, record.qualifier) === version).reduce((sum, record) => sum + record.requested, 0);
    port.setProvisioned(functionName, version, count);
    counts.set(version, count);
  }
  return counts;
}
