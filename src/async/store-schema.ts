/**
 * The tables of the event queue file (docs/async-invocation.md). `PRAGMA user_version` holds the
 * schema version: a file from a newer Lamina is refused rather than misread.
 */
import type Database from 'better-sqlite3';
import { applyVersionedSchema } from './sqlite-schema.js';

export const SCHEMA_VERSION = 1;

/** Where an event stands. In-flight events found at start were cut off by a stop: they run again. */
export type EventState = 'queued' | 'in-flight' | 'retrying';

/** One accepted event that has not been delivered or given up yet. */
export interface EventRow {
  readonly seq: number;
  readonly requestId: string;
  readonly functionName: string;
  /** The qualifier the caller named; null for an unqualified invoke. */
  readonly qualifier: string | null;
  readonly clientContext: string | null;
  /** `X-Amzn-Trace-Id` of the event (with the recursion lineage, docs/async-invocation.md). */
  readonly traceId: string | null;
  readonly tenantId: string | null;
  /** Epoch ms at which the 202 was given: the event's age counts from here, across restarts. */
  readonly acceptedAt: number;
  /** Invocations of the function started for this event (`approximateInvokeCount`). */
  readonly attempts: number;
  /** Retries after function errors used so far (at most `MaximumRetryAttempts`). */
  readonly retriesUsed: number;
  readonly state: EventState;
  /** Epoch ms before which the event is not tried (retry delays). */
  readonly dueAt: number;
  /** The last failure, e.g. `Unhandled: Error` or `throttled`. */
  readonly lastError: string | null;
}

/** A destination delivery (SQS, SNS, EventBridge) still to make. */
export interface OutboxRow {
  readonly id: number;
  readonly functionName: string;
  readonly requestId: string;
  /** JSON of the AsyncTarget. */
  readonly target: string;
  /** JSON of the OutboundMessage. */
  readonly message: string;
  readonly attempts: number;
  readonly dueAt: number;
  readonly firstAt: number;
}

/** An event given up on (kept for `lamina events`; the newest 10,000). */
export interface FailedRow {
  readonly id: number;
  readonly requestId: string;
  readonly functionName: string;
  readonly condition: string;
  readonly error: string | null;
  readonly attempts: number;
  readonly acceptedAt: number;
  readonly failedAt: number;
}

/** How many given-up events the file keeps. */
export const FAILED_KEPT = 10_000;

const TABLES = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL UNIQUE,
  function TEXT NOT NULL,
  qualifier TEXT,
  payload BLOB NOT NULL,
  client_context TEXT,
  trace_id TEXT,
  tenant_id TEXT,
  accepted_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  retries_used INTEGER NOT NULL,
  state TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS events_by_function ON events (function, state);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  function TEXT NOT NULL,
  request_id TEXT NOT NULL,
  target TEXT NOT NULL,
  message TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  first_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS failed (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  function TEXT NOT NULL,
  condition TEXT NOT NULL,
  error TEXT,
  attempts INTEGER NOT NULL,
  accepted_at INTEGER NOT NULL,
  failed_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS metrics (
  function TEXT NOT NULL,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (function, name)
);
`;

/**
 * Create the tables of a new file, or check the version of an existing one.
 *
 * @throws Error for a file of a newer schema or one that is not Lamina's.
 */
export function applySchema(db: Database.Database): void {
  applyVersionedSchema(db, { version: SCHEMA_VERSION, tables: ['events', 'outbox', 'failed', 'metrics'], ddl: TABLES, what: 'event queue' });
}
