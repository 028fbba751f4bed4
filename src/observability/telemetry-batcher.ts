/**
 * Buffering of Telemetry API events for one subscriber (docs/telemetry.md): a batch is sent when
 * it holds `maxItems` events, when one more event would take it past `maxBytes`, or `timeoutMs`
 * after its first event, whichever comes first. Batches are sent one at a time, in order.
 */
import type { Buffering } from '../runtime-api/telemetry-subscription.js';

/** One event as a subscriber receives it. */
export interface TelemetryEvent {
  readonly time: string;
  readonly type: string;
  readonly record: unknown;
}

/**
 * Batches waiting behind a slow subscriber; past this, new batches are dropped (Lambda drops too),
 * so a subscriber that never answers costs the platform a bounded amount of memory.
 */
export const MAX_PENDING_BATCHES = 8;

/** Lambda's words for records a subscriber lost by falling behind (`platform.logsDropped`). */
export const LOGS_DROPPED_REASON = 'Consumer seems to have fallen behind as it has not acknowledged receipt of logs.';

/** Sends one batch; a rejection drops the batch (the subscriber is not retried). */
export type BatchSender = ((batch: readonly TelemetryEvent[]) => Promise<void>) & {
  /** Let go of what the sender holds (a TCP connection) once the last batch is sent. */
  close?: () => void;
};

/**
 * @example
 * const batcher = new TelemetryBatcher({ maxItems: 1000, maxBytes: 262144, timeoutMs: 1000 }, send);
 * batcher.push({ time: new Date().toISOString(), type: 'function', record: 'hello' });
 */
export class TelemetryBatcher {
  readonly #buffering: Buffering;
  readonly #send: BatchSender;
  #items: TelemetryEvent[] = [];
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The batches sent so far, chained so that they arrive in order. */
  #sending: Promise<void> = Promise.resolve();
  #pending = 0;
  /** Events dropped because the subscriber fell behind or lost a batch, in all. */
  dropped = 0;
  /** Dropped since the last `platform.logsDropped` went out: told with the next batch sent. */
  #untold = { records: 0, bytes: 0 };

  constructor(buffering: Buffering, send: BatchSender) {
    this.#buffering = buffering;
    this.#send = send;
  }

  push(event: TelemetryEvent): void {
    const size = Buffer.byteLength(JSON.stringify(event));
    if (this.#items.length > 0 && this.#bytes + size > this.#buffering.maxBytes) this.flush();
    this.#items.push(event);
    this.#bytes += size;
    if (this.#items.length >= this.#buffering.maxItems || this.#bytes >= this.#buffering.maxBytes) {
      this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.#buffering.timeoutMs);
      this.#timer.unref();
    }
  }

  /** Send what is buffered, then let the sender go: the environment is gone. */
  async close(): Promise<void> {
    await this.flush();
    this.#send.close?.();
  }

  /** Send what is buffered now; resolves once every batch so far has been sent (or dropped). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#items.length > 0) {
      const batch = this.#items;
      const bytes = this.#bytes;
      this.#items = [];
      this.#bytes = 0;
      if (this.#pending >= MAX_PENDING_BATCHES) {
        this.#lost(batch.length, bytes);
        return this.#sending;
      }
      this.#pending += 1;
      this.#sending = this.#sending
        .then(() => this.#sendTelling(batch, bytes))
        .finally(() => {
          this.#pending -= 1;
        });
    }
    return this.#sending;
  }

  #lost(records: number, bytes: number): void {
    this.dropped += records;
    this.#untold.records += records;
    this.#untold.bytes += bytes;
  }

  /**
   * The batch, led by a `platform.logsDropped` for what was lost since the last one (Lambda tells a
   * subscriber that fell behind once it takes batches again). Counted at send time, so a lost
   * batch is told in the very next one that goes out.
   */
  async #sendTelling(batch: readonly TelemetryEvent[], bytes: number): Promise<void> {
    const untold = this.#untold;
    this.#untold = { records: 0, bytes: 0 };
    const record = { reason: LOGS_DROPPED_REASON, droppedRecords: untold.records, droppedBytes: untold.bytes };
    const told = untold.records === 0 ? batch : [{ time: new Date().toISOString(), type: 'platform.logsDropped', record }, ...batch];
    try {
      await this.#send(told);
    } catch {
      // Lost too, and the loss it told of is still untold.
      this.#untold.records += untold.records;
      this.#untold.bytes += untold.bytes;
      this.#lost(batch.length, bytes);
    }
  }
}
