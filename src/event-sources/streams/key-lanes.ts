/**
 * The concurrent batches of one shard (`ParallelizationFactor`, docs/event-sources-kinesis.md):
 * each record goes to the lane of its partition key's hash, so the records of one key stay in
 * order in one lane while up to `factor` lanes each have a batch in flight. A lane gathers a batch
 * of up to `BatchSize` records within Lambda's 6 MB event bound, waiting up to the batching window
 * for more, and hands it to `deliver`; its next batch waits until that one is done.
 */
import { createHash } from 'node:crypto';
import type { StreamRecord } from './stream-types.js';

/** Lambda's bound on a synchronous invoke's payload. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;
/** A record's share of the event beyond its data's base64 (the fields, ARNs and ids). */
const RECORD_OVERHEAD = 600;

/**
 * The lane of a partition key: its MD5 (Kinesis's own hash of a key) modulo the factor.
 *
 * @example laneOf('customer-42', 4) // the same lane every time, 0-3
 */
export function laneOf(partitionKey: string, factor: number): number {
  if (factor <= 1) return 0;
  return createHash('md5').update(partitionKey).digest().readUInt32BE(0) % factor;
}

/** A record's approximate size in the event. */
export function eventBytes(record: StreamRecord): number {
  return Math.ceil(record.data.length / 3) * 4 + record.partitionKey.length + RECORD_OVERHEAD;
}

export interface LaneSettings {
  readonly factor: number;
  readonly batchSize: number;
  readonly windowMs: number;
  readonly deliver: (records: readonly StreamRecord[], lane: number) => Promise<void>;
  /** Whether two records may share a batch (tumbling windows: the same window); default always. */
  readonly sameBatch?: ((first: StreamRecord, other: StreamRecord) => boolean) | undefined;
}

interface Lane {
  readonly index: number;
  readonly queue: StreamRecord[];
  /** When the oldest record of the queue arrived in the lane (starts the batching window). */
  since: number;
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * @example
 * const lanes = new KeyLanes({ factor: 2, batchSize: 100, windowMs: 0, deliver: (batch) => runBatch(batch, ...) });
 * lanes.push(records);
 * await lanes.drained();
 */
export class KeyLanes {
  readonly #lanes: Lane[];
  readonly #s: LaneSettings;
  readonly #running = new Set<Promise<void>>();
  #stopped = false;

  constructor(settings: LaneSettings) {
    this.#s = settings;
    this.#lanes = Array.from({ length: Math.max(1, settings.factor) }, (_, index) => ({ index, queue: [], since: 0, busy: false, timer: undefined }));
  }

  /** Records waiting or in flight, over all lanes (the reader stops reading above a bound). */
  get buffered(): number {
    return this.#lanes.reduce((sum, lane) => sum + lane.queue.length, 0);
  }

  /** Adds records read from the shard, in shard order. */
  push(records: readonly StreamRecord[]): void {
    const now = Date.now();
    for (const record of records) {
      const lane = this.#lanes[laneOf(record.partitionKey, this.#lanes.length)] as Lane;
      if (lane.queue.length === 0) lane.since = now;
      lane.queue.push(record);
    }
    for (const lane of this.#lanes) this.#kick(lane);
  }

  /** Whether lane `index` holds a record (waiting, not yet in a batch) that `test` accepts. */
  holds(index: number, test: (record: StreamRecord) => boolean): boolean {
    return this.#lanes[index]?.queue.some(test) === true;
  }

  /** Resolves when nothing waits and nothing is in flight. */
  async drained(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  /** No new batch starts; the ones in flight finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const lane of this.#lanes) if (lane.timer !== undefined) clearTimeout(lane.timer);
    await this.drained();
  }

  #kick(lane: Lane): void {
    if (lane.busy || this.#stopped || lane.queue.length === 0) return;
    const waitMs = lane.since + this.#s.windowMs - Date.now();
    if (lane.queue.length < this.#s.batchSize && waitMs > 0) {
      lane.timer ??= setTimeout(() => {
        lane.timer = undefined;
        this.#kick(lane);
      }, waitMs);
      return;
    }
    if (lane.timer !== undefined) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
    }
    const batch = take(lane.queue, this.#s.batchSize, this.#s.sameBatch);
    lane.busy = true;
    // `deliver` settles every batch itself; a rejection here must not stop the lane.
    const run = this.#s.deliver(batch, lane.index).catch(() => undefined).finally(() => {
      lane.busy = false;
      lane.since = Date.now();
      this.#running.delete(run);
      this.#kick(lane);
    });
    this.#running.add(run);
  }
}

/** Takes up to `most` records from the front, within the event bound and `sameBatch` (always at least one). */
function take(queue: StreamRecord[], most: number, sameBatch?: (first: StreamRecord, other: StreamRecord) => boolean): StreamRecord[] {
  let bytes = 0;
  let count = 0;
  while (count < queue.length && count < most) {
    const record = queue[count] as StreamRecord;
    const size = eventBytes(record);
    if (count > 0 && (bytes + size > MAX_EVENT_BYTES || (sameBatch !== undefined && !sameBatch(queue[0] as StreamRecord, record)))) break;
    bytes += size;
    count += 1;
  }
  return queue.splice(0, count);
}
