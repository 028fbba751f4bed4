/**
 * The SettingsStore kept in the control state file (docs/control-plane.md, "Persistence"): reads
 * from an in-memory copy loaded at open, so `get` and `list` stay synchronous; each write is
 * committed (and fsynced, the connection runs `synchronous=FULL`) before its promise resolves, and
 * the copy changes only once the write has succeeded.
 */
import type Database from 'better-sqlite3';
import { MemorySettingsStore, type SettingsKind, type SettingsStore, type StoredValue } from '../settings-store.js';

/** The kinds whose keys name one function: its ARN (tags) or `NAME:QUALIFIER`. Layer versions belong to no function. */
const FUNCTION_KINDS: readonly SettingsKind[] = ['tags', 'policy', 'event-invoke-config', 'provisioned-concurrency', 'function-url', 'deployment'];

/** One setting, by kind and key. */
export type SettingKey = readonly [SettingsKind, string];

/**
 * @example
 * const settings = new SqliteSettingsStore(db); // db: the control file's connection
 * await settings.put('tags', arn, { team: 'a' }); // on disk once resolved
 */
export class SqliteSettingsStore implements SettingsStore {
  readonly #copy = new MemorySettingsStore();
  readonly #put: Database.Statement;
  readonly #delete: Database.Statement;

  constructor(db: Database.Database) {
    this.#put = db.prepare('INSERT INTO settings (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value');
    this.#delete = db.prepare('DELETE FROM settings WHERE kind = ? AND key = ?');
    for (const row of db.prepare('SELECT kind, key, value FROM settings').all() as Array<{ kind: SettingsKind; key: string; value: string }>) {
      let value: StoredValue;
      try {
        value = JSON.parse(row.value) as StoredValue;
      } catch (error) {
        throw new Error(`setting ${row.kind} ${row.key} is not JSON: ${(error as Error).message}`);
      }
      void this.#copy.put(row.kind, row.key, value);
    }
  }

  /**
   * Every setting of a function (its tags, policy, event invoke configs, provisioned concurrency
   * and URL configs), so that they go with it: a function created again under the same name starts
   * without them, as on Lambda. Function names have no `:`, so `NAME:` cannot match another's keys.
   */
  keysOfFunction(name: string): SettingKey[] {
    const keys: SettingKey[] = [];
    for (const kind of FUNCTION_KINDS) {
      for (const [key] of this.#copy.list(kind)) if (kind === 'tags' ? key.endsWith(`:function:${name}`) : key.startsWith(`${name}:`)) keys.push([kind, key]);
    }
    return keys;
  }

  /** Delete rows inside the caller's transaction; `forget` them from the copy once it has committed. */
  deleteRows(keys: readonly SettingKey[]): void {
    for (const [kind, key] of keys) this.#delete.run(kind, key);
  }

  forget(keys: readonly SettingKey[]): void {
    for (const [kind, key] of keys) void this.#copy.delete(kind, key);
  }

  get(kind: SettingsKind, key: string): StoredValue | undefined {
    return this.#copy.get(kind, key);
  }

  list(kind: SettingsKind): ReadonlyArray<readonly [string, StoredValue]> {
    return this.#copy.list(kind);
  }

  put(kind: SettingsKind, key: string, value: StoredValue): Promise<void> {
    try {
      this.#put.run(kind, key, JSON.stringify(value));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.#copy.put(kind, key, value);
  }

  delete(kind: SettingsKind, key: string): Promise<void> {
    try {
      this.#delete.run(kind, key);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.#copy.delete(kind, key);
  }
}
