/**
 * The event queue kept in memory: for `lamina rie` (AWS's emulator keeps nothing either, and its
 * images carry no SQLite) and for a Platform built in code without a state directory. It applies
 * the same changes as the SQLite file, at once; nothing survives the process.
 */
import type { QueueStore } from './queue-store.js';
import type { EventRow, OutboxRow } from './store-schema.js';
import type { WriteOp } from './store-ops.js';

type MutableEvent = { -readonly [K in keyof EventRow]: EventRow[K] };

/**
 * @example
 * const queue = new EventQueue({ store: new MemoryStore(), host });
 */
export class MemoryStore implements QueueStore {
  readonly #events = new Map<number, { row: MutableEvent; payload: Buffer }>();
  readonly #outbox = new Map<number, OutboxRow>();
  /** Per-function counters, by `function\0name`. */
  readonly metrics = new Map<string, number>();
  #nextSeq = 1;
  #nextOutboxId = 1;
  #closed = false;

  async insert(row: Omit<EventRow, 'seq'>, payload: Buffer): Promise<number> {
    if (this.#closed) throw new Error('the event queue is closed');
    const seq = this.#nextSeq++;
    this.#events.set(seq, { row: { ...row, seq }, payload });
    return seq;
  }

  async write(op: WriteOp): Promise<void> {
    if (this.#closed) throw new Error('the event queue is closed');
    this.post(op);
  }

  post(op: WriteOp): void {
    if (this.#closed) return;
    const event = 'seq' in op ? this.#events.get(op.seq)?.row : undefined;
    switch (op.op) {
      case 'insert-event': {
        const { op: _kind, seq, payload, ...rest } = op;
        this.#events.set(seq, { row: { seq, attempts: 0, retriesUsed: 0, state: 'queued', lastError: null, ...rest }, payload: Buffer.from(payload) });
        return;
      }
      case 'in-flight':
        if (event !== undefined) Object.assign(event, { state: 'in-flight', attempts: op.attempts });
        return;
      case 'retrying':
        if (event !== undefined) Object.assign(event, { state: 'retrying', retriesUsed: op.retriesUsed, dueAt: op.dueAt, lastError: op.lastError });
        return;
      case 'delete-event':
      case 'fail-event':
        this.#events.delete(op.seq);
        return;
      case 'insert-outbox':
        this.#outbox.set(op.id, { id: op.id, functionName: op.functionName, requestId: op.requestId, target: op.target, message: op.message, attempts: 0, dueAt: op.at, firstAt: op.at });
        return;
      case 'update-outbox': {
        const row = this.#outbox.get(op.id);
        if (row !== undefined) this.#outbox.set(op.id, { ...row, attempts: op.attempts, dueAt: op.dueAt });
        return;
      }
      case 'delete-outbox':
        this.#outbox.delete(op.id);
        return;
      case 'metric':
        (op.mode === 'add' ? this.count : this.maximum).call(this, op.functionName, op.name, op.value);
        return;
    }
  }

  nextOutboxId(): number {
    return this.#nextOutboxId++;
  }

  count(functionName: string, name: string, by = 1): void {
    const key = `${functionName}\0${name}`;
    this.metrics.set(key, (this.metrics.get(key) ?? 0) + by);
  }

  maximum(functionName: string, name: string, value: number): void {
    const key = `${functionName}\0${name}`;
    this.metrics.set(key, Math.max(this.metrics.get(key) ?? Number.NEGATIVE_INFINITY, value));
  }

  payload(seq: number): Buffer | undefined {
    return this.#events.get(seq)?.payload;
  }

  events(): EventRow[] {
    return [...this.#events.values()].map((e) => ({ ...e.row }));
  }

  outbox(): OutboxRow[] {
    return [...this.#outbox.values()];
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
