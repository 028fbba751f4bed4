/**
 * Delivers invocation records and dead letters to SQS queues, SNS topics and EventBridge buses
 * through the AWS SDK, at the endpoints the user gave (docs/destinations.md, "Per-target mapping").
 * A send resolves once the service accepted the message and rejects with a `TargetDeliveryError`
 * otherwise; retrying is the caller's (the durable queue's) business.
 */
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type MessageAttributeValue as SnsAttribute } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SendMessageCommand, type MessageAttributeValue as SqsAttribute } from '@aws-sdk/client-sqs';
import type { AsyncTarget, OutboundMessage, TargetSender } from '../async-types.js';
import { TargetClients, type TargetCredentials } from './target-clients.js';
import { endpointFor, unsupportedTarget, type LocalQueues, type ServiceTarget, type TargetEndpoints } from './target-endpoints.js';

export interface TargetSenderOptions {
  readonly endpoints: TargetEndpoints;
  readonly localQueues?: LocalQueues | undefined;
  readonly credentials?: TargetCredentials | undefined;
  /** Deadline of one send in milliseconds (default 10,000). */
  readonly requestTimeoutMs?: number | undefined;
}

/** A send the target's service refused, or that never reached it. */
export class TargetDeliveryError extends Error {
  /** The service's error code (`QueueDoesNotExist`, `NotFound`, ...), `RequestTimeout`, `NoEndpoint`, or a socket error code. */
  readonly code: string;
  readonly targetArn: string;

  constructor(targetArn: string, code: string, message: string) {
    super(message);
    this.name = 'TargetDeliveryError';
    this.code = code;
    this.targetArn = targetArn;
  }
}

/** EventBridge's detail-type for each condition (a record's `source` is `lambda`). */
export const DETAIL_TYPES = {
  success: 'Lambda Function Invocation Result - Success',
  failure: 'Lambda Function Invocation Result - Failure',
} as const;

const DEFAULT_TIMEOUT_MS = 10_000;
const SERVICE_NAMES = { sqs: 'SQS', sns: 'SNS', eventbridge: 'EventBridge' } as const;

/**
 * Make the sender.
 *
 * @example
 * const sender = createTargetSender({ endpoints: { sns: 'http://127.0.0.1:4566' }, localQueues: new Map([[queueArn, 'http://127.0.0.1:9324']]) });
 * await sender.send(target, { kind: 'record', body, condition: 'Success', functionArn });
 * sender.close();
 */
