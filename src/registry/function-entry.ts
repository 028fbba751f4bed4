/**
 * One function's state in the registry, as an immutable value: `$LATEST`, the published versions,
 * the aliases and the last version number handed out. Every change builds a new entry, so a
 * change that is refused, or whose write fails, leaves the old one whole (docs/control-plane.md).
 */
import { randomUUID } from 'node:crypto';
import type { FunctionConfig } from '../config/function-config.js';
import { type AliasRecord, type CodeIdentity, type FrozenCode, LATEST, type VersionRecord } from './registry-types.js';

export interface FunctionEntry {
  readonly latest: VersionRecord;
  /** Published versions by number; a deleted one is gone for good. */
  readonly versions: ReadonlyMap<string, VersionRecord>;
  readonly aliases: ReadonlyMap<string, AliasRecord>;
  /** The highest number ever published: numbers are never given twice, even after a delete. */
  readonly lastVersion: number;
}

/** The parts of `$LATEST`'s configuration that UpdateFunctionConfiguration may change. */
export type ConfigPatch = Partial<
  Pick<FunctionConfig, 'handler' | 'runtime' | 'launch' | 'memorySize' | 'timeout' | 'environment' | 'layers' | 'ephemeralStorageMb' | 'logFormat' | 'logLevel' | 'vpc' | 'management' | 'image'>
>;

/** Freeze a value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * A configuration the registry can keep: its own deep, frozen copy, so neither the caller (who may
 * change its objects later) nor anyone reading a version can change what a version is.
 */
export function snapshotConfig(config: FunctionConfig): FunctionConfig {
  return deepFreeze(structuredClone(config));
}

/** @example newEntry(config, { sha256: 'abc=', size: 10 }, '', new Date()) */
export function newEntry(config: FunctionConfig, code: CodeIdentity, description: string, now: Date): FunctionEntry {
  return {
    latest: Object.freeze({ version: LATEST, config: snapshotConfig(config), code, description, revisionId: randomUUID(), lastModified: now.toISOString() }),
    versions: new Map(),
    aliases: new Map(),
    lastVersion: 0,
  };
}

/** `$LATEST` with new code and/or configuration: a new RevisionId and LastModified. */
export function withLatest(entry: FunctionEntry, change: { config?: FunctionConfig; code?: CodeIdentity; description?: string }, now: Date): FunctionEntry {
  const latest = entry.latest;
  return {
    ...entry,
    latest: Object.freeze({
      ...latest,
      config: change.config === undefined ? latest.config : snapshotConfig(change.config),
      code: change.code ?? latest.code,
      description: change.description ?? latest.description,
      revisionId: randomUUID(),
      lastModified: now.toISOString(),
    }),
  };
}

/**
 * JSON with sorted keys: two equal configurations give the same text whatever their key order.
 *
 * @example canonical({ b: 1, a: 2 }) // '{"a":2,"b":1}'
 */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** A configuration whose code now lies in `codeDir`: a `bootstrap` in the old directory is the one in the new. */
function movedTo(config: FunctionConfig, codeDir: string): FunctionConfig {
  const launch = config.launch;
  const inside = `${config.codeDir}/`;
  if (launch.kind !== 'bootstrap' || !launch.command.startsWith(inside)) return { ...config, codeDir };
  return { ...config, codeDir, launch: { ...launch, command: `${codeDir}/${launch.command.slice(inside.length)}` } };
}

/** A configuration without where its code lies: the code is compared by its digest. */
function placeless(config: FunctionConfig): string {
  return canonical(movedTo(config, ''));
}

/**
 * The newest published version, when it has the same code and configuration as `$LATEST`. Code
 * is the same when its digest is: a version runs from its own snapshot of a directory whose
 * `$LATEST` still runs from the live one (docs/control-plane.md, "Snapshots of directory code").
 */
export function unchangedVersion(entry: FunctionEntry): VersionRecord | undefined {
  let newest: VersionRecord | undefined;
  for (const record of entry.versions.values()) if (newest === undefined || Number(record.version) > Number(newest.version)) newest = record;
  if (newest === undefined) return undefined;
  const same = newest.code.sha256 === entry.latest.code.sha256 && placeless(newest.config) === placeless(entry.latest.config);
  return same ? newest : undefined;
}

/**
 * Publish `$LATEST` as the next number: an immutable snapshot with its own RevisionId, running
 * from `frozen` (its own copy of a live code directory) when one was made.
 */
export function withPublished(entry: FunctionEntry, description: string, frozen?: FrozenCode): { entry: FunctionEntry; record: VersionRecord } {
  const number = entry.lastVersion + 1;
  const version = String(number);
  const code = frozen === undefined ? {} : { config: snapshotConfig(movedTo(entry.latest.config, frozen.codeDir)), code: frozen.code };
  const record: VersionRecord = Object.freeze({ ...entry.latest, ...code, version, description, revisionId: randomUUID() });
  const versions = new Map(entry.versions);
  versions.set(version, record);
  return { entry: { ...entry, versions, lastVersion: number }, record };
}

export function withoutVersion(entry: FunctionEntry, version: string): FunctionEntry {
  const versions = new Map(entry.versions);
  versions.delete(version);
  return { ...entry, versions };
}

export function withAlias(entry: FunctionEntry, alias: AliasRecord | undefined, name: string): FunctionEntry {
  const aliases = new Map(entry.aliases);
  if (alias === undefined) aliases.delete(name);
  else aliases.set(name, Object.freeze(alias));
  return { ...entry, aliases };
}

/** The aliases that route any share of invokes to `version` (a version they name cannot go). */
export function aliasesOf(entry: FunctionEntry, version: string): string[] {
  return [...entry.aliases.values()].filter((alias) => alias.functionVersion === version || alias.routing?.version === version).map((alias) => alias.name);
}

/** A version's record, `$LATEST` included. */
export function versionOf(entry: FunctionEntry, version: string): VersionRecord | undefined {
  return version === LATEST ? entry.latest : entry.versions.get(version);
}
