/**
 * Where an asynchronous event goes when it is done (docs/async-invocation.md): the invocation
 * record to its OnSuccess / OnFailure destination, the original event to its dead-letter queue.
 * Function destinations are invoked asynchronously (a new event in the same queue, the chain's
 * trace header carried on); SQS, SNS and EventBridge deliveries are written to the outbox in the
 * same commit that ends the event, then sent, and retried with backoff until they are accepted or
 * the event's maximum age has passed (`DestinationDeliveryFailures` counts each failed send).
 */
import type { AsyncTarget, OutboundMessage, TargetSender } from './async-types.js';
import { ASYNC_DEFAULTS } from './async-types.js';
import type { QueueStore } from './queue-store.js';
import type { EventRow, OutboxRow } from './store-schema.js';
import type { AttemptOutcome, EventSettings, EventToQueue, QueueMeasure } from './event-queue.js';
import { maxAgeMs, throttleBackoffMs, type RetryClock } from './retry-policy.js';
import { invocationRecord, TARGET_MESSAGE_LIMITS, type RecordResponse } from './targets/invocation-record.js';
import { deadLetterAttributes, type FinalFailure } from './targets/dead-letter-attributes.js';

/** Why an event was given up on. */
export type FailureCause =
  | { readonly kind: 'function-error'; readonly outcome: AttemptOutcome & { readonly kind: 'function-error' } }
  /** Too old: throttled (or waiting for retries) past the maximum age. */
  | { readonly kind: 'age'; readonly lastError?: string | undefined }
  /** The 17th round of this function in one chain. */
  | { readonly kind: 'recursion' }
  /** The function (or its qualifier) is no longer served. */
  | { readonly kind: 'gone' };

type ServiceTarget = AsyncTarget & { readonly kind: 'sqs' | 'sns' | 'eventbridge' };

export interface DeliveriesOptions {
  readonly store: QueueStore;
  readonly sender: TargetSender | undefined;
  readonly log: (functionName: string, line: string) => void;
  /** Queue an event for a function destination (with the recursion check); resolves once on disk. */
  readonly enqueue: (event: EventToQueue, functionArn: string) => Promise<unknown>;
  readonly clock: () => RetryClock;
  /** The unqualified ARN of a function served here, or undefined. */
  readonly functionArn: (functionName: string) => string | undefined;
  /** Told of drops and failed deliveries (docs/metrics.md). */
  readonly measure: QueueMeasure;
}

function serviceFailure(cause: FailureCause): FinalFailure {
  if (cause.kind === 'function-error') return { kind: 'function-error', functionError: 'Unhandled', payload: cause.outcome.body };
  if (cause.kind === 'recursion') return { kind: 'service-error', statusCode: 400, message: 'RecursiveInvocationException: the function was invoked in a recursive loop and stopped' };
  if (cause.kind === 'gone') return { kind: 'service-error', statusCode: 404, message: 'ResourceNotFoundException: the function is no longer served' };
  const throttled = cause.lastError?.startsWith('throttled') === true;
  return { kind: 'service-error', statusCode: throttled ? 429 : 200, message: `Event age exceeded${cause.lastError === undefined ? '' : ` (last: ${cause.lastError})`}` };
}

/** The error named in the failed-event row and the log line (null: none known). */
function causeError(cause: FailureCause): string | null {
  switch (cause.kind) {
    case 'function-error':
      return cause.outcome.errorType;
    case 'age':
      return cause.lastError ?? null;
    case 'recursion':
      return 'RecursiveInvocationException';
    case 'gone':
      return 'ResourceNotFoundException';
  }
}

/**
 * @example
 * const deliveries = new Deliveries({ store, sender, log, enqueue, clock, functionArn });
 * deliveries.succeeded(event, settings, payload, outcome);
 */
