/**
 * The tables of the control state file, `control.sqlite` in the state directory
 * (docs/control-plane.md, "Persistence"). `PRAGMA user_version` holds the file's schema version;
 * each function row also carries the format of its JSON (src/registry/entry-codec.ts), so a file
 * from a newer Lamina, or a file that is not Lamina's, is refused rather than misread.
 */
import type Database from 'better-sqlite3';
import { applyVersionedSchema } from '../../async/sqlite-schema.js';

export const CONTROL_SCHEMA_VERSION = 1;

/** The file's name in the state directory, beside the event queue's `events.db`. */
export const CONTROL_FILE = 'control.sqlite';

const TABLE_NAMES = ['functions', 'reservations', 'settings'];

const TABLES = `
CREATE TABLE IF NOT EXISTS functions (
  name TEXT PRIMARY KEY,
  format INTEGER NOT NULL,
  entry TEXT NOT NULL,
  template_digest TEXT
);
CREATE TABLE IF NOT EXISTS reservations (
  name TEXT PRIMARY KEY,
  reserved INTEGER NOT NULL CHECK (reserved >= 0)
);
CREATE TABLE IF NOT EXISTS settings (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (kind, key)
);
`;

/**
 * Create the tables of a new file, or check the version of an existing one.
 *
 * @throws Error for a file of a newer schema or one that is not Lamina's control state.
 * @example applyControlSchema(new Database(join(stateDir, CONTROL_FILE)));
 */
export function applyControlSchema(db: Database.Database): void {
  applyVersionedSchema(db, { version: CONTROL_SCHEMA_VERSION, tables: TABLE_NAMES, ddl: TABLES, what: 'control state' });
}
