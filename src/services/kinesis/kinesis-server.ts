/**
 * The embedded Kinesis (docs/event-sources-kinesis.md): kinesalite (an in-memory Kinesis Data
 * Streams implementation from npm) behind a listener that speaks HTTP/1.1 and h2c, with the
 * template's streams created at start and awaited until ACTIVE.
 *
 * kinesalite takes the account and region of its ARNs from `AWS_ACCOUNT_ID` and `AWS_REGION` when
 * its store is made; they are set for that synchronous call only.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamDefinition } from '../../event-sources/streams/stream-types.js';
import { listenTwoProtocols, type DualHandler } from './two-protocol-listener.js';

export interface KinesisServerOptions {
  readonly host?: string | undefined;
  /** 0 (the default) picks a free port. */
  readonly port?: number | undefined;
  readonly region: string;
  readonly accountId: string;
  readonly streams: readonly StreamDefinition[];
  /** Milliseconds a new stream stays CREATING (kinesalite's default 500; Lamina's 20). */
  readonly createStreamMs?: number | undefined;
}

export interface KinesisServer {
  /** `http://host:port`, what `--endpoint-url` takes. */
  readonly endpoint: string;
  readonly port: number;
  /** A client of this server (the SDK's default HTTP/2 handler), for the mappings' pollers; closed with the server. */
  client(): KinesisClient;
  close(): Promise<void>;
}

interface KinesaliteOptions {
  readonly createStreamMs?: number;
  readonly deleteStreamMs?: number;
  readonly updateStreamMs?: number;
  readonly shardLimit?: number;
}
type Kinesalite = (options: KinesaliteOptions) => Server;

const LOOPBACK_CREDENTIALS = { accessKeyId: 'lamina', secretAccessKey: 'lamina' };
/** kinesalite refuses streams beyond this many shards in all (Kinesis's own default is 500 a region). */
const SHARD_LIMIT = 500;

/** Makes kinesalite's server with this account and region in its ARNs. */
function makeKinesalite(options: KinesaliteOptions, accountId: string, region: string): Server {
  const require = createRequire(import.meta.url);
  const kinesalite = require('kinesalite') as Kinesalite;
  const saved = { account: process.env.AWS_ACCOUNT_ID, region: process.env.AWS_REGION };
  process.env.AWS_ACCOUNT_ID = accountId;
  process.env.AWS_REGION = region;
  try {
    return kinesalite(options);
  } finally {
    restore('AWS_ACCOUNT_ID', saved.account);
    restore('AWS_REGION', saved.region);
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/**
 * Starts the embedded Kinesis and creates the streams; resolves once every stream is ACTIVE.
 *
 * @example
 * const kinesis = await startKinesisServer({ host: '127.0.0.1', port: 4567, region: 'us-east-1', accountId: '000000000000', streams });
 * // aws kinesis put-record --endpoint-url http://127.0.0.1:4567 --stream-name orders --partition-key k --data hello
 * await kinesis.close();
 */
export async function startKinesisServer(options: KinesisServerOptions): Promise<KinesisServer> {
  const host = options.host ?? '127.0.0.1';
  const inner = makeKinesalite({ createStreamMs: options.createStreamMs ?? 20, deleteStreamMs: 20, updateStreamMs: 20, shardLimit: SHARD_LIMIT }, options.accountId, options.region);
  const handler = inner.listeners('request')[0] as DualHandler;
  const closeStore = (): Promise<void> => new Promise((resolve) => inner.close(() => resolve()));
  let listener;
  try {
    listener = await listenTwoProtocols(handler, host, options.port ?? 0);
  } catch (error) {
    await closeStore();
    throw error;
  }
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${listener.port}`;
  const clients: KinesisClient[] = [];
  const client = (): KinesisClient => {
    const made = new KinesisClient({ endpoint, region: options.region, credentials: LOOPBACK_CREDENTIALS, requestHandler: { requestTimeout: 30_000 } });
    clients.push(made);
    return made;
  };
  const close = async (): Promise<void> => {
    for (const c of clients) c.destroy();
    await listener.close();
    await closeStore();
  };
  try {
    await createStreams(client(), options.streams);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, port: listener.port, client, close };
}

/** CreateStream for each, then DescribeStreamSummary until ACTIVE. */
async function createStreams(client: KinesisClient, streams: readonly StreamDefinition[]): Promise<void> {
  for (const stream of streams) await client.send(new CreateStreamCommand({ StreamName: stream.name, ShardCount: stream.shardCount }));
  for (const stream of streams) {
    for (;;) {
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream.name }));
      if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
