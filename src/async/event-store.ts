/**
 * The durable event queue on disk (docs/async-invocation.md): one SQLite file in the state
 * directory, in WAL mode with `synchronous=FULL`. Writes are grouped and made off the serving
 * thread: every change asked for while the writer thread (./store-writer-worker.ts) commits the
 * previous batch goes into the next batch, one transaction and one fsync for all of them, and the
 * callers waiting on a change (the 202s of `Event` invokes) are answered once it is on disk. The
 * serving thread keeps a connection of its own for reads (payloads, recovery).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../errors.js';
import { PROJECT_ROOT } from '../platform/paths.js';
import { SCHEMA_VERSION, applySchema, type EventRow, type OutboxRow } from './store-schema.js';
import type { WriteOp } from './store-ops.js';
import type { QueueStore } from './queue-store.js';
import type { WriterReply, WriterRequest } from './store-writer-worker.js';

export type { EventRow, FailedRow, OutboxRow } from './store-schema.js';
export type { WriteOp } from './store-ops.js';

/** The writer thread's script: next to this module when compiled, else in dist/ (tests run the sources). */
function writerScript(): string {
  const here = join(dirname(fileURLToPath(import.meta.url)), 'store-writer-worker.js');
  return existsSync(here) ? here : join(PROJECT_ROOT, 'dist', 'src', 'async', 'store-writer-worker.js');
}

/**
 * When a commit is on disk: `full` fsyncs every batch before its callers are answered (an event
 * survives a power cut); `normal` hands the batch to the kernel and fsyncs at checkpoints (an
 * event survives any crash or kill of Lamina, not a power cut of the machine).
 */
export type QueueSync = 'full' | 'normal';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * @example
 * const store = EventStore.open('/state/events.db');
 * await store.write({ op: 'delete-event', seq: 4 });
 * await store.close();
 */
