/**
 * The poller of one stream event source mapping (docs/event-sources-kinesis.md): one reader per
 * shard, reading in order from the starting position; its records go to the shard's key lanes
 * (./key-lanes.ts), whose batches are invoked synchronously and run to their end (./batch-runner.ts)
 * before the lane's next batch starts. Records no filter matches are passed over without an invoke.
 * Checkpoints live in memory: a restarted `lamina serve` starts again at the starting position.
 */
import type { InvokePort, InvokeRequest } from '../../platform/invoke-types.js';
import { newTraceId } from '../../platform/ids.js';
import { batchOutcome } from '../sqs/batch-outcome.js';
import { runBatch, type BatchAttempt } from './batch-runner.js';
import type { DiscardCondition } from './failure-record.js';
import { kinesisEventPayload, kinesisEventRecord, standInRoleArn, type KinesisBatchContext } from './kinesis-event.js';
import { KeyLanes } from './key-lanes.js';
import type { StreamMapping, StreamRecord, StreamSource } from './stream-types.js';
import { answeredState, LaneWindows, windowFields, windowStartOf, type OpenWindow } from './tumbling-window.js';

/** A batch's tumbling window: its open state (updated by each successful invoke) and length. */
interface Windowed {
  readonly open: OpenWindow;
  readonly windowMs: number;
}

export interface StreamPollerOptions {
  readonly mapping: StreamMapping;
  readonly source: StreamSource;
  readonly port: InvokePort;
  /** The mapping's FilterCriteria over one event record; default: every record passes. */
  readonly matches?: ((record: unknown) => boolean) | undefined;
  /** Where discarded batches go (the OnFailure destination); resolves once handed over. */
  readonly discard: (discarded: DiscardedBatch) => Promise<void>;
  /** Per-function metrics (the durable queue's store): IteratorAge. */
  readonly metrics?: { count(functionName: string, name: string, by?: number): void; maximum(functionName: string, name: string, value: number): void } | undefined;
  /** Told of each batch's IteratorAge in ms as it is invoked (plain data; `/metrics` listens, docs/metrics.md). */
  readonly measure?: ((functionName: string, name: 'IteratorAge', value: number) => void) | undefined;
  /** Multiplies the poller's own delays (idle polls, back-off); default 1. */
  readonly timeScale?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface DiscardedBatch {
  readonly mapping: StreamMapping;
  readonly shardId: string;
  readonly records: readonly StreamRecord[];
  readonly condition: DiscardCondition;
  readonly invokes: number;
  readonly response?: { readonly statusCode: number; readonly executedVersion: string; readonly functionError?: string | undefined } | undefined;
}

export interface StreamPollerStats {
  shards: number;
  invocations: number;
  processed: number;
  filtered: number;
  discarded: number;
  bisections: number;
  /** The age of the newest record of the latest invoke, in milliseconds (Lambda's IteratorAge). */
  iteratorAgeMs: number;
}

/** Lamina reads an idle shard every quarter second (Lambda: once a second). */
const IDLE_POLL_MS = 250;
const BACKOFF_MS = 1000;
/** Records read ahead per lane before the reader waits. */
const READ_AHEAD_BATCHES = 2;

/**
 * @example
 * const poller = new StreamPoller({ mapping, source: new KinesisSource(client, mapping.streamName), port: platform, discard });
 * poller.start();
 * await poller.stop();
 */
export class StreamPoller {
  readonly stats: StreamPollerStats = { shards: 0, invocations: 0, processed: 0, filtered: 0, discarded: 0, bisections: 0, iteratorAgeMs: 0 };
  readonly #o: StreamPollerOptions;
  readonly #stop = new AbortController();
  readonly #shards = new Set<Promise<void>>();
  #started = false;

  constructor(options: StreamPollerOptions) {
    this.#o = options;
  }

