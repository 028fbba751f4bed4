/**
 * The registry's state at start: the state saved by the last run with the template applied on
 * top of it (docs/control-plane.md, "Persistence"). A template function keeps what the API did to
 * it while its definition is unchanged; a changed definition replaces `$LATEST` (keeping versions
 * and aliases); a function created through the API stays; a function the template no longer has
 * is removed. Pure: the store reads and writes around it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { shiftedByDeployment } from '../config/deployment-preference.js';
import type { FunctionConfig } from '../config/function-config.js';
import { type FunctionEntry, canonical, newEntry, unchangedVersion, withAlias, withLatest, withPublished } from './function-entry.js';
import type { CodeIdentity, FrozenCode, RegistryChange, VersionRecord } from './registry-types.js';

/** One function as the store keeps it. */
export interface SavedFunction {
  readonly name: string;
  readonly entry: FunctionEntry;
  /** The digest of the template definition it was last loaded from; undefined when created through the API. */
  readonly templateDigest: string | undefined;
}

/** What a registry store offers (src/control/control-store.ts is the SQLite one). */
export interface RegistryStore {
  /** The saved functions, in the order they were first saved. */
  functions(): readonly SavedFunction[];
  reservations(): ReadonlyMap<string, number>;
  /** The registry's `beforeCommit` hook: the new entry (or its removal) and the reservation, in one transaction. */
  commit(change: RegistryChange, entry: FunctionEntry | undefined, reservation: number | null | undefined): void;
  /** At start: make the saved state what was just loaded (functions skipped at load are left alone). */
  replace(state: StartState): void;
}

/** The registry's first state and what the store must write to match it. */
export interface StartState {
  /** In load order. */
  readonly functions: readonly SavedFunction[];
  readonly reservations: ReadonlyMap<string, number>;
  /** Saved functions dropped because the template no longer has them. */
  readonly removed: readonly string[];
  /** Saved functions not loaded (a code directory is missing): kept in the file, not in the registry. */
  readonly skipped: readonly string[];
  /**
   * The code directories the skipped functions name (their versions' that do exist): nothing may
   * remove them, or a skipped function could never come back once its missing directory does.
   */
  readonly skippedCodeDirs: readonly string[];
  /** One line per function that was removed, skipped or updated from the template. */
  readonly report: readonly string[];
}

/**
 * The digest of a template definition: equal configurations (whatever their key order) give the
 * same. A directory's content is part of it (a package's digest is in the configuration already),
 * so editing a file under `CodeUri` is a changed definition.
 */
export function templateDigest(fn: FunctionConfig, code?: CodeIdentity): string {
  const hash = createHash('sha256').update(canonical(fn));
  if (code !== undefined && fn.codePackage === undefined && fn.image === undefined) hash.update(`\0${code.sha256}`);
  return hash.digest('base64');
}

/** Copies a live code directory for a version published at start (none: versions share `$LATEST`'s). */
type Freeze = (latest: VersionRecord) => FrozenCode | undefined;

/** A template function as it starts the first time: `$LATEST`, and version 1 plus its alias under AutoPublishAlias. */
export function templateEntry(fn: FunctionConfig, code: CodeIdentity, now: Date, freeze?: Freeze): FunctionEntry {
  return withPublishedAlias(newEntry(fn, code, '', now), fn, freeze);
}

/**
 * AutoPublishAlias: publish `$LATEST` unless the newest version already equals it, and point the
 * alias at that version, all traffic at once, unless a `DeploymentPreference` shifts it
 * (`shiftedByDeployment`): then an existing alias stays on its version and the deployment that
 * starts once Lamina serves moves it on the schedule (docs/deployments.md).
 */
