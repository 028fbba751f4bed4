/**
 * Kinesis as `lamina serve` runs it (docs/event-sources-kinesis.md): the embedded Kinesis for the
 * template's streams, one poller per stream mapping reading it (or reading the user's Kinesis for a
 * stream the template does not define: ./external-streams.ts), and the OnFailure deliveries of
 * discarded batches through the asynchronous targets' sender (src/async/targets/).
 */
import { randomUUID } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { QueueDefinition } from '../../async/async-types.js';
import type { TargetSender } from '../../async/async-types.js';
import { checkTargetsReachable, type TargetEndpoints } from '../../async/targets/target-endpoints.js';
import { ConfigError } from '../../errors.js';
import type { InvokePort } from '../../platform/invoke-types.js';
import { startKinesisServer, type KinesisServer } from '../../services/kinesis/kinesis-server.js';
import { compilePatternObject, passesFilters, type PatternMatcher } from '../filter-pattern.js';
import { mappingReader, unreadableMappings, type ExternalKinesis, type MappingReader } from './external-streams.js';
import { streamFailureRecord } from './failure-record.js';
import { kinesisFilterData, type KinesisEventRecord } from './kinesis-event.js';
import { KinesisSource } from './kinesis-source.js';
import { StreamPoller, type DiscardedBatch, type StreamPollerOptions } from './stream-poller.js';
import type { StreamDefinition, StreamMapping } from './stream-types.js';

export interface StreamServeOptions {
  readonly host: string;
  /** `--kinesis-port` (0: any free port). */
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly timeScale: number;
  /** The template's queues and the embedded SQS's endpoint (OnFailure queues it serves). */
  readonly queues: readonly QueueDefinition[];
  readonly sqsEndpoint: string | undefined;
  readonly endpoints: TargetEndpoints;
  readonly sender: TargetSender | undefined;
  readonly metrics?: StreamPollerOptions['metrics'];
  readonly measure?: StreamPollerOptions['measure'];
  readonly log: (line: string) => void;
  /** Where streams the template does not define are read (`--kinesis-endpoint`, `--aws-endpoint`). */
  readonly external?: ExternalKinesis | undefined;
}

export interface StartedStreams {
  readonly kinesis: KinesisServer | undefined;
  readonly pollers: readonly StreamPoller[];
  readonly banner: string[];
  stop(): Promise<void>;
}

/** Times a discarded batch's description is offered to its destination before it is only logged. */
const DELIVERY_TRIES = 3;

/**
 * Starts the embedded Kinesis (when the template has streams) and the mappings' pollers; resolves
 * once every shard iterator is taken (so LATEST means "after what the stream held at start").
 *
 * @throws ConfigError when the port is taken or an OnFailure destination cannot be reached.
 * @example
 * const streams = await startStreams(loaded.streams, loaded.streamMappings, platform, { host, port: 4567, ... });
 * await streams.stop();
 */
export async function startStreams(streams: readonly StreamDefinition[], mappings: readonly StreamMapping[], port: InvokePort, options: StreamServeOptions): Promise<StartedStreams> {
  if (streams.length === 0 && mappings.length === 0) return { kinesis: undefined, pollers: [], banner: [], stop: async () => undefined };
  const unreadable = unreadableMappings(mappings, new Set(streams.map((s) => s.arn)), options.external?.endpoint);
  if (unreadable !== undefined) throw new ConfigError(unreadable);
  const localQueues = new Map(options.sqsEndpoint === undefined ? [] : options.queues.map((q) => [q.arn, options.sqsEndpoint as string]));
  const used = mappings.flatMap((m) => (m.onFailure === undefined ? [] : [{ role: 'OnFailure' as const, target: m.onFailure, functionName: m.functionName }]));
  const problems = checkTargetsReachable(used, options.endpoints, localQueues);
  if (problems.length > 0) throw new ConfigError(`Stream mapping destinations cannot be reached:\n${problems.join('\n')}`);
  let kinesis: KinesisServer | undefined;
  try {
    if (streams.length > 0) kinesis = await startKinesisServer({ host: options.host, port: options.port, region: options.region, accountId: options.accountId, streams });
  } catch (error) {
    throw new ConfigError(`The embedded Kinesis cannot start on ${options.host}:${options.port}: ${(error as Error).message} (choose another --kinesis-port)`);
  }
  let started: StartedMappings;
  try {
    started = await startReaders(mappings, streams, kinesis, port, options);
  } catch (error) {
    await kinesis?.close();
    throw error;
  }
  const { pollers, where } = started;
  const banner = [
    kinesis === undefined ? 'Kinesis:' : `Kinesis (embedded, aws kinesis --endpoint-url ${kinesis.endpoint}):`,
    ...streams.map((s) => `  ${s.name}: ${s.shardCount} shard(s), ${s.arn}`),
    ...mappings.map((m, i) => `  ${m.streamName}${where[i] === 'embedded' ? '' : ` (at ${where[i] ?? ''})`} -> ${m.functionName}${m.qualifier === undefined ? '' : `:${m.qualifier}`} (${m.startingPosition.kind}, batch ${m.batchSize}${m.parallelizationFactor > 1 ? `, ${m.parallelizationFactor} per shard` : ''}${(m.tumblingWindowSeconds ?? 0) > 0 ? `, ${m.tumblingWindowSeconds ?? 0} s tumbling windows` : ''}${m.filters.length > 0 ? `, ${m.filters.length} filter(s)` : ''}${m.enabled ? '' : ', disabled'})`),
  ];
  let stopping: Promise<void> | undefined;
  return {
    kinesis,
    pollers,
    banner,
    stop: () => {
      stopping ??= (async () => {
        await Promise.all(pollers.map((p) => p.stop()));
        started.close();
        await kinesis?.close();
      })();
      return stopping;
    },
  };
}