export class EventStore implements QueueStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #worker: Worker;
  #closing: Promise<void> | undefined;
  #ops: WriteOp[] = [];
  /** The waiter of each op of the next batch (by index), when someone waits. */
  #waiters = new Map<number, Waiter>();
  /** Metric changes since the last batch, by `function\0name\0mode`. */
  #metrics = new Map<string, WriteOp & { op: 'metric' }>();
  #batch = 0;
  #commits = 0;
  /** The batch the writer is committing, with its waiters. */
  #committing: { readonly batch: number; readonly waiters: Map<number, Waiter> } | undefined;
  #scheduled = false;
  #closed = false;
  #broken: Error | undefined;
  #nextSeq: number;
  #nextOutboxId: number;
  #drained: Array<() => void> = [];
  #writerSync: QueueSync | undefined;
  readonly #statements = new Map<string, Database.Statement>();

  private constructor(path: string, db: Database.Database, sync: QueueSync) {
    this.path = path;
    this.#db = db;
    const top = (table: string): number => {
      const used = db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(table) as { seq: number } | undefined;
      return used?.seq ?? 0;
    };
    this.#nextSeq = Math.max(top('events'), (db.prepare('SELECT MAX(seq) AS m FROM events').get() as { m: number | null }).m ?? 0) + 1;
    this.#nextOutboxId = Math.max(top('outbox'), (db.prepare('SELECT MAX(id) AS m FROM outbox').get() as { m: number | null }).m ?? 0) + 1;
    this.#worker = new Worker(writerScript(), { workerData: { path, sync } });
    this.#worker.unref();
    this.#worker.on('message', (reply: WriterReply) => this.#committed(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(new Error(`the event queue's writer thread exited (${code})`));
    });
  }

  /**
   * Open (or create) the queue file.
   *
   * @throws ConfigError when the file is not a queue Lamina can read (corrupt, another program's,
   *   a newer schema). The file is left as it is: nothing queued in it is lost.
   */
  static open(path: string, sync: QueueSync = 'normal'): EventStore {
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
      return new EventStore(path, db, sync);
    } catch (error) {
      db?.close();
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(
        `Event queue ${path} cannot be opened: ${(error as Error).message}. The file was left untouched; ` +
          'move it away to start with an empty queue, or give another --state-dir',
      );
    }
  }

  /** The `seq` the next accepted event gets. */
  nextSeq(): number {
    return this.#nextSeq++;
  }

  /** The `id` the next outbox row gets. */
  nextOutboxId(): number {
    return this.#nextOutboxId++;
  }

  /** Queue a change for the next commit; resolves once it is on disk. */
  write(op: WriteOp): Promise<void> {
    const refused = this.#refusal();
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      this.#waiters.set(this.#ops.length, { resolve, reject });
      this.#ops.push(op);
      this.#schedule();
    });
  }

  /**
   * Insert one event (its `seq` chosen here); resolves with the seq once it is on disk.
   *
   * @example const seq = await store.insert({ requestId, functionName, ... }, payload);
   */
  async insert(row: Omit<EventRow, 'seq'>, payload: Buffer): Promise<number> {
    const seq = this.nextSeq();
    await this.write({ op: 'insert-event', seq, ...row, payload });
    return seq;
  }

  /** Queue a change for the next commit without waiting for it. */
  post(op: WriteOp): void {
    if (this.#refusal() !== undefined) return;
    this.#ops.push(op);
    this.#schedule();
  }

  /** Add to a per-function counter (kept in the `metrics` table). */
  count(functionName: string, name: string, by = 1): void {
    this.#metric(functionName, name, by, 'add');
  }

  /** Raise a per-function maximum (kept in the `metrics` table). */
  maximum(functionName: string, name: string, value: number): void {
    this.#metric(functionName, name, value, 'max');
  }

  payload(seq: number): Buffer | undefined {
    return (this.statement('SELECT payload FROM events WHERE seq = ?').get(seq) as { payload: Buffer } | undefined)?.payload;
  }

  /** Every event still to deliver, oldest first (recovery at start). */
  events(): EventRow[] {
    return this.#db.prepare('SELECT seq, request_id AS requestId, function AS functionName, qualifier, client_context AS clientContext, trace_id AS traceId, tenant_id AS tenantId, accepted_at AS acceptedAt, attempts, retries_used AS retriesUsed, state, due_at AS dueAt, last_error AS lastError FROM events ORDER BY seq').all() as EventRow[];
  }

  /** Every destination delivery still to make. */
  outbox(): OutboxRow[] {
    return this.#db.prepare('SELECT id, function AS functionName, request_id AS requestId, target, message, attempts, due_at AS dueAt, first_at AS firstAt FROM outbox ORDER BY id').all() as OutboxRow[];
  }

  /** A prepared read statement, compiled once per SQL text. */
  statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Batches committed so far by this store (each one transaction, one fsync). */
  get commits(): number {
    return this.#commits;
  }

  /**
   * The durability the writer thread's connection really runs with (read back from SQLite after
   * its first commit; undefined before): what `--queue-sync` asked for, checked by the tests.
   */
  get writerSync(): QueueSync | undefined {
    return this.#writerSync;
  }

  /** Resolves once everything asked for so far is on disk (or refused). */
  drained(): Promise<void> {
    if (this.#committing === undefined && this.#ops.length === 0 && this.#metrics.size === 0) return Promise.resolve();
    this.#schedule();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Commit what is pending, stop the writer thread, close the file. */
  close(): Promise<void> {
    // Once: the platform's queue closes it at stop, and serve closes it again in case the platform
    // was never made (a configuration error after the store opened must not leave its thread).
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    // Keep the process alive until the last batch is on disk (the thread is unref'd while serving).
    this.#worker.ref();
    await this.drained();
    this.#closed = true;
    const exited = new Promise((resolve) => this.#worker.once('exit', resolve));
    this.#worker.postMessage({ close: true } satisfies WriterRequest);
    await exited;
    this.#db.close();
  }

  #refusal(): Error | undefined {
    if (this.#broken !== undefined) return this.#broken;
    return this.#closed ? new Error('the event queue is closed') : undefined;
  }

  #metric(functionName: string, name: string, value: number, mode: 'add' | 'max'): void {
    if (this.#refusal() !== undefined) return;
    const key = `${functionName}\0${name}\0${mode}`;
    const known = this.#metrics.get(key);
    const merged = known === undefined ? value : mode === 'add' ? known.value + value : Math.max(known.value, value);
    this.#metrics.set(key, { op: 'metric', functionName, name, value: merged, mode });
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#committing !== undefined) return;
    this.#scheduled = true;
    // The writer is idle: send at the end of this task (what the same callback asks for joins);
    // what comes while it commits gathers into the next batch.
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#send();
    });
  }

  /** Hand the pending changes to the writer, unless it is still committing the last batch. */
  #send(): void {
    if (this.#committing !== undefined || this.#broken !== undefined) return;
    if (this.#ops.length === 0 && this.#metrics.size === 0) {
      for (const done of this.#drained.splice(0)) done();
      return;
    }
    const ops = [...this.#ops, ...this.#metrics.values()];
    const batch = ++this.#batch;
    this.#committing = { batch, waiters: this.#waiters };
    this.#ops = [];
    this.#waiters = new Map();
    this.#metrics = new Map();
    this.#worker.postMessage({ batch, ops } satisfies WriterRequest);
  }

  #committed(reply: WriterReply): void {
    this.#writerSync = reply.synchronous >= 2 ? 'full' : 'normal';
    const committing = this.#committing;
    if (committing === undefined || committing.batch !== reply.batch) return;
    this.#committing = undefined;
    this.#commits += 1;
    const failed = new Map(reply.failed.map((f) => [f.index, f.message]));
    for (const [index, waiter] of committing.waiters) {
      const message = failed.get(index);
      if (message === undefined) waiter.resolve();
      else waiter.reject(new Error(message));
    }
    this.#send();
  }

  #fail(error: Error): void {
    this.#broken = error;
    const waiters = [...(this.#committing?.waiters.values() ?? []), ...this.#waiters.values()];
    this.#committing = undefined;
    this.#waiters = new Map();
    this.#ops = [];
    for (const waiter of waiters) waiter.reject(error);
    for (const done of this.#drained.splice(0)) done();
  }
}

export { SCHEMA_VERSION };
