/**
 * The families CloudWatch's AWS/Lambda metrics become at `/metrics` (docs/metrics.md has the
 * table): snake_case names prefixed `lambda_`, counters with `_total` on their samples, times in
 * seconds (`_seconds`, recorded in ms and scaled), and CloudWatch's dimensions as labels:
 * FunctionName -> function_name, Resource -> resource, ExecutedVersion -> executed_version.
 */
import type { QueueMetricName } from '../../async/queue-types.js';
import type { Family, FamilySpec, MetricsRegistry } from './metrics-registry.js';

const INVOKE_LABELS = ['function_name', 'resource', 'executed_version'] as const;
const FUNCTION_LABELS = ['function_name'] as const;
/** CloudWatch gives p50/p90/p99 and Maximum; quantile 1 is the exact maximum. */
const DURATION_QUANTILES = [0.5, 0.9, 0.99, 1] as const;
const MS_PER_SECOND = 1000;

export interface LambdaFamilies {
  readonly invocations: Family;
  readonly errors: Family;
  readonly throttles: Family;
  readonly asyncThrottles: Family;
  readonly duration: Family;
  readonly initDuration: Family;
  readonly concurrent: Family;
  readonly concurrentMax: Family;
  readonly unreserved: Family;
  readonly provisionedConcurrent: Family;
  readonly provisionedUtilization: Family;
  readonly provisionedInvocations: Family;
  readonly spillover: Family;
  /** The queue's and pollers' measurements by their CloudWatch name. */
  readonly byQueueName: ReadonlyMap<string, Family>;
}

function seconds(name: string, help: string, labels: readonly string[]): FamilySpec {
  return { name, type: 'summary', help, unit: 'seconds', labels, quantiles: DURATION_QUANTILES, divisor: MS_PER_SECOND };
}

/**
 * Define them in the registry, in the order they are rendered.
 *
 * @example defineFamilies(new MetricsRegistry()).invocations.spec.name // 'lambda_invocations'
 */
export function defineFamilies(registry: MetricsRegistry): LambdaFamilies {
  const f = (spec: FamilySpec): Family => registry.family(spec);
  const counter = (name: string, help: string, labels: readonly string[] = INVOKE_LABELS): Family => f({ name, type: 'counter', help, labels });
  const gauge = (name: string, help: string, labels: readonly string[] = INVOKE_LABELS): Family => f({ name, type: 'gauge', help, labels });
  const families = {
    invocations: counter('lambda_invocations', 'Invocations: function code run, successful or not (CloudWatch Invocations; throttled requests are not counted)'),
    errors: counter('lambda_errors', 'Function errors: the invocation ended with a function error or a timeout (CloudWatch Errors)'),
    throttles: counter('lambda_throttles', 'Invoke requests refused for concurrency, answered 429 (CloudWatch Throttles)'),
    asyncThrottles: counter('lamina_async_throttled_attempts', 'Attempts of queued asynchronous events refused for concurrency; the event waits and is tried again (not in Throttles)', FUNCTION_LABELS),
    duration: f(seconds('lambda_duration_seconds', 'Duration of the function code, per invocation (CloudWatch Duration; quantile 1 is the maximum)', INVOKE_LABELS)),
    initDuration: f(seconds('lambda_init_duration_seconds', 'Init Duration of cold starts, as on the REPORT line', INVOKE_LABELS)),
    concurrent: gauge('lambda_concurrent_executions', 'Invocations running now (CloudWatch ConcurrentExecutions)'),
    concurrentMax: gauge('lambda_concurrent_executions_max', 'The most invocations that ran at once since lamina serve started (ConcurrentExecutions, Maximum)'),
    unreserved: gauge('lambda_unreserved_concurrent_executions', 'Invocations running now of functions without reserved concurrency (CloudWatch UnreservedConcurrentExecutions)', []),
    provisionedConcurrent: gauge('lambda_provisioned_concurrent_executions', 'Invocations running now on provisioned environments (CloudWatch ProvisionedConcurrentExecutions)'),
    provisionedUtilization: gauge('lambda_provisioned_concurrency_utilization', 'Provisioned environments running an invocation, over those allocated (CloudWatch ProvisionedConcurrencyUtilization)', ['function_name', 'executed_version']),
    provisionedInvocations: counter('lambda_provisioned_concurrency_invocations', 'Invocations run on provisioned environments (CloudWatch ProvisionedConcurrencyInvocations)'),
    spillover: counter('lambda_provisioned_concurrency_spillover_invocations', 'Invocations run on on-demand environments while the version had provisioned ones (CloudWatch ProvisionedConcurrencySpilloverInvocations)'),
  };
  const queue: ReadonlyArray<readonly [QueueMetricName | 'IteratorAge', Family]> = [
    ['AsyncEventsReceived', counter('lambda_async_events_received', 'Events queued for asynchronous invocation (CloudWatch AsyncEventsReceived)', FUNCTION_LABELS)],
    ['AsyncEventAge', f(seconds('lambda_async_event_age_seconds', 'Time from an event being queued to its being handed to the function, per attempt (CloudWatch AsyncEventAge)', FUNCTION_LABELS))],
    ['AsyncEventsDropped', counter('lambda_async_events_dropped', 'Events dropped without a successful invocation: retries used up, too old, recursion (CloudWatch AsyncEventsDropped)', FUNCTION_LABELS)],
    ['DestinationDeliveryFailures', counter('lambda_destination_delivery_failures', 'Failed sends of invocation records to destinations (CloudWatch DestinationDeliveryFailures)', FUNCTION_LABELS)],
    ['DeadLetterErrors', counter('lambda_dead_letter_errors', 'Failed sends of events to the dead-letter queue (CloudWatch DeadLetterErrors)', FUNCTION_LABELS)],
    ['RecursiveInvocationsDropped', counter('lambda_recursive_invocations_dropped', 'Events stopped in a recursive loop (CloudWatch RecursiveInvocationsDropped)', FUNCTION_LABELS)],
    ['IteratorAge', f(seconds('lambda_iterator_age_seconds', 'Age of the newest record of each stream batch when it was invoked (CloudWatch IteratorAge)', FUNCTION_LABELS))],
  ];
  return { ...families, byQueueName: new Map(queue) };
}