interface StartedMappings {
  readonly pollers: StreamPoller[];
  /** Per mapping, where it reads: `embedded` or the endpoint. */
  readonly where: string[];
  /** Lets go of the clients of external endpoints (after the pollers stopped). */
  close(): void;
}

/** Each mapping's poller on the Kinesis that serves its stream, started (every shard listed with ListShards and its iterator taken). */
async function startReaders(mappings: readonly StreamMapping[], streams: readonly StreamDefinition[], kinesis: KinesisServer | undefined, port: InvokePort, options: StreamServeOptions): Promise<StartedMappings> {
  const defined = new Set(streams.map((s) => s.arn));
  const embedded = kinesis?.client();
  const readers: MappingReader[] = mappings.map((m) => mappingReader(m, defined, embedded, options.external ?? { endpoint: undefined }));
  const close = (): void => readers.forEach((r) => r.close());
  try {
    const pollers = await startPollers(mappings.map((mapping, i) => ({ mapping, client: (readers[i] as MappingReader).client, where: readers[i]?.where })), port, options);
    return { pollers, where: readers.map((r) => r.where), close };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * The pollers of `mappings` on a running embedded Kinesis, started (every shard iterator taken).
 *
 * @example const pollers = await startMappings(loaded.streamMappings, kinesis, platform, options);
 */
export function startMappings(mappings: readonly StreamMapping[], kinesis: KinesisServer, port: InvokePort, options: StreamServeOptions): Promise<StreamPoller[]> {
  const client = kinesis.client();
  return startPollers(mappings.map((mapping) => ({ mapping, client })), port, options);
}

async function startPollers(reads: ReadonlyArray<{ readonly mapping: StreamMapping; readonly client: KinesisClient; readonly where?: string | undefined }>, port: InvokePort, options: StreamServeOptions): Promise<StreamPoller[]> {
  const pollers = reads.map(({ mapping, client }) => new StreamPoller({
    mapping,
    source: new KinesisSource(client, mapping.streamName),
    port,
    matches: recordFilter(mapping),
    discard: (batch) => deliverDiscarded(batch, options),
    metrics: options.metrics,
    measure: options.measure,
    timeScale: options.timeScale,
    log: (line) => options.log(`[${mapping.functionName}] Lamina: Kinesis mapping ${line}`),
  }));
  try {
    await Promise.all(pollers.map((p, i) => p.start().catch((error: unknown) => {
      // A stream that is not there (yet), an endpoint that does not answer: said at start, naming both.
      const read = reads[i];
      if (read?.where === undefined || read.where === 'embedded') throw error;
      throw new ConfigError(`Kinesis mapping ${read.mapping.id} cannot list the shards of ${read.mapping.streamArn} at ${read.where}: ${error instanceof Error ? error.message : String(error)}`);
    })));
  } catch (error) {
    await Promise.all(pollers.map((p) => p.stop()));
    throw error;
  }
  return pollers;
}

/** The mapping's filters over a Kinesis event record (`data` decoded as JSON). */
function recordFilter(mapping: StreamMapping): ((record: unknown) => boolean) | undefined {
  if (mapping.filters.length === 0) return undefined;
  const matchers: PatternMatcher[] = [];
  for (const pattern of mapping.filters) {
    const compiled = compilePatternObject(pattern);
    // The template loader checked every pattern; one that does not compile here is a bug.
    if (!compiled.ok) throw new ConfigError(`Event source mapping ${mapping.id}: filter ${JSON.stringify(pattern)} ${compiled.problem}`);
    matchers.push(compiled.matcher);
  }
  return (record) => passesFilters(matchers, kinesisFilterData(record as KinesisEventRecord));
}

/** Describes a discarded batch to the mapping's OnFailure destination (logged when there is none, or it stays unreachable). */
async function deliverDiscarded(batch: DiscardedBatch, options: StreamServeOptions): Promise<void> {
  const { mapping } = batch;
  const target = mapping.onFailure;
  if (target === undefined || options.sender === undefined) return;
  const [, , , region, account] = mapping.streamArn.split(':');
  const functionArn = `arn:aws:lambda:${region ?? ''}:${account ?? ''}:function:${mapping.functionName}${mapping.qualifier === undefined ? '' : `:${mapping.qualifier}`}`;
  const body = streamFailureRecord({
    requestId: randomUUID(), functionArn, condition: batch.condition, approximateInvokeCount: batch.invokes, response: batch.response,
    shardId: batch.shardId, streamArn: mapping.streamArn, records: batch.records, timestamp: new Date(),
  });
  for (let attempt = 1; attempt <= DELIVERY_TRIES; attempt += 1) {
    try {
      await options.sender.send(target, { kind: 'record', body, condition: batch.condition === 'RecordAgeExceeded' ? 'EventAgeExceeded' : 'RetriesExhausted', functionArn });
      return;
    } catch (error) {
      if (attempt === DELIVERY_TRIES) options.log(`[${mapping.functionName}] Lamina: Kinesis mapping [${mapping.id}] OnFailure delivery to ${target.arn} failed: ${(error as Error).message}; the record was: ${body}`);
    }
  }
}
