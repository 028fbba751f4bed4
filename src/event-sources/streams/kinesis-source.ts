/**
 * A Kinesis stream as a `StreamSource` (docs/event-sources-kinesis.md), read through
 * `@aws-sdk/client-kinesis`: ListShards, then one shard iterator per shard, moved forward with
 * GetRecords. The same code reads the embedded Kinesis or any endpoint the client points at.
 */
import { ExpiredIteratorException, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type ShardIteratorType } from '@aws-sdk/client-kinesis';
import type { ShardRead, ShardReader, StartingPosition, StreamRecord, StreamSource } from './stream-types.js';

/** Kinesis's most records per GetRecords. */
const MOST_PER_READ = 10_000;

/**
 * @example
 * const source = new KinesisSource(kinesis.client(), 'orders');
 * const reader = await source.openShard('shardId-000000000000', { kind: 'TRIM_HORIZON' }, signal);
 * const { records } = await reader.read(100, signal);
 */
export class KinesisSource implements StreamSource {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  async listShards(signal: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListShardsCommand(token === undefined ? { StreamName: this.streamName } : { NextToken: token }), { abortSignal: signal });
      for (const shard of page.Shards ?? []) if (shard.ShardId !== undefined) ids.push(shard.ShardId);
      token = page.NextToken;
    } while (token !== undefined);
    return ids;
  }

  /**
   * AT_TIMESTAMP is read from TRIM_HORIZON, passing over the records that arrived before the
   * timestamp: kinesalite never answers a GetShardIterator AT_TIMESTAMP on a shard with no record
   * at or after the timestamp (docs/event-sources-kinesis.md).
   */
  async openShard(shardId: string, position: StartingPosition, signal: AbortSignal): Promise<ShardReader> {
    const type = position.kind === 'AT_TIMESTAMP' ? 'TRIM_HORIZON' : position.kind;
    const first = await this.#iterator(shardId, type, {}, signal);
    const reopen = (after: string | undefined, s: AbortSignal): Promise<string> => (after === undefined
      ? this.#iterator(shardId, type, {}, s)
      : this.#iterator(shardId, 'AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: after }, s));
    return new KinesisShardReader(first, reopen, this.client, position.kind === 'AT_TIMESTAMP' ? position.timestampMs : undefined);
  }

  async #iterator(shardId: string, type: ShardIteratorType, extra: { Timestamp?: Date; StartingSequenceNumber?: string }, signal: AbortSignal): Promise<string> {
    const answer = await this.client.send(new GetShardIteratorCommand({ StreamName: this.streamName, ShardId: shardId, ShardIteratorType: type, ...extra }), { abortSignal: signal });
    if (answer.ShardIterator === undefined) throw new Error(`GetShardIterator for ${this.streamName}/${shardId} answered without an iterator`);
    return answer.ShardIterator;
  }
}

/** One shard's iterator; an iterator that expired (5 minutes unused) is taken again after the last record read. */
class KinesisShardReader implements ShardReader {
  #iterator: string | undefined;
  #lastSequence: string | undefined;

  constructor(
    first: string,
    private readonly reopen: (after: string | undefined, signal: AbortSignal) => Promise<string>,
    private readonly client: KinesisClient,
    /** AT_TIMESTAMP: records that arrived before this are passed over, until the first one at or after it. */
    private notBeforeMs: number | undefined,
  ) {
    this.#iterator = first;
  }

  async read(limit: number, signal: AbortSignal): Promise<ShardRead> {
    if (this.#iterator === undefined) return { records: [], millisBehindLatest: 0, ended: true };
    let answer;
    try {
      answer = await this.client.send(new GetRecordsCommand({ ShardIterator: this.#iterator, Limit: Math.min(MOST_PER_READ, Math.max(1, limit)) }), { abortSignal: signal });
    } catch (error) {
      if (!(error instanceof ExpiredIteratorException)) throw error;
      this.#iterator = await this.reopen(this.#lastSequence, signal);
      return { records: [], millisBehindLatest: 0, ended: false };
    }
    const records: StreamRecord[] = [];
    for (const r of answer.Records ?? []) {
      if (r.SequenceNumber === undefined) continue;
      this.#lastSequence = r.SequenceNumber;
      if (this.notBeforeMs !== undefined && (r.ApproximateArrivalTimestamp?.getTime() ?? 0) < this.notBeforeMs) continue;
      this.notBeforeMs = undefined;
      records.push({ sequenceNumber: r.SequenceNumber, partitionKey: r.PartitionKey ?? '', data: Buffer.from(r.Data ?? new Uint8Array()), arrivalMs: r.ApproximateArrivalTimestamp?.getTime() ?? Date.now() });
    }
    this.#iterator = answer.NextShardIterator ?? undefined;
    return { records, millisBehindLatest: answer.MillisBehindLatest ?? 0, ended: this.#iterator === undefined && (answer.Records ?? []).length === 0 };
  }
}