function withPublishedAlias(entry: FunctionEntry, fn: FunctionConfig, freeze: Freeze | undefined): FunctionEntry {
  const alias = fn.publishedAlias;
  if (alias === undefined) return entry;
  const same = unchangedVersion(entry);
  const published = same === undefined ? withPublished(entry, '', freeze?.(entry.latest)) : { entry, record: same };
  const current = entry.aliases.get(alias);
  if (current?.functionVersion === published.record.version) return published.entry;
  if (current !== undefined && shiftedByDeployment(fn)) return published.entry;
  const record = { name: alias, functionVersion: published.record.version, description: '', routing: undefined, revisionId: randomUUID(), arn: `${fn.arn}:${alias}` };
  return withAlias(published.entry, record, alias);
}

/** Every code directory the function's versions run from (an image function has none to check). */
function missingCodeDir(entry: FunctionEntry, exists: (path: string) => boolean): string | undefined {
  for (const record of [entry.latest, ...entry.versions.values()]) {
    const config = record.config;
    if (config.image === undefined && !exists(config.codeDir)) return config.codeDir;
  }
  return undefined;
}

export interface MergeOptions {
  readonly codeOf: (fn: FunctionConfig) => CodeIdentity;
  readonly freeze?: Freeze;
  readonly now: Date;
  readonly exists?: (path: string) => boolean;
}

/**
 * @example
 * const start = mergeTemplate(store.functions(), store.reservations(), template, { codeOf, now: new Date() });
 * for (const saved of start.functions) registry.load(saved.name, saved.entry);
 */
export function mergeTemplate(saved: readonly SavedFunction[], savedReservations: ReadonlyMap<string, number>, template: readonly FunctionConfig[], options: MergeOptions): StartState {
  const exists = options.exists ?? existsSync;
  const fromTemplate = new Map(template.map((fn) => [fn.name, fn]));
  const functions: SavedFunction[] = [];
  const reservations = new Map<string, number>();
  const removed: string[] = [];
  const skipped: string[] = [];
  const skippedCodeDirs: string[] = [];
  const report: string[] = [];
  const reserve = (name: string, reserved: number | undefined): void => void (reserved === undefined ? undefined : reservations.set(name, reserved));
  for (const old of saved) {
    const fn = fromTemplate.get(old.name);
    if (fn === undefined) {
      if (old.templateDigest !== undefined) {
        removed.push(old.name);
        report.push(`${old.name}: removed (no longer in the template)`);
        continue;
      }
      const missing = missingCodeDir(old.entry, exists);
      if (missing !== undefined) {
        skipped.push(old.name);
        for (const record of [old.entry.latest, ...old.entry.versions.values()]) if (record.config.image === undefined) skippedCodeDirs.push(record.config.codeDir);
        report.push(`${old.name}: not loaded, its code directory ${missing} is missing (the saved function is kept in the state file)`);
        continue;
      }
      functions.push(old);
      reserve(old.name, savedReservations.get(old.name));
      continue;
    }
    fromTemplate.delete(old.name);
    const code = options.codeOf(fn);
    const digest = templateDigest(fn, code);
    if (old.templateDigest === digest) {
      functions.push(old);
      reserve(old.name, savedReservations.get(old.name));
      continue;
    }
    // A changed definition (or an API-created function the template now claims): `$LATEST` from the template, history kept.
    const entry = withPublishedAlias(withLatest(old.entry, { config: fn, code, description: old.entry.latest.description }, options.now), fn, options.freeze);
    functions.push({ name: old.name, entry, templateDigest: digest });
    reserve(old.name, fn.reservedConcurrency);
    report.push(`${old.name}: $LATEST updated from the template (versions and aliases kept)`);
  }
  for (const fn of fromTemplate.values()) {
    const code = options.codeOf(fn);
    functions.push({ name: fn.name, entry: templateEntry(fn, code, options.now, options.freeze), templateDigest: templateDigest(fn, code) });
    reserve(fn.name, fn.reservedConcurrency);
  }
  return { functions, reservations, removed, skipped, skippedCodeDirs, report };
}
