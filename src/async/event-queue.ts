/**
 * The durable asynchronous event queue (docs/async-invocation.md): `Event` invokes are written to
 * disk before their 202, then delivered to their function at least once, with Lambda's retries,
 * maximum age, destinations and dead-letter queues, and its recursion stop.
 *
 * Consumers take concurrency like any invoke: an event is started through the platform's
 * admission; a throttle leaves it at the head of its function's queue (nothing is written, nothing
 * lost) and the function waits for a slot to free, or for its backoff (1 s .. 5 min) to pass.
 * The queue knows the platform only through `QueueHost` (plain data both ways).
 */
import type { TargetSender } from './async-types.js';
import type { AttemptOutcome, EventSettings, EventToQueue, QueueHost, QueueMeasure } from './queue-types.js';
import { DueHeap } from './due-heap.js';
import type { QueueStore } from './queue-store.js';
import type { EventRow } from './store-schema.js';
import { stepLineage } from './lineage.js';
import { afterFunctionError, afterThrottle, tooOld, type RetryClock } from './retry-policy.js';
import { Deliveries, type FailureCause } from './deliveries.js';

export type { AttemptOutcome, AttemptRequest, EventSettings, EventToQueue, QueueHost, QueueMeasure } from './queue-types.js';

/** How long a function waiting for a warm environment waits at most before it looks again. */
const WARM_WAIT_FALLBACK_MS = 50;

export interface EventQueueOptions {
  readonly store: QueueStore;
  readonly host: QueueHost;
  /** SQS, SNS and EventBridge destinations; undefined when none is configured. */
  readonly sender?: TargetSender | undefined;
  /** Multiplies retry delays, backoffs and maximum ages (default 1: Lambda's times). */
  readonly timeScale?: number;
  readonly now?: () => number;
  /** Told of each measurement (received, age at delivery, dropped, delivery failures). */
  readonly measure?: QueueMeasure | undefined;
}

/**
 * One event waiting in memory. A small payload accepted by this process is kept with it while the
 * memory it takes stays under KEPT_PAYLOAD_BYTES in all (no read of the file on the way to the
 * function); others stay on disk until the event is tried.
 */
interface Pending extends EventRow {
  /** Throttles in a row for this event. */
  throttles: number;
  kept?: Buffer | undefined;
}

/** Largest payload kept in memory with its event, and the most kept in all. */
const KEPT_PAYLOAD_MAX = 64 * 1024;
const KEPT_PAYLOAD_BYTES = 64 * 1024 * 1024;


/**
 * @example
 * const queue = new EventQueue({ store: EventStore.open(path), host }); // or new MemoryStore()
 * queue.resume();
 * const requestId = await queue.accept({ functionName: 'fn', qualifier: undefined, payload, ... });
 */
export class EventQueue {
  readonly #store: QueueStore;
  readonly #host: QueueHost;
  readonly #timeScale: number;
  readonly #now: () => number;
  readonly #deliveries: Deliveries;
  readonly #measure: QueueMeasure;
  readonly #byFunction = new Map<string, DueHeap<Pending>>();
  /** Functions whose last attempt was throttled, and until when they wait. */
  readonly #paused = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #stopped = false;
  #inFlight = 0;
  /** Bytes of payloads kept in memory with their pending events. */
  #keptBytes = 0;
  /** Attempts started on a new environment and not finished yet, by function. */
  readonly #coldStarts = new Map<string, number>();
  /** Some function waits for a warm environment: a freed slot should pump. */
  #waitingWarm = false;

