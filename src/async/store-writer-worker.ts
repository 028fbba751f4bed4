/**
 * The event queue's writer thread (docs/async-invocation.md): it owns the file's only write
 * connection and applies each batch of changes the serving thread sends in one transaction, so the
 * fsync of `synchronous=FULL` never stops the serving thread's event loop. A batch that fails as a
 * whole (a change refused by a constraint) is applied change by change, so one bad change fails
 * alone; the answer lists the changes that failed.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { opApplier, type WriteOp } from './store-ops.js';

/** What the serving thread sends. */
export type WriterRequest = { readonly batch: number; readonly ops: readonly WriteOp[] } | { readonly close: true };
/** What the writer answers for each batch: the indexes of the changes that failed, with why. */
export interface WriterReply {
  readonly batch: number;
  /** SQLite's `synchronous` of the write connection as the writer reads it back (2 FULL, 1 NORMAL). */
  readonly synchronous: number;
  readonly failed: ReadonlyArray<{ readonly index: number; readonly message: string }>;
}

const port = parentPort;
if (port !== null) {
  const { path, sync } = workerData as { path: string; sync: 'full' | 'normal' };
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  const synchronous = Number(db.pragma('synchronous', { simple: true }));
  const apply = opApplier(db);
  const commit = db.transaction((ops: readonly WriteOp[]) => {
    for (const op of ops) apply(op);
  });
  const one = db.transaction((op: WriteOp) => apply(op));
  port.on('message', (message: WriterRequest) => {
    if ('close' in message) {
      db.close();
      port.close();
      return;
    }
    const failed: Array<{ index: number; message: string }> = [];
    try {
      commit(message.ops);
    } catch {
      message.ops.forEach((op, index) => {
        try {
          one(op);
        } catch (error) {
          failed.push({ index, message: (error as Error).message });
        }
      });
    }
    port.postMessage({ batch: message.batch, synchronous, failed } satisfies WriterReply);
  });
}
