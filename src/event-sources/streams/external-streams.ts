/**
 * Which Kinesis a stream mapping reads (docs/event-sources-external.md): the embedded Kinesis when
 * the template defines the stream; otherwise the user's `--kinesis-endpoint` (or `--aws-endpoint`:
 * LocalStack, AWS) through `@aws-sdk/client-kinesis`; with neither, `lamina serve` refuses to start.
 * Both are read by the same `KinesisSource`, so the poller cannot tell them apart.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LOOPBACK_CREDENTIALS, type TargetCredentials } from '../../async/targets/target-clients.js';
import { isLoopbackEndpoint } from '../../async/targets/target-endpoints.js';
import type { StreamMapping } from './stream-types.js';

/** Where streams the template does not define are read. */
export interface ExternalKinesis {
  /** `--kinesis-endpoint`, else `--aws-endpoint`; undefined: none given. */
  readonly endpoint: string | undefined;
  /** The host's keys, when set. */
  readonly credentials?: TargetCredentials | undefined;
}

/** A request to the user's Kinesis: connect and answer within this. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The start-up refusal for mappings of streams the template does not define when no endpoint was
 * given, or `undefined` when every mapping can be read.
 *
 * @example
 * unreadableMappings([mapping], new Set(), undefined);
 * // 'Kinesis event source mappings of streams the template does not define need --kinesis-endpoint ...'
 */
export function unreadableMappings(mappings: readonly StreamMapping[], definedStreams: ReadonlySet<string>, endpoint: string | undefined): string | undefined {
  const unserved = mappings.filter((m) => !definedStreams.has(m.streamArn));
  if (unserved.length === 0 || endpoint !== undefined) return undefined;
  return 'Kinesis event source mappings of streams the template does not define need --kinesis-endpoint (or --aws-endpoint) '
    + 'to read them where they live (LocalStack, AWS); without one, Lamina reads only the AWS::Kinesis::Stream resources '
    + `of the template, which it serves itself:\n${unserved.map((m) => `${m.id}: ${m.streamArn}`).join('\n')}`;
}

/**
 * The SDK client a stream named by ARN is read with: the ARN's region signs; the host's keys when
 * set, else test/test on a loopback endpoint (LocalStack's), else the SDK's default provider chain
 * (made-up keys are never sent to a remote endpoint; src/async/targets/target-clients.ts does the same).
 *
 * @example kinesisClientFor('http://127.0.0.1:4566', 'arn:aws:kinesis:us-east-1:000000000000:stream/orders', undefined)
 */
export function kinesisClientFor(endpoint: string, streamArn: string, given: TargetCredentials | undefined): KinesisClient {
  const [, , , region = 'us-east-1'] = streamArn.split(':');
  const credentials = given ?? (isLoopbackEndpoint(endpoint) ? LOOPBACK_CREDENTIALS : undefined);
  return new KinesisClient({
    region,
    endpoint,
    maxAttempts: 2,
    ...(credentials === undefined ? {} : { credentials }),
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS },
  });
}

/** A mapping's client, where it reads (for the banner), and how to let go of it. */
export interface MappingReader {
  readonly client: KinesisClient;
  /** `embedded`, or the endpoint. */
  readonly where: string;
  close(): void;
}

/**
 * @param embedded the embedded Kinesis's client, when it runs (it serves exactly `definedStreams`).
 * @throws Error when the stream is neither served nor reachable (call `unreadableMappings` first).
 * @example const reader = mappingReader(mapping, new Set([stream.arn]), kinesis.client(), { endpoint: undefined });
 */
export function mappingReader(mapping: StreamMapping, definedStreams: ReadonlySet<string>, embedded: KinesisClient | undefined, external: ExternalKinesis): MappingReader {
  if (embedded !== undefined && definedStreams.has(mapping.streamArn)) return { client: embedded, where: 'embedded', close: () => undefined };
  if (external.endpoint === undefined) throw new Error(`${mapping.id}: ${mapping.streamArn} is not served here and no Kinesis endpoint was given`);
  const client = kinesisClientFor(external.endpoint, mapping.streamArn, external.credentials);
  return { client, where: external.endpoint, close: () => client.destroy() };
}
