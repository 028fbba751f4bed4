/**
 * What the event queue needs from where it keeps its events (docs/async-invocation.md): the
 * durable SQLite file of `lamina serve` (./event-store.ts) or, where nothing must outlive the
 * process (`lamina rie`, a Platform built in code without a state directory), memory
 * (./memory-store.ts). Both keep the same rules; only the durability differs.
 */
import type { EventRow, OutboxRow } from './store-schema.js';
import type { WriteOp } from './store-ops.js';

export interface QueueStore {
  /** Insert one event (its `seq` chosen by the store); resolves with the seq once it is kept. */
  insert(row: Omit<EventRow, 'seq'>, payload: Buffer): Promise<number>;
  /** Apply a change; resolves once it is kept. */
  write(op: WriteOp): Promise<void>;
  /** Apply a change without waiting for it. */
  post(op: WriteOp): void;
  /** The `id` the next outbox row gets. */
  nextOutboxId(): number;
  /** Add to a per-function counter. */
  count(functionName: string, name: string, by?: number): void;
  /** Raise a per-function maximum. */
  maximum(functionName: string, name: string, value: number): void;
  payload(seq: number): Buffer | undefined;
  /** Every event still to deliver, oldest first. */
  events(): EventRow[];
  /** Every destination delivery still to make. */
  outbox(): OutboxRow[];
  /** Keep what is pending, then release the store. */
  close(): Promise<void>;
}
