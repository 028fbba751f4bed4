/**
 * Event sources as `lamina serve` runs them (issue 15, docs/event-sources.md): one poller per SQS
 * event source mapping of the template, reading the embedded SQS server in process (or, for queues
 * the template does not define, the user's SQS endpoint through the SDK) and invoking
 * through the same `InvokePort` as every front end, each with its `FilterCriteria` compiled once;
 * and the functions' schedules, firing `Event` invokes into the durable queue.
 */
import { ConfigError } from '../errors.js';
import type { InvokePort } from '../platform/invoke-types.js';
import type { SqsServer } from '../services/sqs/sqs-server.js';
import { compilePatternObject, passesFilters, sqsFilterData, type PatternMatcher } from './filter-pattern.js';
import type { SqsMapping } from './mapping-types.js';
import { mappingClient, unpollableMappings, type ExternalSqs, type MappingClient } from './sqs/external-queues.js';
import { SqsPoller } from './sqs/sqs-poller.js';
import { acceptAsEvent, type EventIntake, type ScheduleAccount } from './schedule/scheduled-event.js';
import { Scheduler } from './schedule/scheduler.js';
import type { ScheduleDefinition } from './schedule/schedule-types.js';

export interface StartedSources {
  readonly banner: string[];
  /** Stop polling; invokes under way finish and their batches are deleted. */
  stop(): Promise<void>;
}

/** The mapping's filters as one predicate over an SQS event record. */
function recordFilter(mapping: SqsMapping): (record: unknown) => boolean {
  const matchers: PatternMatcher[] = [];
  for (const pattern of mapping.filters) {
    const compiled = compilePatternObject(pattern);
    // The template loader checked every pattern; one that does not compile here is a bug.
    if (!compiled.ok) throw new ConfigError(`Event source mapping ${mapping.id}: filter ${JSON.stringify(pattern)} ${compiled.problem}`);
    matchers.push(compiled.matcher);
  }
  return (record) => passesFilters(matchers, sqsFilterData(record as Readonly<Record<string, unknown>>));
}

/**
 * @throws ConfigError for a mapping of a queue the embedded SQS server does not serve when no
 *   external endpoint is given (`options.external`, from --sqs-endpoint / --aws-endpoint).
 * @example
 * const sources = startSources(loaded.sqsMappings, asyncParts.sqs, platform, { timeScale: 1, log });
 * // ... at shutdown, before platform.stop():
 * await sources.stop();
 */
export function startSources(
  sources: { readonly mappings: readonly SqsMapping[]; readonly schedules: readonly ScheduleDefinition[] },
  sqs: SqsServer | undefined,
  port: InvokePort & EventIntake,
  options: {
    readonly timeScale: number; readonly account: ScheduleAccount; readonly log: (line: string) => void; readonly allowsRecursion?: (functionName: string) => boolean;
    /** Where mappings of queues the template does not define are polled (`--sqs-endpoint`). */
    readonly external?: ExternalSqs | undefined;
  },
): StartedSources {
  const { mappings, schedules } = sources;
  const external: ExternalSqs = options.external ?? { endpoint: undefined };
  const problem = unpollableMappings(mappings, new Set(sqs === undefined ? [] : sqs.service.queueNames()), external.endpoint);
  if (problem !== undefined) throw new ConfigError(problem);
  const clients = mappings.map((mapping) => mappingClient(mapping, sqs, external));
  const pollers = mappings.map((mapping, i) => {
    const poller = new SqsPoller({
      mapping,
      client: (clients[i] as MappingClient).client,
      port,
      matches: recordFilter(mapping),
      allowRecursion: options.allowsRecursion?.(mapping.functionName) === true,
      timeScale: options.timeScale,
      log: (line) => options.log(`[${mapping.functionName}] Lamina: SQS mapping ${mapping.id}: ${line}`),
    });
    poller.start();
    return poller;
  });
  // Schedules fire `Event` invokes: the durable queue takes them, with the function's retries.
  const scheduler = new Scheduler({ schedules, fire: acceptAsEvent(port), account: options.account, timeScale: options.timeScale, log: (line) => options.log(`Lamina: schedules: ${line}`) });
  scheduler.start();
  const banner = mappings.map((m, i) => `  ${m.queueName}${clients[i]?.where === 'embedded' ? '' : ` (at ${clients[i]?.where ?? ''})`} -> ${m.functionName}${m.qualifier === undefined ? '' : `:${m.qualifier}`} (batch ${m.batchSize}${m.maximumBatchingWindowSeconds > 0 ? `, window ${m.maximumBatchingWindowSeconds} s` : ''}${m.filters.length > 0 ? `, ${m.filters.length} filter(s)` : ''}${m.enabled ? '' : ', disabled'})`);
  for (const schedule of schedules) {
    banner.push(`  ${schedule.name} -> ${schedule.functionName}${schedule.qualifier === undefined ? '' : `:${schedule.qualifier}`} (${schedule.kind === 'rule' ? 'Schedule' : 'ScheduleV2'} ${schedule.expression.text}${schedule.enabled ? '' : ', disabled'})`);
  }
  return {
    banner,
    stop: async () => {
      await Promise.all([...pollers.map((p) => p.stop()), scheduler.stop()]);
      for (const c of clients) c.close();
    },
  };
}
