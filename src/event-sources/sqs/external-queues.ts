/**
 * Which client polls a mapping's queue (docs/event-sources-external.md): the embedded SQS server in
 * process when the template defines the queue; otherwise the SDK client pointed at the user's
 * `--sqs-endpoint` (or `--aws-endpoint`); with neither, `lamina serve` refuses to start.
 */
import type { TargetCredentials } from '../../async/targets/target-clients.js';
import type { SqsServer } from '../../services/sqs/sqs-server.js';
import type { SqsMapping } from '../mapping-types.js';
import { InProcessQueueClient, type QueueClient } from './queue-client.js';
import { SdkQueueClient, sqsClientFor } from './sdk-queue-client.js';

/** Where queues the template does not define are polled. */
export interface ExternalSqs {
  /** `--sqs-endpoint`, else `--aws-endpoint`; undefined: none given. */
  readonly endpoint: string | undefined;
  readonly credentials?: TargetCredentials | undefined;
}

/**
 * The start-up refusal for mappings of queues the template does not define when no endpoint was
 * given, or `undefined` when every mapping can be polled.
 *
 * @example
 * unpollableMappings([mapping], new Set(), undefined);
 * // 'SQS event source mappings of queues the template does not define need --sqs-endpoint ...'
 */
export function unpollableMappings(mappings: readonly SqsMapping[], definedQueues: ReadonlySet<string>, endpoint: string | undefined): string | undefined {
  const unserved = mappings.filter((m) => !definedQueues.has(m.queueName));
  if (unserved.length === 0 || endpoint !== undefined) return undefined;
  return 'SQS event source mappings of queues the template does not define need --sqs-endpoint (or --aws-endpoint) '
    + 'to poll them where they live (LocalStack, AWS); without one, Lamina serves only the queues the template defines '
    + `as AWS::SQS::Queue resources:\n${unserved.map((m) => `${m.id}: ${m.queueArn}`).join('\n')}`;
}

/** A mapping's client, and how to let go of it at shutdown. */
export interface MappingClient {
  readonly client: QueueClient;
  /** Where the queue is polled, for the banner: `embedded` or the endpoint. */
  readonly where: string;
  close(): void;
}

/**
 * @throws Error when the queue is neither served nor reachable (call `unpollableMappings` first).
 * @example const { client, close } = mappingClient(mapping, asyncParts.sqs, { endpoint: 'http://127.0.0.1:4566' });
 */
export function mappingClient(mapping: SqsMapping, sqs: SqsServer | undefined, external: ExternalSqs): MappingClient {
  if (sqs !== undefined && sqs.service.queueNames().includes(mapping.queueName)) {
    return { client: new InProcessQueueClient(sqs.service, mapping.queueName), where: 'embedded', close: () => undefined };
  }
  if (external.endpoint === undefined) throw new Error(`${mapping.id}: ${mapping.queueArn} is not served here and no SQS endpoint was given`);
  const sdk = sqsClientFor({ endpoint: external.endpoint, queueArn: mapping.queueArn, credentials: external.credentials });
  return { client: new SdkQueueClient(sdk, mapping.queueArn), where: external.endpoint, close: () => sdk.destroy() };
}
