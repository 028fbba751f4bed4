/**
 * The control plane's state on disk (docs/control-plane.md, "Persistence"): every function's
 * entry, the reservations and the settings, in `control.sqlite` in the state directory, beside
 * the event queue's file. Writes are synchronous and durable (WAL, `synchronous=FULL`) and made
 * inside the registry's turn, so a change takes effect only once it is on disk, and a change that
 * cannot be written does not take effect.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { ENTRY_FORMAT, decodeEntry, encodeEntry } from '../../registry/entry-codec.js';
import type { FunctionEntry } from '../../registry/function-entry.js';
import type { RegistryChange } from '../../registry/registry-types.js';
import type { RegistryStore, SavedFunction, StartState } from '../../registry/saved-state.js';
import { CONTROL_FILE, applyControlSchema } from './control-schema.js';
import { type SettingKey, SqliteSettingsStore } from './sqlite-settings-store.js';

interface FunctionRow {
  readonly name: string;
  readonly format: number;
  readonly entry: string;
  readonly template_digest: string | null;
}

/**
 * @example
 * const store = ControlStore.open(state.path);
 * const { registry } = registryFromState(template.functions, {}, store);
 * const control = new ControlPlane({ ..., settings: store.settings });
 * store.close(); // at exit
 */
export class ControlStore implements RegistryStore {
  readonly path: string;
  readonly settings: SqliteSettingsStore;
  readonly #db: Database.Database;
  readonly #functions: SavedFunction[];
  readonly #reservations: Map<string, number>;
  readonly #statements: {
    readonly create: Database.Statement;
    readonly upsert: Database.Statement;
    readonly remove: Database.Statement;
    readonly reserve: Database.Statement;
    readonly unreserve: Database.Statement;
    readonly mark: Database.Statement;
  };
  readonly #commit: (change: RegistryChange, entry: FunctionEntry | undefined, reservation: number | null | undefined) => SettingKey[];
  readonly #replace: (state: StartState) => SettingKey[];

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
    this.#functions = (db.prepare('SELECT name, format, entry, template_digest FROM functions ORDER BY rowid').all() as FunctionRow[]).map((row) => savedFunction(row));
    this.#reservations = new Map((db.prepare('SELECT name, reserved FROM reservations').all() as Array<{ name: string; reserved: number }>).map((row) => [row.name, row.reserved]));
    this.settings = new SqliteSettingsStore(db);
    this.#statements = {
      // A function created through the API has no template digest.
      create: db.prepare('INSERT INTO functions (name, format, entry, template_digest) VALUES (?, ?, ?, NULL) ON CONFLICT (name) DO UPDATE SET format = excluded.format, entry = excluded.entry, template_digest = NULL'),
      // Any other change keeps the digest: an API change to a template function is kept while its definition is unchanged.
      upsert: db.prepare('INSERT INTO functions (name, format, entry, template_digest) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET format = excluded.format, entry = excluded.entry, template_digest = COALESCE(?, template_digest)'),
      remove: db.prepare('DELETE FROM functions WHERE name = ?'),
      reserve: db.prepare('INSERT INTO reservations (name, reserved) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET reserved = excluded.reserved'),
      unreserve: db.prepare('DELETE FROM reservations WHERE name = ?'),
      mark: db.prepare('UPDATE functions SET template_digest = ? WHERE name = ?'),
    };
    this.#commit = db.transaction((change: RegistryChange, entry: FunctionEntry | undefined, reservation: number | null | undefined) => {
      const name = change.functionName;
      // A deleted function's settings go with it, in the same transaction.
      const dropped = entry === undefined ? this.settings.keysOfFunction(name) : [];
      this.settings.deleteRows(dropped);
      if (entry === undefined) this.#statements.remove.run(name);
      else if (change.kind === 'function-created') this.#statements.create.run(name, ENTRY_FORMAT, encodeEntry(entry));
      else this.#statements.upsert.run(name, ENTRY_FORMAT, encodeEntry(entry), null, null);
      if (reservation === null) this.#statements.unreserve.run(name);
      else if (reservation !== undefined) this.#statements.reserve.run(name, reservation);
      return dropped;
    });
    this.#replace = db.transaction((state: StartState) => {
      const dropped = state.removed.flatMap((name) => this.settings.keysOfFunction(name));
      this.settings.deleteRows(dropped);
      for (const name of state.removed) this.#statements.remove.run(name);
      const kept = new Set(state.skipped);
      for (const saved of state.functions) {
        kept.add(saved.name);
        const digest = saved.templateDigest ?? null;
        this.#statements.upsert.run(saved.name, ENTRY_FORMAT, encodeEntry(saved.entry), digest, digest);
        const reserved = state.reservations.get(saved.name);
        if (reserved === undefined) this.#statements.unreserve.run(saved.name);
        else this.#statements.reserve.run(saved.name, reserved);
      }
      // Reservations of functions that are neither loaded nor kept aside are stale.
      for (const name of this.#reservations.keys()) if (!kept.has(name)) this.#statements.unreserve.run(name);
      return dropped;
    });
  }

  /**
   * Open (or create) the control state file of a state directory.
   *
   * @throws ConfigError when the file is damaged, not Lamina's, or from a newer Lamina.
   */
  static open(stateDir: string): ControlStore {
    const path = join(stateDir, CONTROL_FILE);
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      applyControlSchema(db);
      return new ControlStore(path, db);
    } catch (error) {
      db?.close();
      throw new ConfigError(`Control state ${path} cannot be used: ${(error as Error).message} (move it away to start with the template alone, or give another --state-dir)`);
    }
  }

  functions(): readonly SavedFunction[] {
    return this.#functions;
  }

  reservations(): ReadonlyMap<string, number> {
    return this.#reservations;
  }

  /** @throws the write's error; nothing of the change is written then. */
  commit(change: RegistryChange, entry: FunctionEntry | undefined, reservation: number | null | undefined): void {
    this.settings.forget(this.#commit(change, entry, reservation));
  }

  replace(state: StartState): void {
    this.settings.forget(this.#replace(state));
  }

  /**
   * A function's definition as the template gave it while serving (hot reload, docs/hot-reload.md):
   * the next start then treats it as a template function whose definition it already has.
   *
   * @example store.markTemplate('Fn', templateDigest(fn, code));
   */
  markTemplate(name: string, digest: string): void {
    this.#statements.mark.run(digest, name);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function savedFunction(row: FunctionRow): SavedFunction {
  if (row.format > ENTRY_FORMAT) throw new Error(`function ${row.name} was saved by a newer Lamina (format ${row.format}, this one reads ${ENTRY_FORMAT})`);
  try {
    return { name: row.name, entry: decodeEntry(row.entry), templateDigest: row.template_digest ?? undefined };
  } catch (error) {
    throw new Error(`function ${row.name} cannot be read: ${(error as Error).message}`);
  }
}
