/**
 * The schema check shared by Lamina's SQLite files in the state directory (the event queue's
 * `events.db`, the control plane's `control.sqlite`): `PRAGMA user_version` holds the file's
 * schema version, so a file from a newer Lamina, or a file that is not Lamina's, is refused
 * rather than misread or written over.
 */
import type Database from 'better-sqlite3';

export interface SchemaSpec {
  readonly version: number;
  /** Every table the file may hold (SQLite's own `sqlite_*` tables aside). */
  readonly tables: readonly string[];
  /** The statements that create them in a new file. */
  readonly ddl: string;
  /** What the file is, for the refusal: "event queue". */
  readonly what: string;
}

/**
 * Create the tables of a new file, or check the version of an existing one.
 *
 * @throws Error for a file of a newer schema or one that is not Lamina's.
 * @example applyVersionedSchema(db, { version: 1, tables: ['t'], ddl: 'CREATE TABLE t (x)', what: 'scratch file' });
 */
export function applyVersionedSchema(db: Database.Database, spec: SchemaSpec): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > spec.version) throw new Error(`it was written by a newer Lamina (schema ${version}, this one reads ${spec.version})`);
  if (version === 0) {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all() as Array<{ name: string }>;
    const foreign = tables.map((table) => table.name).filter((name) => !spec.tables.includes(name));
    if (foreign.length > 0) throw new Error(`it is not Lamina's ${spec.what} (tables ${foreign.join(', ')})`);
    db.exec(spec.ddl);
    db.pragma(`user_version = ${spec.version}`);
  }
}
