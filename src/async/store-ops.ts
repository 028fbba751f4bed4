/**
 * The changes the event queue makes to its file, as plain data: they travel to the writer thread
 * (./store-writer-worker.ts), which applies a batch of them in one transaction. Ids (`seq` of
 * events, `id` of outbox rows) are chosen by the queue, so nothing has to come back but "done".
 */
import type Database from 'better-sqlite3';
import { FAILED_KEPT, type EventRow, type FailedRow } from './store-schema.js';

export type WriteOp =
  /** A new event row (the rest of EventRow takes its defaults: `queued`, 0 attempts, 0 retries). */
  | ({ readonly op: 'insert-event'; readonly payload: Uint8Array }
      & Pick<EventRow, 'seq' | 'requestId' | 'functionName' | 'qualifier' | 'clientContext' | 'traceId' | 'tenantId' | 'acceptedAt' | 'dueAt'>
      /** Set when a row is written as it stood elsewhere (tests, copies). */
      & { readonly state?: 'queued' | 'in-flight' | 'retrying' }
      & Partial<Pick<EventRow, 'attempts' | 'retriesUsed' | 'lastError'>>)
  | { readonly op: 'in-flight'; readonly seq: number; readonly attempts: number }
  | { readonly op: 'retrying'; readonly seq: number; readonly retriesUsed: number; readonly dueAt: number; readonly lastError: string }
  | { readonly op: 'delete-event'; readonly seq: number }
  /** The failed-events row (its `id` is the table's), and the event to delete. */
  | ({ readonly op: 'fail-event'; readonly seq: number } & Omit<FailedRow, 'id'>)
  | { readonly op: 'insert-outbox'; readonly id: number; readonly functionName: string; readonly requestId: string; readonly target: string; readonly message: string; readonly at: number }
  | { readonly op: 'update-outbox'; readonly id: number; readonly attempts: number; readonly dueAt: number }
  | { readonly op: 'delete-outbox'; readonly id: number }
  /** Per-function counters: `add` sums, `max` keeps the largest. */
  | { readonly op: 'metric'; readonly functionName: string; readonly name: string; readonly value: number; readonly mode: 'add' | 'max' };

/**
 * Prepare the statements once, and return the function that applies one change. The caller wraps
 * a batch in a transaction.
 *
 * @example
 * const apply = opApplier(db);
 * db.transaction((ops) => ops.forEach(apply))(batch);
 */
export function opApplier(db: Database.Database): (op: WriteOp) => void {
  const insertEvent = db.prepare(
    `INSERT INTO events (seq, request_id, function, qualifier, payload, client_context, trace_id, tenant_id, accepted_at, attempts, retries_used, state, due_at, last_error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const inFlight = db.prepare("UPDATE events SET state = 'in-flight', attempts = ? WHERE seq = ?");
  const retrying = db.prepare("UPDATE events SET state = 'retrying', retries_used = ?, due_at = ?, last_error = ? WHERE seq = ?");
  const deleteEvent = db.prepare('DELETE FROM events WHERE seq = ?');
  const insertFailed = db.prepare('INSERT INTO failed (request_id, function, condition, error, attempts, accepted_at, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const trimFailed = db.prepare('DELETE FROM failed WHERE id <= ?');
  const insertOutbox = db.prepare('INSERT INTO outbox (id, function, request_id, target, message, attempts, due_at, first_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)');
  const updateOutbox = db.prepare('UPDATE outbox SET attempts = ?, due_at = ? WHERE id = ?');
  const deleteOutbox = db.prepare('DELETE FROM outbox WHERE id = ?');
  const add = db.prepare('INSERT INTO metrics (function, name, value) VALUES (?, ?, ?) ON CONFLICT (function, name) DO UPDATE SET value = value + excluded.value');
  const max = db.prepare('INSERT INTO metrics (function, name, value) VALUES (?, ?, ?) ON CONFLICT (function, name) DO UPDATE SET value = MAX(value, excluded.value)');
  return (op) => {
    switch (op.op) {
      case 'insert-event':
        insertEvent.run(op.seq, op.requestId, op.functionName, op.qualifier, Buffer.from(op.payload.buffer, op.payload.byteOffset, op.payload.byteLength), op.clientContext, op.traceId, op.tenantId, op.acceptedAt, op.attempts ?? 0, op.retriesUsed ?? 0, op.state ?? 'queued', op.dueAt, op.lastError ?? null);
        return;
      case 'in-flight':
        inFlight.run(op.attempts, op.seq);
        return;
      case 'retrying':
        retrying.run(op.retriesUsed, op.dueAt, op.lastError, op.seq);
        return;
      case 'delete-event':
        deleteEvent.run(op.seq);
        return;
      case 'fail-event': {
        deleteEvent.run(op.seq);
        const id = Number(insertFailed.run(op.requestId, op.functionName, op.condition, op.error, op.attempts, op.acceptedAt, op.failedAt).lastInsertRowid);
        if (id > FAILED_KEPT) trimFailed.run(id - FAILED_KEPT);
        return;
      }
      case 'insert-outbox':
        insertOutbox.run(op.id, op.functionName, op.requestId, op.target, op.message, op.at, op.at);
        return;
      case 'update-outbox':
        updateOutbox.run(op.attempts, op.dueAt, op.id);
        return;
      case 'delete-outbox':
        deleteOutbox.run(op.id);
        return;
      case 'metric':
        (op.mode === 'add' ? add : max).run(op.functionName, op.name, op.value);
        return;
    }
  };
}
