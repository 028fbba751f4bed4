/**
 * A real Platform, the embedded Kinesis (and SQS, for OnFailure queues) on 127.0.0.1 and the stream
 * mappings between them, started the way `lamina serve` starts them (startStreams); the functions'
 * log lines are kept to read what they received, in order.
 */
import { PutRecordsCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { QueueDefinition } from '../../../src/async/async-types.js';
import { createTargetSender } from '../../../src/async/targets/target-sender.js';
import type { FunctionConfig } from '../../../src/config/function-config.js';
import { startMappings, startStreams, type StartedStreams, type StreamServeOptions } from '../../../src/event-sources/streams/serve-streams.js';
import type { StreamDefinition, StreamMapping } from '../../../src/event-sources/streams/stream-types.js';
import type { StreamPoller } from '../../../src/event-sources/streams/stream-poller.js';
import { Platform } from '../../../src/platform/platform.js';
import type { TargetSender } from '../../../src/async/async-types.js';
import { startTestSqs, type TestSqs } from '../../services/sqs/sqs-test-server.js';

export interface KinesisDelivery { requestId: string; shardId: string; key: string; seq: string; data: string }

export const ACCOUNT = '123456789012';
export const streamDefinition = (name: string, shardCount = 1): StreamDefinition => ({ logicalId: name, name, shardCount, arn: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}` });

/** A mapping of `stream` onto `functionName` with Lambda's defaults (TRIM_HORIZON here). */
export function streamMapping(stream: StreamDefinition, functionName: string, extra: Partial<StreamMapping> = {}): StreamMapping {
  return {
    id: `${functionName}${stream.logicalId}`, functionName, streamArn: stream.arn, streamName: stream.name, startingPosition: { kind: 'TRIM_HORIZON' },
    batchSize: 100, maximumBatchingWindowSeconds: 0, parallelizationFactor: 1, bisectBatchOnFunctionError: false, maximumRetryAttempts: -1,
    maximumRecordAgeSeconds: -1, reportBatchItemFailures: false, filters: [], enabled: true, ...extra,
  };
}

export class KinesisHarness {
  readonly output: string[] = [];
  readonly platform: Platform;
  streams: StartedStreams | undefined;
  readonly added: StreamPoller[] = [];
  /** What the pollers measured (`measure`, for /metrics): function, name, value. */
  readonly measured: Array<[string, string, number]> = [];
  #options: StreamServeOptions | undefined;
  #client: KinesisClient | undefined;
  #sender: TargetSender | undefined;

  private constructor(readonly sqs: TestSqs | undefined, functions: FunctionConfig[]) {
    this.platform = new Platform({ functions, logOutput: (text) => this.output.push(text) });
  }

  static async start(functions: FunctionConfig[], queues: QueueDefinition[] = []): Promise<KinesisHarness> {
    return new KinesisHarness(queues.length === 0 ? undefined : await startTestSqs(queues), functions);
  }

  /** Starts the embedded Kinesis with `streams` and the mappings (resolves once every iterator is taken). */
  async serve(streams: StreamDefinition[], mappings: StreamMapping[]): Promise<StartedStreams> {
    const queues = [...(this.sqs === undefined ? [] : this.sqs.server.service.queueNames())];
    const sqsEndpoint = this.sqs?.server.endpoint;
    const localQueues = new Map(queues.map((name) => [`arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`, sqsEndpoint ?? '']));
    this.#sender = createTargetSender({ endpoints: {}, localQueues });
    this.#options = {
      host: '127.0.0.1', port: 0, region: 'us-east-1', accountId: ACCOUNT, timeScale: 0.01, queues: [], sqsEndpoint: undefined,
      endpoints: { sqs: sqsEndpoint }, sender: this.#sender, log: (line) => this.output.push(`${line}\n`),
      measure: (functionName, name, value) => this.measured.push([functionName, name, value]),
    };
    this.streams = await startStreams(streams, mappings, this.platform, this.#options);
    return this.streams;
  }

  /** Starts more mappings on the running server (records put before now are already in the stream). */
  async addMappings(mappings: StreamMapping[]): Promise<void> {
    const kinesis = this.streams?.kinesis;
    if (kinesis === undefined || this.#options === undefined) throw new Error('serve() first');
    this.added.push(...await startMappings(mappings, kinesis, this.platform, this.#options));
  }

  /** A client of the embedded Kinesis (the SDK's defaults: HTTP/2). */
  client(): KinesisClient {
    const endpoint = this.streams?.kinesis?.endpoint;
    if (endpoint === undefined) throw new Error('serve() first');
    this.#client ??= new KinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLAMINATEST', secretAccessKey: 'secret' } });
    return this.#client;
  }

  /** PutRecords, 100 at a time, in order; answers the sequence numbers. */
  async put(stream: string, records: ReadonlyArray<{ key: string; data: string }>): Promise<string[]> {
    const seqs: string[] = [];
    for (let i = 0; i < records.length; i += 100) {
      const out = await this.client().send(new PutRecordsCommand({ StreamName: stream, Records: records.slice(i, i + 100).map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.data) })) }));
      if ((out.FailedRecordCount ?? 0) > 0) throw new Error(`put failed: ${JSON.stringify(out.Records)}`);
      seqs.push(...(out.Records ?? []).map((r) => r.SequenceNumber ?? ''));
    }
    return seqs;
  }

  /** What `fn` received, one entry per record, in the order printed. */
  deliveries(fn: string): KinesisDelivery[] {
    const out: KinesisDelivery[] = [];
    for (const line of this.output.join('').split('\n')) {
      const m = new RegExp(`^\\[${fn}\\] KREC (\\S+) (\\S+) (\\S+) (\\S+) (.*)$`).exec(line);
      if (m !== null) out.push({ requestId: m[1] as string, shardId: m[2] as string, key: m[3] as string, seq: m[4] as string, data: m[5] as string });
    }
    return out;
  }

  /** The record lists of each invoke of `fn` (their data), in order. */
  batches(fn: string): string[][] {
    const byId = new Map<string, string[]>();
    for (const d of this.deliveries(fn)) byId.set(d.requestId, [...(byId.get(d.requestId) ?? []), d.data]);
    return [...byId.values()];
  }

  /** Each invoke's start and end (ms), from the function's SPAN lines. */
  spans(fn: string): Array<{ start: number; end: number }> {
    return [...this.output.join('').matchAll(new RegExp(`\\[${fn}\\] SPAN \\S+ (\\d+) (\\d+)`, 'g'))].map((m) => ({ start: Number(m[1]), end: Number(m[2]) }));
  }

  /** The whole events `fn` received. */
  events(fn: string): Array<{ Records: Array<Record<string, unknown>> }> {
    return this.output.join('').split('\n').map((l) => new RegExp(`^\\[${fn}\\] EVENT \\S+ (.*)$`).exec(l)?.[1]).filter((b): b is string => b !== undefined).map((b) => JSON.parse(b) as { Records: Array<Record<string, unknown>> });
  }

  async stop(): Promise<void> {
    await Promise.all(this.added.map((p) => p.stop()));
    await this.streams?.stop();
    this.#client?.destroy();
    this.#sender?.close();
    await this.platform.stop();
    await this.sqs?.dispose();
  }
}