  constructor(options: EventQueueOptions) {
    this.#store = options.store;
    this.#host = options.host;
    this.#timeScale = options.timeScale ?? 1;
    this.#now = options.now ?? Date.now;
    this.#measure = options.measure ?? (() => undefined);
    this.#deliveries = new Deliveries({
      measure: this.#measure,
      store: this.#store,
      sender: options.sender,
      log: (fn, line) => this.#host.log(fn, line),
      enqueue: (event, functionArn) => this.accept(event, functionArn),
      clock: () => this.#clock(),
      functionArn: (name) => this.#host.settings(name, undefined)?.functionArn,
    });
  }

  /** Take up what a previous run left: queued, retrying and cut-off events, and undelivered records. */
  resume(): void {
    const now = this.#now();
    for (const row of this.#store.events()) {
      // An attempt cut off by a stop is not the function's failure: it runs again now.
      const pending: Pending = { ...row, state: row.state === 'in-flight' ? 'queued' : row.state, dueAt: row.state === 'in-flight' ? now : row.dueAt, throttles: 0 };
      this.#push(pending);
    }
    this.#deliveries.resume();
    this.#pump();
  }

  /**
   * Accept one event: resolves with its request id once it is on disk (the 202 may be sent).
   * A chain that reached this function 16 times already is stopped here (the event goes to the
   * failure destinations without running).
   */
  async accept(event: EventToQueue, functionArn: string): Promise<string> {
    const allow = this.#host.settings(event.functionName, event.qualifier)?.allowRecursion === true;
    const step = stepLineage(event.traceId, functionArn, () => this.#host.newTraceId(), allow);
    const row = await this.#enqueue({ ...event, traceId: step.stop ? (event.traceId ?? this.#host.newTraceId()) : step.traceHeader, paused: step.stop });
    if (step.stop) {
      this.#host.log(event.functionName, `Lamina: recursive loop stopped: ${event.functionName} was reached ${step.round - 1} times in one chain (event ${row.requestId}); the event goes to its failure destination`);
      this.#store.count(event.functionName, 'RecursiveInvocationsDropped');
      this.#measure(event.functionName, 'RecursiveInvocationsDropped', 1);
      this.#giveUp(row, 'RetriesExhausted', { kind: 'recursion' });
    }
    return row.requestId;
  }

  /** A concurrency slot was freed somewhere: throttled functions may try again. */
  capacityFreed(): void {
    if ((this.#paused.size === 0 && !this.#waitingWarm) || this.#stopped) return;
    this.#paused.clear();
    this.#waitingWarm = false;
    this.#pump();
  }

  /** Events waiting in memory, by function (for status and tests). */
  waiting(functionName: string): number {
    return this.#byFunction.get(functionName)?.size ?? 0;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Stop starting events; attempts still running are left in flight on disk and run again at the next start. */
  stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#deliveries.stop();
    return this.#store.close();
  }

  #clock(): RetryClock {
    return { nowMs: this.#now(), timeScale: this.#timeScale };
  }

  async #enqueue(event: EventToQueue & { readonly paused?: boolean }): Promise<Pending> {
    const now = this.#now();
    const row = {
      requestId: this.#host.newRequestId(),
      functionName: event.functionName,
      qualifier: event.qualifier ?? null,
      clientContext: event.clientContext ?? null,
      traceId: event.traceId ?? null,
      tenantId: event.tenantId ?? null,
      acceptedAt: now,
      attempts: 0,
      retriesUsed: 0,
      state: 'queued' as const,
      dueAt: now,
      lastError: null,
    };
    this.#store.count(event.functionName, 'AsyncEventsReceived');
    this.#measure(event.functionName, 'AsyncEventsReceived', 1);
    const seq = await this.#store.insert(row, event.payload);
    const keep = event.payload.length <= KEPT_PAYLOAD_MAX && this.#keptBytes + event.payload.length <= KEPT_PAYLOAD_BYTES;
    if (keep) this.#keptBytes += event.payload.length;
    const pending: Pending = { ...row, seq, throttles: 0, kept: keep ? event.payload : undefined };
    if (event.paused !== true && !this.#stopped) {
      this.#push(pending);
      this.#pump();
    }
    return pending;
  }

  #push(pending: Pending): void {
    let heap = this.#byFunction.get(pending.functionName);
    if (heap === undefined) {
      heap = new DueHeap();
      this.#byFunction.set(pending.functionName, heap);
    }
    heap.push(pending);
  }

  /** Start every event that is due, function by function, until each is throttled or empty. */
  #pump(): void {
    if (this.#stopped) return;
    const now = this.#now();
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const [fn, heap] of this.#byFunction) {
      const pausedUntil = this.#paused.get(fn);
      if (pausedUntil !== undefined && pausedUntil > now) {
        wakeAt = Math.min(wakeAt, pausedUntil);
        continue;
      }
      this.#paused.delete(fn);
      for (let head = heap.peek(); head !== undefined; head = heap.peek()) {
        if (head.dueAt > now) {
          wakeAt = Math.min(wakeAt, head.dueAt);
          break;
        }
        const until = this.#tryHead(heap, head, now);
        if (until !== undefined) {
          wakeAt = Math.min(wakeAt, until);
          break;
        }
      }
      if (heap.size === 0) this.#byFunction.delete(fn);
    }
    this.#arm(wakeAt);
  }

  /** Try the head of a function's queue; returns the time to wait when the function is throttled. */
  #tryHead(heap: DueHeap<Pending>, head: Pending, now: number): number | undefined {
    const settings = this.#host.settings(head.functionName, head.qualifier ?? undefined);
    if (settings === undefined) {
      heap.pop();
      this.#giveUp(head, 'RetriesExhausted', { kind: 'gone' });
      return undefined;
    }
    if (tooOld(head.acceptedAt, settings.config, { nowMs: now, timeScale: this.#timeScale })) {
      heap.pop();
      this.#giveUp(head, 'EventAgeExceeded', { kind: 'age', lastError: head.lastError ?? undefined });
      return undefined;
    }
    // Scale out one environment at a time: while an attempt of this function waits for a new
    // environment, the next one waits for a warm environment (or that one) rather than starting
    // another cold; a backlog of short events is drained by warm environments, not by a storm of
    // cold starts (docs/async-invocation.md, "Delivery").
    const cold = this.#host.idle(head.functionName, head.qualifier ?? undefined) === 0;
    if (cold && (this.#coldStarts.get(head.functionName) ?? 0) > 0) {
      this.#waitingWarm = true;
      return now + WARM_WAIT_FALLBACK_MS;
    }
    const payload = head.kept ?? this.#store.payload(head.seq);
    if (payload === undefined) {
      heap.pop();
      return undefined;
    }
    const attempt = head.attempts + 1;
    const started = this.#host.start({
      functionName: head.functionName,
      qualifier: head.qualifier ?? undefined,
      requestId: head.requestId,
      payload,
      clientContext: head.clientContext ?? undefined,
      traceId: head.traceId ?? this.#host.newTraceId(),
      tenantId: head.tenantId ?? undefined,
      attempt,
    });
    if (typeof started === 'string') {
      head.throttles += 1;
      const next = afterThrottle(head.throttles, head.acceptedAt, settings.config, { nowMs: now, timeScale: this.#timeScale });
      if (next.kind === 'give-up') {
        heap.pop();
        this.#giveUp(head, next.condition, { kind: 'age', lastError: `throttled (${started})` });
        return undefined;
      }
      this.#paused.set(head.functionName, next.atMs);
      return next.atMs;
    }
    heap.pop();
    this.#release(head);
    this.#inFlight += 1;
    if (cold) this.#coldStarts.set(head.functionName, (this.#coldStarts.get(head.functionName) ?? 0) + 1);
    this.#store.count(head.functionName, 'AsyncEventAge.sum', now - head.acceptedAt);
    this.#store.count(head.functionName, 'AsyncEventAge.count');
    this.#store.maximum(head.functionName, 'AsyncEventAge.max', now - head.acceptedAt);
    this.#measure(head.functionName, 'AsyncEventAge', now - head.acceptedAt);
    const running: Pending = { ...head, attempts: attempt, state: 'in-flight', throttles: 0 };
    this.#store.post({ op: 'in-flight', seq: head.seq, attempts: attempt });
    const settle = (outcome: AttemptOutcome): void => {
      if (cold) this.#coldStarts.set(head.functionName, (this.#coldStarts.get(head.functionName) ?? 1) - 1);
      this.#settle(running, settings, payload, outcome);
    };
    started.outcome.then(
      (outcome) => settle(outcome),
      (error: unknown) => settle({ kind: 'function-error', executedVersion: '$LATEST', errorType: 'Lamina.InternalError', body: Buffer.from(JSON.stringify({ errorType: 'Lamina.InternalError', errorMessage: String(error) })) }),
    );
    return undefined;
  }

  #settle(event: Pending, settings: EventSettings, payload: Buffer, outcome: AttemptOutcome): void {
    this.#inFlight -= 1;
    // After stop, the store is closed: the attempt stays in flight on disk and runs again.
    if (this.#stopped) return;
    if (outcome.kind === 'success') {
      this.#store.post({ op: 'delete-event', seq: event.seq });
      this.#deliveries.succeeded(event, settings, payload, outcome);
    } else {
      const next = afterFunctionError(event.retriesUsed, event.acceptedAt, settings.config, this.#clock());
      if (next.kind === 'give-up') {
        this.#giveUp(event, next.condition, { kind: 'function-error', outcome }, payload, settings);
      } else {
        const lastError = `${outcome.errorType}`;
        const retry: Pending = { ...event, state: 'retrying', retriesUsed: event.retriesUsed + 1, dueAt: next.atMs, lastError };
        this.#store.post({ op: 'retrying', seq: event.seq, retriesUsed: retry.retriesUsed, dueAt: retry.dueAt, lastError });
        this.#push(retry);
      }
    }
    this.#pump();
  }

  /** The event leaves the queue in memory: its kept payload no longer counts. */
  #release(event: Pending): void {
    if (event.kept === undefined) return;
    this.#keptBytes -= event.kept.length;
    event.kept = undefined;
  }

  #giveUp(event: Pending, condition: 'RetriesExhausted' | 'EventAgeExceeded', cause: FailureCause, payload?: Buffer, settings?: EventSettings): void {
    const known = settings ?? this.#host.settings(event.functionName, event.qualifier ?? undefined);
    const body = payload ?? event.kept ?? this.#store.payload(event.seq) ?? Buffer.alloc(0);
    this.#release(event);
    this.#deliveries.failed(event, known, body, condition, cause);
  }

  #arm(at: number): void {
    if (at === Number.POSITIVE_INFINITY || this.#stopped) return;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, Math.max(0, at - this.#now()));
    this.#timer.unref();
  }
}
