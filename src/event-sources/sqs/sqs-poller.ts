/**
 * The poller of one SQS event source mapping (docs/event-sources.md): pollers gather batches
 * (batch-gatherer.ts), invoke the function synchronously and delete what succeeded; what failed
 * stays in flight and comes back after the queue's visibility timeout, until the queue's redrive
 * policy moves it to its dead-letter queue.
 *
 * Scaling (standard and FIFO alike): `initial` pollers (Lambda: 5) start; while receives come back
 * full (a backlog) one more poller starts every minute / `perMinute` (Lambda: 60 a minute), up to
 * `ScalingConfig.MaximumConcurrency` or 1,000; a poller beyond the initial ones stops when a long
 * poll finds nothing. FIFO: a received batch is split by message group, each group's records are
 * one invoke, in order; SQS itself hands out no message of a group that has one in flight, so a
 * failed message blocks its group (until it succeeds or reaches the dead-letter queue) and only it.
 */
import type { SqsMapping } from '../mapping-types.js';
import type { InvokePort, InvokeRequest } from '../../platform/invoke-types.js';
import { batchOutcome, type BatchOutcome } from './batch-outcome.js';
import { gatherBatch, releaseMessages } from './batch-gatherer.js';
import type { QueueClient } from './queue-client.js';
import { stepLineage } from '../../async/lineage.js';
import { newTraceId } from '../../platform/ids.js';
import { sqsEventPayload, type SqsRecord } from './sqs-event.js';

export interface SqsPollerOptions {
  readonly mapping: SqsMapping;
  readonly client: QueueClient;
  readonly port: InvokePort;
  /** The mapping's FilterCriteria as a predicate over one event record; default: every record passes. */
  readonly matches?: ((record: unknown) => boolean) | undefined;
  /** Pollers at start (default 5) and pollers added per minute of backlog (default 60; 0: never). */
  readonly scaling?: { readonly initial?: number; readonly perMinute?: number } | undefined;
  /** Multiplies the poller's own delays (scale-up step, back-off after a throttle); default 1. */
  readonly timeScale?: number | undefined;
  /** The function's `RecursiveLoop: Allow`: a chain through its queue is not stopped. */
  readonly allowRecursion?: boolean | undefined;
  /** Where the mapping reports failed batches and receive errors (the caller prefixes the mapping's name); default: nowhere. */
  readonly log?: ((line: string) => void) | undefined;
}

export interface SqsPollerStats {
  invocations: number;
  /** Messages deleted after an invoke. */
  deleted: number;
  /** Messages deleted because no filter matched them. */
  filtered: number;
  /** Invokes whose batch was kept whole (function error, throttle, invalid batchItemFailures). */
  failedBatches: number;
  /** Batches not delivered: the 17th round of the function in one chain (recursive loop). */
  recursionStops: number;
  pollers: number;
  peakPollers: number;
}

/** Lambda's ceiling on an SQS mapping's concurrency without a MaximumConcurrency. */
const DEFAULT_CAP = 1000;
const LAMBDA_INITIAL_POLLERS = 5;
const BACKOFF_MS = 1000;

/**
 * @example
 * const poller = new SqsPoller({ mapping, client: new InProcessQueueClient(sqs.service, mapping.queueName), port: platform });
 * poller.start();
 * await poller.stop();
 */
export class SqsPoller {
  readonly stats: SqsPollerStats = { invocations: 0, deleted: 0, filtered: 0, failedBatches: 0, recursionStops: 0, pollers: 0, peakPollers: 0 };
  readonly #o: SqsPollerOptions;
  readonly #stop = new AbortController();
  readonly #workers = new Set<Promise<void>>();
  readonly #cap: number;
  readonly #initial: number;
  readonly #slots: InvokeSlots;
  #scaleTimer: NodeJS.Timeout | undefined;
  #backlog = false;
  #started = false;

  constructor(options: SqsPollerOptions) {
    this.#o = options;
    this.#cap = options.mapping.maximumConcurrency ?? DEFAULT_CAP;
    this.#initial = Math.max(1, Math.min(this.#cap, options.scaling?.initial ?? LAMBDA_INITIAL_POLLERS));
    this.#slots = new InvokeSlots(this.#cap);
  }

