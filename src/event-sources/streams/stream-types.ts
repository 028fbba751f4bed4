/**
 * Stream event source mappings (docs/event-sources-kinesis.md): what the template loader produces
 * (src/config/stream-mappings.ts) and the engine of this directory consumes, and the interface a
 * stream's records are read through. Kinesis is the one source built; DynamoDB Streams would plug
 * in as another `StreamSource` (no emulator of it is available to Lamina yet).
 */
import type { AsyncTarget } from '../../async/async-types.js';
import type { FilterPattern } from '../mapping-types.js';

/** A stream the template defines (`AWS::Kinesis::Stream`), served by the embedded Kinesis. */
export interface StreamDefinition {
  readonly logicalId: string;
  readonly name: string;
  /** `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`. */
  readonly arn: string;
  readonly shardCount: number;
}

/** Where a mapping starts reading a shard when it starts. */
export type StartingPosition =
  | { readonly kind: 'TRIM_HORIZON' }
  | { readonly kind: 'LATEST' }
  /** `StartingPositionTimestamp`, in milliseconds since the epoch. */
  | { readonly kind: 'AT_TIMESTAMP'; readonly timestampMs: number };

/** A `Kinesis` event of a SAM function, or an `AWS::Lambda::EventSourceMapping` of a stream. */
export interface StreamMapping {
  /** Logical id (`<Function><EventName>` for SAM events, the resource id otherwise). */
  readonly id: string;
  readonly functionName: string;
  readonly qualifier?: string | undefined;
  /** `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`. */
  readonly streamArn: string;
  readonly streamName: string;
  readonly startingPosition: StartingPosition;
  /** 1-10,000; default 100. */
  readonly batchSize: number;
  /** 0-300 s; default 0. */
  readonly maximumBatchingWindowSeconds: number;
  /** 1-10 concurrent batches per shard, each holding its own partition keys; default 1. */
  readonly parallelizationFactor: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** -1 (retry until the record expires) or 0-10,000; default -1. */
  readonly maximumRetryAttempts: number;
  /** -1 (no limit) or 60-604,800 s; default -1. */
  readonly maximumRecordAgeSeconds: number;
  /** `DestinationConfig.OnFailure.Destination`: where discarded batches are described. */
  readonly onFailure?: (AsyncTarget & { readonly kind: 'sqs' | 'sns' }) | undefined;
  readonly reportBatchItemFailures: boolean;
  /** 0 (none) or 1-900 s: `TumblingWindowInSeconds`. */
  readonly tumblingWindowSeconds?: number | undefined;
  readonly filters: readonly FilterPattern[];
  readonly enabled: boolean;
}

/** One record of a shard, as the engine handles it (the source's own shape stays in the source). */
export interface StreamRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Buffer;
  /** When the stream took the record, in milliseconds since the epoch. */
  readonly arrivalMs: number;
}

/** What one read of a shard gave. */
export interface ShardRead {
  readonly records: readonly StreamRecord[];
  /** How far the read is behind the shard's newest record, in milliseconds (Kinesis's MillisBehindLatest). */
  readonly millisBehindLatest: number;
  /** The shard was closed (split or merged) and every record of it has been read. */
  readonly ended: boolean;
}

/** Reads one shard forward, in order, from where it was opened. */
export interface ShardReader {
  read(limit: number, signal: AbortSignal): Promise<ShardRead>;
}

/** A stream as the engine sees it: its shards, each opened once at the mapping's starting position. */
export interface StreamSource {
  listShards(signal: AbortSignal): Promise<string[]>;
  openShard(shardId: string, position: StartingPosition, signal: AbortSignal): Promise<ShardReader>;
}
