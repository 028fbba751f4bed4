/**
 * Event source mappings as the template gives them (issue 15, docs/event-sources.md): what the
 * template loader produces (src/config/) and the pollers consume (src/event-sources/).
 */

/** One `FilterCriteria.Filters[].Pattern`, parsed (an EventBridge-style pattern object). */
export type FilterPattern = Readonly<Record<string, unknown>>;

/** An SQS event source mapping (`Events: SQS` of a SAM function, or `AWS::Lambda::EventSourceMapping`). */
export interface SqsMapping {
  /** Logical id of the mapping (`<Function><EventName>` for SAM events, the resource id otherwise). */
  readonly id: string;
  /** The function's name, and the qualifier the mapping invokes (undefined: unqualified). */
  readonly functionName: string;
  readonly qualifier?: string | undefined;
  /** `arn:aws:sqs:REGION:ACCOUNT:NAME`. */
  readonly queueArn: string;
  readonly queueName: string;
  readonly fifo: boolean;
  /** 1-10,000 (standard) or 1-10 (FIFO); default 10. */
  readonly batchSize: number;
  /** 0-300 s; default 0. A batch size over 10 needs at least 1 s. */
  readonly maximumBatchingWindowSeconds: number;
  /** `ScalingConfig.MaximumConcurrency` (2-1,000), undefined: no cap of the mapping's own. */
  readonly maximumConcurrency?: number | undefined;
  /** `FunctionResponseTypes: [ReportBatchItemFailures]`. */
  readonly reportBatchItemFailures: boolean;
  /** `FilterCriteria.Filters` (at most 5 by default): a record passes when any pattern matches. */
  readonly filters: readonly FilterPattern[];
  /** `Enabled` (default true). */
  readonly enabled: boolean;
}
