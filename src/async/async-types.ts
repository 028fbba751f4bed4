/**
 * The shapes shared by asynchronous invocation's parts (docs/async-invocation.md): the template's
 * configuration (EventInvokeConfig, dead-letter queues, queues and topics the template defines),
 * the durable queue in src/async/, and the senders that deliver to SQS, SNS and EventBridge.
 */

/** Where a destination or dead-letter target lives, parsed from its ARN. */
export type AsyncTarget =
  /** Another function, invoked asynchronously (through the same durable queue). */
  | { readonly kind: 'function'; readonly arn: string; readonly functionName: string; readonly qualifier?: string | undefined }
  /** An SQS queue: `arn:aws:sqs:REGION:ACCOUNT:NAME`. */
  | { readonly kind: 'sqs'; readonly arn: string; readonly queueName: string; readonly region: string; readonly accountId: string }
  /** An SNS topic: `arn:aws:sns:REGION:ACCOUNT:NAME`. */
  | { readonly kind: 'sns'; readonly arn: string; readonly region: string }
  /** An EventBridge bus: `arn:aws:events:REGION:ACCOUNT:event-bus/NAME`. */
  | { readonly kind: 'eventbridge'; readonly arn: string; readonly region: string };

/** One `EventInvokeConfig` (SAM) or `AWS::Lambda::EventInvokeConfig`, for one qualifier. */
export interface AsyncInvokeConfig {
  /** `MaximumRetryAttempts`, 0 to 2; Lambda's default is 2. */
  readonly maximumRetryAttempts: number;
  /** `MaximumEventAgeInSeconds`, 60 to 21,600; Lambda's default is 21,600 (6 h). */
  readonly maximumEventAgeSeconds: number;
  /** `DestinationConfig.OnSuccess`. */
  readonly onSuccess?: AsyncTarget | undefined;
  /** `DestinationConfig.OnFailure`. */
  readonly onFailure?: AsyncTarget | undefined;
}

export const ASYNC_DEFAULTS: AsyncInvokeConfig = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

/** A function's asynchronous settings, as the template gives them. */
export interface FunctionAsyncSettings {
  /**
   * EventInvokeConfig by qualifier: `$LATEST`, a version (`1`) or an alias name. SAM puts a
   * function's `EventInvokeConfig` on its `AutoPublishAlias` when it has one, else on `$LATEST`.
   */
  readonly byQualifier: Readonly<Record<string, AsyncInvokeConfig>>;
  /** `DeadLetterQueue` (SAM) or `DeadLetterConfig.TargetArn`: an SQS queue or an SNS topic. */
  readonly deadLetter?: (AsyncTarget & { readonly kind: 'sqs' | 'sns' }) | undefined;
}

/** An `AWS::SQS::Queue` the template defines: Lamina serves it from its embedded SQS server. */
export interface QueueDefinition {
  /** The logical id in the template. */
  readonly logicalId: string;
  /** `QueueName`, else `<stack>-<logical id>-<suffix>` as CloudFormation names it; FIFO ends in `.fifo`. */
  readonly name: string;
  readonly arn: string;
  readonly fifo: boolean;
  /** Seconds (0-43,200, default 30). */
  readonly visibilityTimeout: number;
  /** Seconds (60-1,209,600, default 345,600). */
  readonly messageRetentionPeriod: number;
  /** Seconds (0-900, default 0). */
  readonly delaySeconds: number;
  /** Seconds (0-20, default 0). */
  readonly receiveMessageWaitTimeSeconds: number;
  /** Bytes (1,024-1,048,576, default 1,048,576). */
  readonly maximumMessageSize: number;
  readonly contentBasedDeduplication: boolean;
  /** `RedrivePolicy`: the dead-letter queue's ARN and the receive count that moves a message there. */
  readonly redrive?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number } | undefined;
}

/** A message for SQS, SNS or EventBridge: a destination's invocation record or a dead letter. */
export type OutboundMessage =
  | {
      readonly kind: 'record';
      /** The invocation record, JSON text (docs/async-invocation.md). */
      readonly body: string;
      /** `Success` or a failure condition: picks EventBridge's detail-type. */
      readonly condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';
      readonly functionArn: string;
      /** `X-Amzn-Trace-Id` of the chain (carries the recursion lineage), sent as SQS's AWSTraceHeader. */
      readonly traceHeader?: string | undefined;
    }
  | {
      readonly kind: 'dead-letter';
      /** The original event, as the caller sent it. */
      readonly body: string;
      /** Lambda's message attributes. */
      readonly attributes: { readonly RequestID: string; readonly ErrorCode: string; readonly ErrorMessage: string };
      readonly functionArn: string;
      readonly traceHeader?: string | undefined;
    };

/** Delivers messages to SQS, SNS and EventBridge targets (src/async/targets/). */
export interface TargetSender {
  /** Resolves once the service accepted the message; rejects with the service's error otherwise. */
  send(target: AsyncTarget & { readonly kind: 'sqs' | 'sns' | 'eventbridge' }, message: OutboundMessage): Promise<void>;
  close(): void;
}
