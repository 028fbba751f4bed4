/**
 * Asynchronous invocation as `lamina serve` sets it up (docs/async-invocation.md): the embedded SQS
 * server for the template's queues, the check that every destination and dead-letter target can
 * be reached, and the sender that reaches them. The state directory is claimed by the caller.
 */
import { join } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { ConfigError } from '../errors.js';
import type { EventQueueSettings } from '../platform/platform.js';
import { startSqsServer, type SqsServer } from '../services/sqs/sqs-server.js';
import type { QueueDefinition } from './async-types.js';
import type { SqsMapping } from '../event-sources/mapping-types.js';
import { EventStore, type QueueSync } from './event-store.js';
import { unpollableMappings } from '../event-sources/sqs/external-queues.js';
import { checkTargetsReachable, type TargetEndpoints, type UsedTarget } from './targets/target-endpoints.js';
import { createTargetSender } from './targets/target-sender.js';
import type { TargetCredentials } from './targets/target-clients.js';

export interface AsyncServeOptions {
  /** The claimed state directory: `events.db` and `sqs.db` live there. */
  readonly stateDir: string;
  readonly timeScale: number;
  /** `--queue-sync`: fsync every commit (`full`) or leave it to checkpoints (`normal`). */
  readonly sync: QueueSync;
  /** Where the embedded SQS server listens (when the template defines queues). */
  readonly sqsHost: string;
  readonly sqsPort: number;
  readonly region: string;
  readonly accountId: string;
  readonly endpoints: TargetEndpoints;
  readonly credentials?: TargetCredentials | undefined;
  /** Bus ARN -> endpoint of the embedded EventBridge (docs/eventbridge-server.md), when it serves destinations. */
  readonly localBuses?: ReadonlyMap<string, string> | undefined;
}

export interface StartedAsync {
  readonly events: EventQueueSettings;
  readonly sqs: SqsServer | undefined;
  readonly banner: string[];
  close(): Promise<void>;
}

function endpointOption(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${option} must be a URL such as http://127.0.0.1:4566, got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${option} must be an http or https URL, got '${value}'`);
  return value;
}

/**
 * The endpoints of `--aws-endpoint` and the per-service options (which win), each checked as a URL.
 *
 * @example targetEndpoints({ aws: 'http://127.0.0.1:4566' }) // { sqs: ..., sns: ..., events: ... } all LocalStack's
 */
export function targetEndpoints(given: { readonly aws?: string | undefined; readonly sqs?: string | undefined; readonly sns?: string | undefined; readonly events?: string | undefined; readonly kinesis?: string | undefined }): TargetEndpoints {
  // A bad URL is reported under the option the user typed: the service's own, else --aws-endpoint.
  const pick = (option: string, own: string | undefined): string | undefined => (own !== undefined ? endpointOption(option, own) : endpointOption('--aws-endpoint', given.aws));
  return { sqs: pick('--sqs-endpoint', given.sqs), sns: pick('--sns-endpoint', given.sns), events: pick('--events-endpoint', given.events), kinesis: pick('--kinesis-endpoint', given.kinesis) };
}

/** Every destination and dead-letter target the functions name, with the role it plays. */
export function usedTargets(functions: readonly FunctionConfig[]): UsedTarget[] {
  const used: UsedTarget[] = [];
  for (const fn of functions) {
    for (const config of Object.values(fn.async?.byQualifier ?? {})) {
      if (config.onSuccess !== undefined) used.push({ role: 'OnSuccess', target: config.onSuccess, functionName: fn.name });
      if (config.onFailure !== undefined) used.push({ role: 'OnFailure', target: config.onFailure, functionName: fn.name });
    }
    if (fn.async?.deadLetter !== undefined) used.push({ role: 'DeadLetterQueue', target: fn.async.deadLetter, functionName: fn.name });
  }
  return used;
}

/**
 * Start the template's queues and check the targets. Nothing is left running when a target cannot
 * be reached.
 *
 * @throws ConfigError naming every unreachable target, or when the SQS port is taken.
 * @example
 * const started = await startAsync(loaded.queues, functions, { stateDir, timeScale: 1, ... });
 * const platform = new Platform({ functions, events: started.events });
 */
export async function startAsync(queues: readonly QueueDefinition[], functions: readonly FunctionConfig[], options: AsyncServeOptions, mappings: readonly SqsMapping[] = []): Promise<StartedAsync> {
  const unpollable = unpollableMappings(mappings, new Set(queues.map((q) => q.name)), options.endpoints.sqs);
  if (unpollable !== undefined) throw new ConfigError(unpollable);
  let sqs: SqsServer | undefined;
  if (queues.length > 0) {
    try {
      sqs = await startSqsServer({ host: options.sqsHost, port: options.sqsPort, dbPath: join(options.stateDir, 'sqs.db'), region: options.region, accountId: options.accountId, queues });
    } catch (error) {
      throw new ConfigError(`The embedded SQS server cannot start on ${options.sqsHost}:${options.sqsPort}: ${(error as Error).message} (choose another --sqs-port)`);
    }
  }
  const endpoint = sqs?.endpoint;
  const localQueues = new Map([...(endpoint === undefined ? [] : queues.map((q): [string, string] => [q.arn, endpoint])), ...(options.localBuses ?? [])]);
  const problems = checkTargetsReachable(usedTargets(functions), options.endpoints, localQueues);
  if (problems.length > 0) {
    await sqs?.close();
    throw new ConfigError(`Asynchronous invocation targets cannot be reached:\n${problems.join('\n')}`);
  }
  let store: EventStore;
  try {
    store = EventStore.open(join(options.stateDir, 'events.db'), options.sync);
  } catch (error) {
    await sqs?.close();
    throw error;
  }
  const sender = createTargetSender({ endpoints: options.endpoints, localQueues, credentials: options.credentials });
  const banner = sqs === undefined ? [] : [`SQS (embedded, aws sqs --endpoint-url ${sqs.endpoint}):`, ...queues.map((q) => `  ${q.name}: ${sqs?.endpoint}/${options.accountId}/${q.name}`)];
  return {
    events: { store, timeScale: options.timeScale, sender },
    sqs,
    banner,
    close: async () => {
      sender.close();
      await sqs?.close();
      // The platform's queue closes the store when it stops; a platform that failed to start never did.
      await store.close();
    },
  };
}
