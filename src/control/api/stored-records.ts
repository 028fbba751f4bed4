/**
 * Reading an area's records back from the settings store: a stored value as a plain object, and
 * every record of one function of a kind, each checked by the area's own parser (a value that does
 * not parse, say from an older layout, is skipped rather than trusted).
 */
import type { SettingsKind, SettingsStore, StoredValue } from '../settings-store.js';

/** A stored value as an object, or undefined. @example storedObject({ a: 1 }) // { a: 1 } */
export function storedObject(value: StoredValue | undefined): Readonly<Record<string, StoredValue>> | undefined {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return value as Readonly<Record<string, StoredValue>>;
}

/** @example functionRecords(settings, 'provisioned-concurrency', 'f', parseProvisioned) */
export function functionRecords<T extends { readonly functionName: string }>(
  settings: SettingsStore,
  kind: SettingsKind,
  functionName: string,
  parse: (value: StoredValue) => T | undefined,
): T[] {
  return settings
    .list(kind)
    .map(([, value]) => parse(value))
    .filter((record): record is T => record !== undefined && record.functionName === functionName);
}