export function createTargetSender(options: TargetSenderOptions): TargetSender {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clients = new TargetClients({ credentials: options.credentials, requestTimeoutMs: timeoutMs });
  const localQueues = options.localQueues ?? new Map<string, string>();
  /** Queue URLs by endpoint and ARN: GetQueueUrl once per queue, again after the queue went away. */
  const queueUrls = new Map<string, string>();

  async function sendSqs(target: AsyncTarget & { kind: 'sqs' }, endpoint: string, message: OutboundMessage, signal: AbortSignal): Promise<void> {
    const client = clients.sqs(target.region, endpoint);
    const cacheKey = `${endpoint}\n${target.arn}`;
    let queueUrl = queueUrls.get(cacheKey);
    if (queueUrl === undefined) {
      const found = await client.send(new GetQueueUrlCommand({ QueueName: target.queueName, QueueOwnerAWSAccountId: target.accountId }), { abortSignal: signal });
      if (found.QueueUrl === undefined) throw new TargetDeliveryError(target.arn, 'NoQueueUrl', `SQS GetQueueUrl for ${target.arn} answered without a QueueUrl`);
      queueUrl = found.QueueUrl;
      queueUrls.set(cacheKey, queueUrl);
    }
    try {
      await client.send(new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: message.body,
        ...(message.kind === 'dead-letter' ? { MessageAttributes: deadLetterAttributes<SqsAttribute>(message) } : {}),
        ...(message.traceHeader === undefined ? {} : { MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: message.traceHeader } } }),
      }), { abortSignal: signal });
    } catch (error) {
      queueUrls.delete(cacheKey); // the queue may have been deleted and made again under a new URL
      throw error;
    }
  }

  async function sendSns(target: AsyncTarget & { kind: 'sns' }, endpoint: string, message: OutboundMessage, signal: AbortSignal): Promise<void> {
    const command = new PublishCommand({
      TopicArn: target.arn,
      Message: message.body,
      ...(message.kind === 'dead-letter' ? { MessageAttributes: deadLetterAttributes<SnsAttribute>(message) } : {}),
    });
    const traceHeader = message.traceHeader;
    if (traceHeader !== undefined) {
      // Publish has no trace field: SNS reads the chain from the request's own X-Amzn-Trace-Id.
      command.middlewareStack.add((next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers !== undefined) request.headers['x-amzn-trace-id'] = traceHeader;
        return next(args);
      }, { step: 'build', name: 'laminaTraceHeader' });
    }
    await clients.sns(target.region, endpoint).send(command, { abortSignal: signal });
  }

  async function sendEvents(target: AsyncTarget & { kind: 'eventbridge' }, endpoint: string, message: OutboundMessage, signal: AbortSignal): Promise<void> {
    if (message.kind !== 'record') {
      throw new TargetDeliveryError(target.arn, 'UnsupportedTarget', `EventBridge bus ${target.arn} cannot be a dead-letter queue: Lambda sends dead letters only to SQS and SNS`);
    }
    const entry: PutEventsRequestEntry = {
      EventBusName: target.arn,
      Source: 'lambda',
      DetailType: message.condition === 'Success' ? DETAIL_TYPES.success : DETAIL_TYPES.failure,
      Detail: message.body,
      // Lambda names the bus first, then the qualified function ARN.
      Resources: [target.arn, message.functionArn],
      ...(message.traceHeader === undefined ? {} : { TraceHeader: message.traceHeader }),
    };
    const answer = await clients.events(target.region, endpoint).send(new PutEventsCommand({ Entries: [entry] }), { abortSignal: signal });
    // PutEvents answers 200 even when it refused the entry: the refusal is in the entry's result.
    const first = answer.Entries?.[0];
    if ((answer.FailedEntryCount ?? 0) > 0 || first?.ErrorCode !== undefined) {
      const code = first?.ErrorCode ?? 'FailedEntry';
      throw new TargetDeliveryError(target.arn, code, `EventBridge PutEvents to ${target.arn} failed: ${code}: ${first?.ErrorMessage ?? 'the entry was not accepted'}`);
    }
  }

  return {
    async send(target: ServiceTarget, message: OutboundMessage): Promise<void> {
      const endpoint = endpointFor(target, options.endpoints, localQueues);
      if (endpoint === undefined) {
        throw new TargetDeliveryError(target.arn, 'NoEndpoint', `No ${SERVICE_NAMES[target.kind]} endpoint serves ${target.arn}: give one at start-up (docs/destinations.md)`);
      }
      const unsupported = unsupportedTarget(target);
      if (unsupported !== undefined) throw new TargetDeliveryError(target.arn, 'UnsupportedTarget', `Cannot deliver to ${target.arn}: ${unsupported}`);
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        if (target.kind === 'sqs') await sendSqs(target, endpoint, message, signal);
        else if (target.kind === 'sns') await sendSns(target, endpoint, message, signal);
        else await sendEvents(target, endpoint, message, signal);
      } catch (error) {
        throw deliveryError(target, endpoint, error, signal.aborted ? timeoutMs : undefined);
      }
    },
    close(): void {
      clients.close();
      queueUrls.clear();
    },
  };
}

/** Lambda's three dead-letter attributes; an empty value is left out (SQS refuses empty attributes). */
function deadLetterAttributes<T extends SqsAttribute | SnsAttribute>(message: OutboundMessage & { kind: 'dead-letter' }): Record<string, T> {
  const attributes: Record<string, T> = {};
  const { RequestID, ErrorCode, ErrorMessage } = message.attributes;
  if (RequestID !== '') attributes.RequestID = { DataType: 'String', StringValue: RequestID } as T;
  if (ErrorCode !== '') attributes.ErrorCode = { DataType: 'Number', StringValue: ErrorCode } as T;
  if (ErrorMessage !== '') attributes.ErrorMessage = { DataType: 'String', StringValue: ErrorMessage } as T;
  return attributes;
}

/** Word a failure so it names the target and the service's code. */
function deliveryError(target: ServiceTarget, endpoint: string, error: unknown, timedOutAfterMs: number | undefined): TargetDeliveryError {
  if (error instanceof TargetDeliveryError) return error;
  const service = SERVICE_NAMES[target.kind];
  if (timedOutAfterMs !== undefined) {
    return new TargetDeliveryError(target.arn, 'RequestTimeout', `${service} at ${endpoint} did not answer a send to ${target.arn} within ${timedOutAfterMs} ms`);
  }
  const err: Error & { Code?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } } = error instanceof Error ? error : new Error(String(error));
  // The wire's own code first (`Code`, which the SDK keeps for query-protocol services such as SNS:
  // `NotFound` rather than the modelled `NotFoundException`), then a socket's (`ECONNREFUSED`).
  const code = typeof err.Code === 'string' ? err.Code : typeof err.code === 'string' ? err.code : err.name;
  const status = err.$metadata?.httpStatusCode;
  return new TargetDeliveryError(target.arn, code, `${service} refused a send to ${target.arn}: ${code}${status === undefined ? '' : ` (HTTP ${status})`}: ${err.message}`);
}
