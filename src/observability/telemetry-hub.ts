/**
 * The Telemetry API of one execution environment (docs/telemetry.md): its subscribers, and the
 * events they receive: platform phase records, `platform.telemetrySubscription`, and the
 * function's and the extensions' log lines, each in its subscriber's API's shape (the Logs API
 * has its own, src/observability/logs-api-records.ts). Events of the init phase are kept until init ends and replayed to each
 * subscriber, so an extension that subscribes during init still sees `platform.initStart`.
 */
import type { RuntimeApiErrorCode } from '../errors.js';
import type { ExtensionIdentity } from '../runtime-api/runtime-api-target.js';
import type { TelemetrySubscription, TelemetryType } from '../runtime-api/telemetry-subscription.js';
import { TelemetryBatcher, type TelemetryEvent } from './telemetry-batcher.js';
import { senderFor, type Reach } from './telemetry-delivery.js';
import type { PhaseEvent } from './phase-records.js';
import { logsApiEvents } from './logs-api-records.js';

/**
 * Most init-phase events kept for replay (Lambda's largest maxItems), and most bytes of them (its
 * largest maxBytes): a function that prints without end during init costs a bounded amount.
 */
const INIT_BACKLOG_LIMIT = 10_000;
const INIT_BACKLOG_BYTES = 1_048_576;

interface Subscriber {
  readonly types: ReadonlySet<TelemetryType>;
  readonly batcher: TelemetryBatcher;
  /** Subscribed through the Logs API: its own record shapes. */
  readonly logsApi: boolean;
}

/** One published event; `line` is the text of a log line (the Logs API's record for it). */
interface Published {
  readonly event: TelemetryEvent;
  readonly category: TelemetryType;
  readonly line: string | undefined;
}

function objectOr(line: string): unknown {
  if (!line.startsWith('{')) return line;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}

export type SubscribeOutcome = 'subscribed' | 'closed' | 'unreachable';

/**
 * @example
 * const hub = new TelemetryHub(HOST_LOOPBACK);
 * hub.subscribe('ext-id', subscription); // 'subscribed'
 * hub.platform({ type: 'platform.start', record: { requestId: 'abc', version: '$LATEST' } });
 */
export class TelemetryHub {
  /** How the environment's `sandbox.localdomain` is reached from here; none: it is not. */
  readonly #reach: Reach | undefined;
  #subscribers = new Map<string, Subscriber>();
  #backlog: Published[] | undefined = [];
  #backlogBytes = 0;
  #open = true;
  /** The function logs in JSON: a line that is a JSON object is delivered as that object. */
  readonly #jsonLogs: boolean;

  constructor(reach: Reach | undefined, jsonLogs = false) {
    this.#reach = reach;
    this.#jsonLogs = jsonLogs;
  }

  /** A subscribe request from extension `identifier`; a second one from it replaces the first. */
  subscribe(identifier: string, subscription: TelemetrySubscription): SubscribeOutcome {
    if (!this.#open) return 'closed';
    if (this.#reach === undefined || this.#reach.reachable?.() === false) return 'unreachable';
    const batcher = new TelemetryBatcher(subscription.buffering, senderFor(this.#reach, subscription));
    const subscriber: Subscriber = { types: new Set(subscription.types), batcher, logsApi: subscription.api === 'logs' };
    void this.#subscribers.get(identifier)?.batcher.close();
    this.#subscribers.set(identifier, subscriber);
    for (const published of this.#backlog ?? []) this.#deliver(subscriber, published);
    this.#publish('platform', 'platform.telemetrySubscription', { name: identifier, state: 'Subscribed', types: subscription.types });
    return 'subscribed';
  }

  /**
   * A subscribe request as the Runtime API answers it: refused for an identifier `extensions` does
   * not know, after init, or when the subscriber cannot be reached.
   */
  subscribeAs(extensions: ExtensionIdentity, identifier: string, subscription: TelemetrySubscription): RuntimeApiErrorCode | undefined {
    const name = extensions.nameOf(identifier);
    if (name === undefined) return 'LAMINA_ERR_EXTENSION_UNKNOWN';
    const outcome = this.subscribe(name, subscription);
    if (outcome === 'closed') return 'LAMINA_ERR_TELEMETRY_SUBSCRIPTION_CLOSED';
    if (outcome === 'unreachable') return 'LAMINA_ERR_TELEMETRY_UNREACHABLE';
    return undefined;
  }

  /** Init is over: no more subscriptions (Lambda's rule), and the backlog is no longer needed. */
  closeSubscriptions(): void {
    this.#open = false;
    this.#backlog = undefined;
  }

  /** Someone may receive an event published now (a subscriber, or init's replay backlog). */
  get listening(): boolean {
    return this.#backlog !== undefined || this.#subscribers.size > 0;
  }

  platform(event: PhaseEvent): void {
    this.#publish('platform', event.type, event.record);
  }

  /** A fault of the environment's (a runtime that died): the Logs API has a record for it, the Telemetry API none. */
  fault(message: string): void {
    this.#publish('platform', 'platform.fault', message);
  }

  /** A line the function wrote: the line itself (Text format), or its object (JSON format). */
  functionLine(line: string): void {
    if (this.listening) this.#publish('function', 'function', this.#jsonLogs ? objectOr(line) : line, line);
  }

  /** A line an external extension wrote: formatted as the function's lines are. */
  extensionLine(line: string): void {
    if (this.listening) this.#publish('extension', 'extension', this.#jsonLogs ? objectOr(line) : line, line);
  }

  /**
   * The environment is gone: send everything buffered and close the connections. Events published
   * later (the report of an invocation that timed out) still go out, on a new connection.
   */
  async close(): Promise<void> {
    await Promise.all([...this.#subscribers.values()].map((subscriber) => subscriber.batcher.close()));
    this.#reach?.close?.();
  }

  #publish(category: TelemetryType, type: string, record: unknown, line?: string): void {
    // Hot path: after init, an environment nobody subscribed to pays nothing per line.
    if (!this.listening) return;
    const published: Published = { event: { time: new Date().toISOString(), type, record }, category, line };
    if (this.#backlog !== undefined && this.#backlog.length < INIT_BACKLOG_LIMIT) {
      const size = line?.length ?? 256;
      if (this.#backlogBytes + size <= INIT_BACKLOG_BYTES) {
        this.#backlogBytes += size;
        this.#backlog.push(published);
      }
    }
    for (const subscriber of this.#subscribers.values()) this.#deliver(subscriber, published);
  }

  #deliver(subscriber: Subscriber, { event, category, line }: Published): void {
    if (!subscriber.types.has(category)) return;
    if (!subscriber.logsApi) {
      if (event.type !== 'platform.fault') subscriber.batcher.push(event);
      return;
    }
    for (const shaped of logsApiEvents(event, line)) subscriber.batcher.push(shaped);
  }
}