export class Deliveries {
  readonly #o: DeliveriesOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(options: DeliveriesOptions) {
    this.#o = options;
  }

  /** Send what a previous run left in the outbox. */
  resume(): void {
    for (const row of this.#o.store.outbox()) this.#send(row);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  succeeded(event: EventRow, settings: EventSettings, payload: Buffer, outcome: AttemptOutcome & { readonly kind: 'success' }): void {
    const target = settings.config.onSuccess;
    if (target === undefined) return;
    const response: RecordResponse = { statusCode: 200, executedVersion: outcome.executedVersion, payload: outcome.payload };
    this.#route(event, target, payload, { condition: 'Success', response, functionArn: `${settings.functionArn}:${outcome.executedVersion}` });
  }

  /** Give an event up: record it, count it, log it, and send it to its failure destinations. */
  failed(event: EventRow, settings: EventSettings | undefined, payload: Buffer, condition: 'RetriesExhausted' | 'EventAgeExceeded', cause: FailureCause): void {
    const store = this.#o.store;
    const now = this.#o.clock().nowMs;
    const error = causeError(cause);
    store.post({ op: 'fail-event', seq: event.seq, requestId: event.requestId, functionName: event.functionName, condition, error, attempts: event.attempts, acceptedAt: event.acceptedAt, failedAt: now });
    store.count(event.functionName, 'AsyncEventsDropped');
    this.#o.measure(event.functionName, 'AsyncEventsDropped', 1);
    const where: string[] = [];
    if (settings?.config.onFailure !== undefined) where.push('its OnFailure destination');
    if (settings?.deadLetter !== undefined) where.push('its dead-letter queue');
    this.#o.log(event.functionName, `Lamina: event ${event.requestId} dropped (${condition} after ${event.attempts} attempt(s)${error === null ? '' : `, ${error}`})${where.length === 0 ? '' : `; sent to ${where.join(' and ')}`}`);
    if (settings === undefined) return;
    const failure = serviceFailure(cause);
    const onFailure = settings.config.onFailure;
    if (onFailure !== undefined) {
      const response: RecordResponse | undefined = cause.kind === 'function-error' ? { statusCode: 200, executedVersion: cause.outcome.executedVersion, functionError: 'Unhandled', payload: cause.outcome.body } : undefined;
      const version = cause.kind === 'function-error' ? cause.outcome.executedVersion : (event.qualifier ?? '$LATEST');
      this.#route(event, onFailure, payload, { condition, response, functionArn: `${settings.functionArn}:${version}` });
    }
    const dlq = settings.deadLetter;
    if (dlq !== undefined) {
      const message: OutboundMessage = { kind: 'dead-letter', body: payload.toString('utf8'), attributes: deadLetterAttributes(event.requestId, failure), functionArn: settings.functionArn, traceHeader: event.traceId ?? undefined };
      this.#outbox(event, dlq, message);
    }
  }

  #route(event: EventRow, target: AsyncTarget, payload: Buffer, record: { condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded'; response: RecordResponse | undefined; functionArn: string }): void {
    const limit = target.kind === 'function' ? TARGET_MESSAGE_LIMITS.function : TARGET_MESSAGE_LIMITS[target.kind];
    const body = invocationRecord({ requestId: event.requestId, functionArn: record.functionArn, condition: record.condition, approximateInvokeCount: event.attempts, requestPayload: payload, response: record.response, timestamp: new Date(this.#o.clock().nowMs), maxBytes: limit });
    if (target.kind !== 'function') {
      this.#outbox(event, target, { kind: 'record', body, condition: record.condition, functionArn: record.functionArn, traceHeader: event.traceId ?? undefined });
      return;
    }
    const arn = this.#o.functionArn(target.functionName);
    if (arn === undefined) {
      this.#o.store.count(event.functionName, 'DestinationDeliveryFailures');
      this.#o.measure(event.functionName, 'DestinationDeliveryFailures', 1);
      this.#o.log(event.functionName, `Lamina: destination ${target.arn} of event ${event.requestId} is not a function served here; record dropped`);
      return;
    }
    const next: EventToQueue = { functionName: target.functionName, qualifier: target.qualifier, payload: Buffer.from(body), clientContext: undefined, traceId: event.traceId ?? undefined, tenantId: undefined };
    this.#o.enqueue(next, arn).catch((error: unknown) => {
      this.#o.store.count(event.functionName, 'DestinationDeliveryFailures');
      this.#o.measure(event.functionName, 'DestinationDeliveryFailures', 1);
      this.#o.log(event.functionName, `Lamina: destination ${target.arn} of event ${event.requestId} could not be queued: ${(error as Error).message}`);
    });
  }

  #outbox(event: EventRow, target: ServiceTarget | (AsyncTarget & { readonly kind: 'sqs' | 'sns' }), message: OutboundMessage): void {
    const now = this.#o.clock().nowMs;
    const targetJson = JSON.stringify(target);
    const messageJson = JSON.stringify(message);
    const id = this.#o.store.nextOutboxId();
    this.#o.store
      .write({ op: 'insert-outbox', id, functionName: event.functionName, requestId: event.requestId, target: targetJson, message: messageJson, at: now })
      .then(() => this.#send({ id, functionName: event.functionName, requestId: event.requestId, target: targetJson, message: messageJson, attempts: 0, dueAt: now, firstAt: now }))
      .catch((error: unknown) => this.#o.log(event.functionName, `Lamina: delivery of event ${event.requestId} to ${target.arn} could not be recorded: ${(error as Error).message}`));
  }

  #send(row: OutboxRow): void {
    if (this.#stopped) return;
    const target = JSON.parse(row.target) as ServiceTarget;
    const message = JSON.parse(row.message) as OutboundMessage;
    const sender = this.#o.sender;
    const attempt = sender === undefined ? Promise.reject(new Error('no endpoint is configured for this target')) : sender.send(target, message);
    attempt.then(
      () => this.#o.store.post({ op: 'delete-outbox', id: row.id }),
      (error: unknown) => this.#failedSend(row, target, error, message.kind),
    );
  }

  #failedSend(row: OutboxRow, target: ServiceTarget, error: unknown, kind: OutboundMessage['kind']): void {
    if (this.#stopped) return;
    const store = this.#o.store;
    store.count(row.functionName, 'DestinationDeliveryFailures');
    // CloudWatch counts a dead-letter queue's failed send apart (DeadLetterErrors); the store's
    // per-function counter (`lamina events`) keeps counting both as it did.
    this.#o.measure(row.functionName, kind === 'dead-letter' ? 'DeadLetterErrors' : 'DestinationDeliveryFailures', 1);
    const clock = this.#o.clock();
    const attempts = row.attempts + 1;
    const dueAt = clock.nowMs + throttleBackoffMs(attempts, clock.timeScale);
    if (dueAt - row.firstAt > maxAgeMs(ASYNC_DEFAULTS, clock)) {
      store.post({ op: 'delete-outbox', id: row.id });
      this.#o.log(row.functionName, `Lamina: gave up delivering event ${row.requestId} to ${target.arn} after ${attempts} attempts: ${(error as Error).message}`);
      return;
    }
    if (attempts === 1) this.#o.log(row.functionName, `Lamina: delivery of event ${row.requestId} to ${target.arn} failed (${(error as Error).message}); retrying`);
    store.post({ op: 'update-outbox', id: row.id, attempts, dueAt });
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#send({ ...row, attempts, dueAt });
    }, dueAt - clock.nowMs);
    timer.unref();
    this.#timers.add(timer);
  }
}
