/**
 * The durable event queue on disk (docs/async-invocation.md): one SQLite file in the state
 * directory, in WAL mode with `synchronous=FULL`, written by this one process. Writes are grouped:
 * every change asked for in one turn of the event loop goes into one transaction (one fsync), and
 * the callers waiting on it (the 202s of `Event` invokes) are answered after it is on disk.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { SCHEMA_VERSION, applySchema, type EventRow, type FailedRow, type OutboxRow } from './store-schema.js';

export type { EventRow, FailedRow, OutboxRow } from './store-schema.js';

type Op = (db: Database.Database) => void;

/** Metric increments of one function, summed between two commits. */
interface MetricDelta {
  counts: Map<string, number>;
  maxima: Map<string, number>;
}

/**
 * @example
 * const store = EventStore.open('/state/events.db');
 * await store.write((db) => db.prepare('...').run());
 * store.close();
 */
export class EventStore {
  readonly path: string;
  readonly #db: Database.Database;
  #ops: Op[] = [];
  #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  #metrics = new Map<string, MetricDelta>();
  #scheduled = false;
  #closed = false;
  readonly #insertEvent: Database.Statement;
  readonly #readPayload: Database.Statement<[number], { payload: Buffer }>;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
    this.#insertEvent = db.prepare(
      `INSERT INTO events (request_id, function, qualifier, payload, client_context, trace_id, tenant_id, accepted_at, attempts, retries_used, state, due_at, last_error)
       VALUES (@requestId, @functionName, @qualifier, @payload, @clientContext, @traceId, @tenantId, @acceptedAt, @attempts, @retriesUsed, @state, @dueAt, @lastError)`,
    );
    this.#readPayload = db.prepare('SELECT payload FROM events WHERE seq = ?');
  }

  /**
   * Open (or create) the queue file.
   *
   * @throws ConfigError when the file is not a queue Lamina can read (corrupt, another program's,
   *   a newer schema). The file is left as it is: nothing queued in it is lost.
   */
  static open(path: string): EventStore {
    const existed = existsSync(path);
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma('busy_timeout = 5000');
      if (existed) {
        const check = db.pragma('quick_check', { simple: true });
        if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
      }
      applySchema(db);
      // Only once the file is known to be ours: switching to WAL rewrites the file's header.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      return new EventStore(path, db);
    } catch (error) {
      db?.close();
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(
        `Event queue ${path} cannot be opened: ${(error as Error).message}. The file was left untouched; ` +
          'move it away to start with an empty queue, or give another --state-dir',
      );
    }
  }

  /** Queue a change for the next commit; resolves once it is on disk. */
  write(op: Op): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the event queue is closed'));
    this.#ops.push(op);
    this.#schedule();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Queue a change for the next commit without waiting for it. */
  post(op: Op): void {
    if (this.#closed) return;
    this.#ops.push(op);
    this.#schedule();
  }

  /** Insert one accepted event; resolves once it is on disk. */
  insert(row: Omit<EventRow, 'seq'>, payload: Buffer): Promise<number> {
    let seq = 0;
    const done = this.write(() => {
      seq = Number(this.#insertEvent.run({ ...row, payload }).lastInsertRowid);
    });
    return done.then(() => seq);
  }

  /** Add to a per-function counter (kept in the `metrics` table). */
  count(functionName: string, metric: string, by = 1): void {
    const delta = this.#delta(functionName);
    delta.counts.set(metric, (delta.counts.get(metric) ?? 0) + by);
    this.#schedule();
  }

  /** Raise a per-function maximum (kept in the `metrics` table). */
  maximum(functionName: string, metric: string, value: number): void {
    const delta = this.#delta(functionName);
    delta.maxima.set(metric, Math.max(delta.maxima.get(metric) ?? Number.NEGATIVE_INFINITY, value));
    this.#schedule();
  }

  payload(seq: number): Buffer | undefined {
    return this.#readPayload.get(seq)?.payload;
  }

  /** Every event still to deliver, oldest first (recovery at start). */
  events(): EventRow[] {
    return this.#db.prepare('SELECT seq, request_id AS requestId, function AS functionName, qualifier, client_context AS clientContext, trace_id AS traceId, tenant_id AS tenantId, accepted_at AS acceptedAt, attempts, retries_used AS retriesUsed, state, due_at AS dueAt, last_error AS lastError FROM events ORDER BY seq').all() as EventRow[];
  }

  /** Every destination delivery still to make. */
  outbox(): OutboxRow[] {
    return this.#db.prepare('SELECT id, function AS functionName, request_id AS requestId, target, message, attempts, due_at AS dueAt, first_at AS firstAt FROM outbox ORDER BY id').all() as OutboxRow[];
  }

  /** The statement cache of the underlying database, for the queue's own writes. */
  statement(sql: string): Database.Statement {
    return this.#db.prepare(sql);
  }

  /** Commit what is pending now, then close the file. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#db.close();
  }

  /** Commit every pending change in one transaction. */
  flush(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    const ops = this.#ops;
    const waiters = this.#waiters;
    const metrics = this.#metrics;
    if (ops.length === 0 && metrics.size === 0) return;
    this.#ops = [];
    this.#waiters = [];
    this.#metrics = new Map();
    try {
      this.#db.transaction(() => {
        for (const op of ops) op(this.#db);
        this.#writeMetrics(metrics);
      })();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error as Error);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    // Everything asked for in this turn of the event loop shares one commit.
    setImmediate(() => this.flush());
  }

  #delta(functionName: string): MetricDelta {
    let delta = this.#metrics.get(functionName);
    if (delta === undefined) {
      delta = { counts: new Map(), maxima: new Map() };
      this.#metrics.set(functionName, delta);
    }
    return delta;
  }

  #writeMetrics(metrics: Map<string, MetricDelta>): void {
    if (metrics.size === 0) return;
    const add = this.#db.prepare('INSERT INTO metrics (function, name, value) VALUES (?, ?, ?) ON CONFLICT (function, name) DO UPDATE SET value = value + excluded.value');
    const max = this.#db.prepare('INSERT INTO metrics (function, name, value) VALUES (?, ?, ?) ON CONFLICT (function, name) DO UPDATE SET value = MAX(value, excluded.value)');
    for (const [fn, delta] of metrics) {
      for (const [name, value] of delta.counts) add.run(fn, name, value);
      for (const [name, value] of delta.maxima) max.run(fn, name, value);
    }
  }
}

export { SCHEMA_VERSION };
