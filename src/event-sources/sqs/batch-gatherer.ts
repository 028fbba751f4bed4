/**
 * Gathers one batch for an SQS mapping (docs/event-sources.md): long-polls until a first message
 * comes, then keeps receiving until the batch holds `BatchSize` records, the batching window has
 * passed or the next record would take the event over Lambda's 6 MB payload bound. Records the
 * mapping's filter refuses are deleted on the spot and do not count, as Lambda does.
 */
import type { QueueClient, QueueMessage } from './queue-client.js';
import { recordSize, sqsEventPayload, sqsRecord, type SqsRecord } from './sqs-event.js';

/** Lambda's bound on a synchronous invoke's payload. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;
/** SQS's longest long poll, and most messages per receive. */
const LONGEST_POLL_SECONDS = 20;
const MOST_PER_RECEIVE = 10;
/** `{"Records":[]}` */
const EVENT_OVERHEAD = sqsEventPayload([]).length;

export interface GatherSettings {
  readonly client: QueueClient;
  readonly queueArn: string;
  readonly batchSize: number;
  readonly windowSeconds: number;
  readonly matches: (record: unknown) => boolean;
  /** Called with the number of records a receive brought (a full receive means a backlog). */
  readonly onReceive?: ((count: number, asked: number) => void) | undefined;
}

export interface GatheredBatch {
  readonly records: SqsRecord[];
  /** Messages that matched no filter and were deleted without an invoke. */
  readonly filtered: number;
}

/**
 * Receives one batch; answers early (maybe empty) when `abort` fires, with the records it holds.
 *
 * @example
 * const { records } = await gatherBatch({ client, queueArn, batchSize: 10, windowSeconds: 0, matches: () => true }, stop.signal);
 */
export async function gatherBatch(settings: GatherSettings, abort: AbortSignal): Promise<GatheredBatch> {
  const { client, batchSize } = settings;
  const records: SqsRecord[] = [];
  let bytes = EVENT_OVERHEAD;
  let filtered = 0;
  let deadline = Number.POSITIVE_INFINITY;
  while (records.length < batchSize && !abort.aborted) {
    const remainingMs = deadline - Date.now();
    if (records.length > 0 && remainingMs <= 0) break;
    const asked = Math.min(MOST_PER_RECEIVE, batchSize - records.length);
    // Before the first record, wait as long as SQS allows; within the window, only until it closes
    // (the abort cuts the poll at the window's end: WaitTimeSeconds is whole seconds).
    const wait = records.length === 0 ? LONGEST_POLL_SECONDS : Math.min(LONGEST_POLL_SECONDS, Math.ceil(remainingMs / 1000));
    const signal = records.length === 0 ? abort : AbortSignal.any([abort, AbortSignal.timeout(Math.max(1, remainingMs))]);
    const messages = await settings.client.receive(asked, wait, signal);
    settings.onReceive?.(messages.length, asked);
    // An empty long poll ends the attempt: the poller decides whether to poll again.
    if (messages.length === 0 && records.length === 0) break;
    const dropped: string[] = [];
    const released: QueueMessage[] = [];
    for (const m of messages) {
      const record = sqsRecord(m, settings.queueArn);
      if (!settings.matches(record)) { dropped.push(m.ReceiptHandle); continue; }
      const size = recordSize(record);
      if (records.length > 0 && bytes + size > MAX_EVENT_BYTES) { released.push(m); continue; }
      records.push(record);
      bytes += size;
    }
    filtered += dropped.length;
    if (dropped.length > 0) await settings.client.deleteBatch(dropped);
    // The window starts with the first record the batch holds.
    if (records.length > 0 && deadline === Number.POSITIVE_INFINITY) deadline = Date.now() + settings.windowSeconds * 1000;
    if (released.length > 0) {
      // Over the payload bound: hand these back to the queue at once (they count one more receive).
      await releaseMessages(settings.client, released.map((m) => m.ReceiptHandle));
      break;
    }
    if (settings.windowSeconds === 0 && records.length > 0) break;
  }
  return { records, filtered };
}

/**
 * Hands in-flight messages back to the queue now (visibility 0): for a batch the mapping will not
 * invoke, when it stops or when a record would not fit the event.
 *
 * @example
 * await releaseMessages(client, records.map((r) => r.receiptHandle));
 */
export async function releaseMessages(client: QueueClient, handles: readonly string[]): Promise<void> {
  for (const handle of handles) {
    // A handle already stale (the message came back and went out again) needs no release.
    await client.changeVisibility(handle, 0).catch(() => undefined);
  }
}