  /** Starts polling; a disabled mapping (`Enabled: false`) never polls. */
  start(): void {
    if (this.#started || !this.#o.mapping.enabled) return;
    this.#started = true;
    for (let i = 0; i < this.#initial; i += 1) this.#spawn();
    const perMinute = this.#o.scaling?.perMinute ?? 60;
    if (perMinute > 0 && this.#cap > this.#initial) {
      this.#scaleTimer = setInterval(() => {
        if (this.#backlog && this.#workers.size < this.#cap) this.#spawn();
        this.#backlog = false;
      }, Math.max(1, (60_000 / perMinute) * this.#scale()));
      this.#scaleTimer.unref();
    }
  }

  /** Aborts the long polls, hands back gathered batches not yet invoked, settles the invokes under way. */
  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#scaleTimer !== undefined) clearInterval(this.#scaleTimer);
    while (this.#workers.size > 0) await Promise.all([...this.#workers]);
  }

  #scale(): number {
    return this.#o.timeScale ?? 1;
  }

  #log(line: string): void {
    this.#o.log?.(line);
  }

  #spawn(): void {
    const worker = this.#poll().catch((err: unknown) => this.#log(`poller stopped on an error: ${String(err)}`)).finally(() => {
      this.#workers.delete(worker);
      this.stats.pollers = this.#workers.size;
    });
    this.#workers.add(worker);
    this.stats.pollers = this.#workers.size;
    this.stats.peakPollers = Math.max(this.stats.peakPollers, this.#workers.size);
  }

  async #poll(): Promise<void> {
    const { mapping, client } = this.#o;
    const abort = this.#stop.signal;
    const settings = {
      client, queueArn: mapping.queueArn, batchSize: mapping.batchSize, windowSeconds: mapping.maximumBatchingWindowSeconds,
      matches: this.#o.matches ?? ((): boolean => true),
      onReceive: (count: number, asked: number): void => { if (count >= asked) this.#backlog = true; },
    };
    while (!abort.aborted) {
      let records: SqsRecord[];
      try {
        const batch = await gatherBatch(settings, abort);
        this.stats.filtered += batch.filtered;
        records = batch.records;
      } catch (err) {
        this.#log(`receive failed: ${err instanceof Error ? err.message : String(err)}`);
        await this.#pause();
        continue;
      }
      if (abort.aborted) { await releaseMessages(client, records.map((r) => r.receiptHandle)); return; }
      if (records.length === 0) {
        if (this.#workers.size > this.#initial) return;
        continue;
      }
      const batches = mapping.fifo ? byGroup(records) : [records];
      const throttled = await Promise.all(batches.map((b) => this.#deliver(b)));
      if (throttled.some((t) => t)) await this.#pause();
    }
  }

  /** Invokes one batch and deletes what succeeded. Answers true when the invoke was refused. */
  async #deliver(records: readonly SqsRecord[]): Promise<boolean> {
    const { mapping, client, port } = this.#o;
    const ids = records.map((r) => r.messageId);
    const release = await this.#slots.acquire();
    let refused = false;
    try {
      let outcome: BatchOutcome;
      // The chain this batch belongs to (its first record's AWSTraceHeader): a function reached for
      // the 17th time through its own queue is not invoked (docs/async-invocation.md). A new chain's
      // header leaves sampling to the function's tracing mode (`Sampled=?`, docs/xray.md).
      const step = stepLineage(records[0]?.attributes['AWSTraceHeader'], functionArnOf(mapping), () => newTraceId(Date.now(), '?'), this.#o.allowRecursion === true);
      if (step.stop) {
        this.stats.recursionStops += 1;
        this.#log(`recursive loop stopped: ${mapping.functionName} was reached ${step.round - 1} times in one chain; ${records.length} message(s) not delivered (they return after the visibility timeout, and go to the queue's dead-letter queue by its redrive policy)`);
        return true;
      }
      try {
        const result = await port.invoke(invokeRequest(mapping, sqsEventPayload(records), step.traceHeader));
        outcome = await batchOutcome(result.result, mapping.reportBatchItemFailures, ids);
      } catch (err) {
        // Throttled, or the function is gone: Lambda keeps the messages and backs off.
        refused = true;
        outcome = { kind: 'failure', reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
      }
      this.stats.invocations += 1;
      const keep = outcome.kind === 'partial' ? outcome.failed : undefined;
      const done = outcome.kind === 'failure' ? [] : records.filter((r) => keep === undefined || !keep.has(r.messageId));
      if (outcome.kind === 'failure') {
        this.stats.failedBatches += 1;
        this.#log(`batch of ${records.length} failed (${outcome.reason}): its messages return after the visibility timeout`);
      }
      if (done.length > 0) {
        await client.deleteBatch(done.map((r) => r.receiptHandle));
        this.stats.deleted += done.length;
      }
    } finally {
      release();
    }
    return refused;
  }

  /** Waits the back-off, or less if the poller stops. */
  async #pause(): Promise<void> {
    const signal = this.#stop.signal;
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, BACKOFF_MS * this.#scale());
      function done(): void { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** A FIFO batch split by message group, each group's records in the order received. */
function byGroup(records: readonly SqsRecord[]): SqsRecord[][] {
  const groups = new Map<string, SqsRecord[]>();
  for (const r of records) {
    const key = r.attributes['MessageGroupId'] ?? '';
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups.values()];
}

function invokeRequest(mapping: SqsMapping, payload: Buffer, traceId: string): InvokeRequest {
  return {
    functionName: mapping.functionName, qualifier: mapping.qualifier, invocationType: 'RequestResponse', payload,
    clientContext: undefined, tailLogs: false, traceId, tenantId: undefined, streaming: false,
  };
}

/** The mapping's function ARN (the queue's region and account, as the template's), for the lineage. */
function functionArnOf(mapping: SqsMapping): string {
  const [, , , region, account] = mapping.queueArn.split(':');
  return `arn:aws:lambda:${region ?? ''}:${account ?? ''}:function:${mapping.functionName}`;
}

/**
 * A counting semaphore for the mapping's concurrent invokes: FIFO pollers invoke one batch per
 * message group at once, and together they stay within the mapping's maximum concurrency.
 */
class InvokeSlots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  /**
   * Waits for a free slot; the answer gives it back.
   *
   * @example
   * const release = await slots.acquire();
   * try { await invoke(); } finally { release(); }
   */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // A waiter takes the slot over directly, so no newcomer can overtake it.
      if (next !== undefined) next();
      else this.#free += 1;
    };
  }

}