  /** Opens every shard at the starting position (before it answers) and starts reading; a disabled mapping never reads. */
  async start(): Promise<void> {
    if (this.#started || !this.#o.mapping.enabled) return;
    this.#started = true;
    const signal = this.#stop.signal;
    const ids = await this.#o.source.listShards(signal);
    // Every iterator is taken now, so that LATEST means "after what the stream held at start".
    const readers = await Promise.all(ids.map(async (id) => ({ id, reader: await this.#o.source.openShard(id, this.#o.mapping.startingPosition, signal) })));
    this.stats.shards = readers.length;
    for (const { id, reader } of readers) {
      const work = this.#readShard(id, reader).catch((err: unknown) => this.#log(`${id}: reading stopped on an error: ${String(err)}`));
      this.#shards.add(work);
    }
  }

  /** Stops reading; batches in flight finish their current invoke. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all([...this.#shards]);
  }

  #log(line: string): void {
    this.#o.log?.(`[${this.#o.mapping.id}] ${line}`);
  }

  async #readShard(shardId: string, reader: Awaited<ReturnType<StreamSource['openShard']>>): Promise<void> {
    const { mapping } = this.#o;
    const signal = this.#stop.signal;
    const context: KinesisBatchContext = { shardId, streamArn: mapping.streamArn, invokeIdentityArn: standInRoleArn(mapping.streamArn) };
    const windowMs = (mapping.tumblingWindowSeconds ?? 0) * 1000;
    const windowOf = (r: StreamRecord | undefined): number => windowStartOf(r?.arrivalMs ?? 0, windowMs);
    const windows = windowMs > 0
      // A window is over for a lane once the shard was read up to past its end and the lane holds none of its records.
      ? new LaneWindows(windowMs, (_lane, open) => this.#finalInvoke(open, windowMs, context), (lane, start) => readThrough < start + windowMs || lanes.holds(lane, (r) => windowOf(r) === start))
      : undefined;
    const lanes: KeyLanes = new KeyLanes({
      factor: mapping.parallelizationFactor,
      batchSize: mapping.batchSize,
      windowMs: mapping.maximumBatchingWindowSeconds * 1000,
      deliver: (batch, lane) => (windows === undefined
        ? this.#deliver(batch, context)
        : windows.run(lane, windowOf(batch[0]), (open) => this.#deliver(batch, context, { open, windowMs }))),
      sameBatch: windows === undefined ? undefined : (first, other) => windowOf(first) === windowOf(other),
    });
    const readAhead = mapping.batchSize * mapping.parallelizationFactor * READ_AHEAD_BATCHES;
    /** When the last read that reached the shard's newest record began: every record older than this has been read. */
    let readThrough = 0;
    try {
      while (!signal.aborted) {
        if (lanes.buffered >= readAhead) {
          await this.#sleep(IDLE_POLL_MS / 5);
          continue;
        }
        let read;
        const readAt = Date.now();
        const asked = readAhead - lanes.buffered;
        try {
          read = await reader.read(asked, signal);
        } catch (err) {
          if (signal.aborted) break;
          this.#log(`${shardId}: GetRecords failed: ${err instanceof Error ? err.message : String(err)}`);
          await this.#sleep(BACKOFF_MS, true);
          continue;
        }
        if (read.ended) {
          // A closed shard: what its lanes still hold is delivered before the reader ends.
          while (lanes.buffered > 0 && !signal.aborted) await this.#sleep(IDLE_POLL_MS);
          break;
        }
        // Caught up: nothing behind, and not cut short by the limit (kinesalite answers 0 behind even then).
        if (read.millisBehindLatest === 0 && read.records.length < asked) readThrough = readAt;
        const kept = read.records.filter((r) => this.#o.matches === undefined || this.#o.matches(kinesisEventRecord(r, context)));
        this.stats.filtered += read.records.length - kept.length;
        lanes.push(kept);
        if (read.records.length === 0) await this.#sleep(IDLE_POLL_MS);
      }
    } finally {
      await lanes.stop();
      windows?.stop();
    }
  }

  /** One batch of one lane, to its end. */
  async #deliver(records: readonly StreamRecord[], context: KinesisBatchContext, windowed?: Windowed): Promise<void> {
    const { mapping } = this.#o;
    let lastResponse: DiscardedBatch['response'];
    const report = await runBatch(records, {
      bisect: mapping.bisectBatchOnFunctionError,
      maximumRetryAttempts: mapping.maximumRetryAttempts,
      maximumRecordAgeMs: mapping.maximumRecordAgeSeconds < 0 ? -1 : mapping.maximumRecordAgeSeconds * 1000,
    }, {
      invoke: async (batch) => {
        const { attempt, response } = await this.#invoke(batch, context, windowed);
        if (response !== undefined) lastResponse = response;
        return attempt;
      },
      discard: async (discarded, condition, invokes) => {
        this.#log(`${context.shardId}: ${discarded.length} record(s) discarded (${condition}) from ${discarded[0]?.sequenceNumber ?? ''}`);
        await this.#o.discard({ mapping, shardId: context.shardId, records: discarded, condition, invokes, response: invokes > 0 ? lastResponse : undefined });
      },
      pause: (kind, attempts) => this.#sleep(kind === 'refused' ? BACKOFF_MS : Math.min(BACKOFF_MS, 10 * 2 ** Math.min(attempts, 10)), true),
      now: () => Date.now(),
      stopped: () => this.#stop.signal.aborted,
    });
    this.stats.invocations += report.invokes;
    this.stats.processed += report.processed;
    this.stats.discarded += report.discarded;
    this.stats.bisections += report.bisections;
  }

  async #invoke(records: readonly StreamRecord[], context: KinesisBatchContext, windowed?: Windowed): Promise<{ attempt: BatchAttempt; response?: DiscardedBatch['response'] }> {
    const { mapping, port } = this.#o;
    const now = Date.now();
    const age = Math.max(0, now - (records.at(-1)?.arrivalMs ?? now));
    this.stats.iteratorAgeMs = age;
    this.#o.metrics?.maximum(mapping.functionName, 'IteratorAge.max', age);
    this.#o.metrics?.count(mapping.functionName, 'IteratorAge.sum', age);
    this.#o.metrics?.count(mapping.functionName, 'IteratorAge.count');
    this.#o.measure?.(mapping.functionName, 'IteratorAge', age);
    const extra = windowed === undefined ? {} : windowFields(windowed.open.start, windowed.windowMs, windowed.open.state, context, false);
    let outcome;
    try {
      outcome = await port.invoke(this.#request(kinesisEventPayload(records, context, extra), now));
    } catch (err) {
      this.#log(`${context.shardId}: invoke refused (${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}); retrying`);
      return { attempt: { kind: 'refused', reason: String(err) } };
    }
    const response = { statusCode: 200, executedVersion: outcome.executedVersion, functionError: outcome.result.kind === 'function-error' ? 'Unhandled' : undefined };
    const answered = windowed === undefined ? undefined : answeredState(outcome.result);
    const result = await batchOutcome(outcome.result, mapping.reportBatchItemFailures, records.map((r) => r.sequenceNumber));
    // The window's state moves on with a batch that succeeded whole; a state over 1 MB is refused.
    if (windowed !== undefined && answered !== undefined && result.kind === 'success') {
      if (answered.tooLarge) this.#log(`${context.shardId}: the state answered for window ${new Date(windowed.open.start).toISOString()} is over 1 MB; the previous state is kept`);
      else windowed.open.state = answered.state;
    }
    if (result.kind === 'failure') this.#log(`${context.shardId}: batch of ${records.length} from ${records[0]?.sequenceNumber ?? ''} failed (${result.reason})`);
    return { attempt: result, response };
  }

  /** The window's last invoke: no records, `isFinalInvokeForWindow`; a failure is logged, the state dropped either way. */
  async #finalInvoke(open: OpenWindow, windowMs: number, context: KinesisBatchContext): Promise<void> {
    if (this.#stop.signal.aborted) return;
    try {
      const outcome = await this.#o.port.invoke(this.#request(kinesisEventPayload([], context, windowFields(open.start, windowMs, open.state, context, true)), Date.now()));
      if (outcome.result.kind === 'function-error') this.#log(`${context.shardId}: the final invoke of window ${new Date(open.start).toISOString()} failed (${outcome.result.error.errorType})`);
    } catch (err) {
      this.#log(`${context.shardId}: the final invoke of window ${new Date(open.start).toISOString()} was refused: ${String(err)}`);
    }
  }

  #request(payload: Buffer, now: number): InvokeRequest {
    const { mapping } = this.#o;
    return {
      functionName: mapping.functionName, qualifier: mapping.qualifier, invocationType: 'RequestResponse', payload,
      clientContext: undefined, tailLogs: false, traceId: newTraceId(now), tenantId: undefined, streaming: false,
    };
  }

  /** Waits (a back-off scaled by the time scale; idle polls are not), or less if the poller stops. */
  async #sleep(ms: number, scaled = false): Promise<void> {
    const signal = this.#stop.signal;
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, scaled ? ms * (this.#o.timeScale ?? 1) : ms);
      function done(): void { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
