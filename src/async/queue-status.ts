/**
 * What the event queue holds, per function, read from its file (`lamina events`,
 * docs/async-invocation.md). Opened read-only: a running `lamina serve` keeps writing meanwhile
 * (WAL lets one writer and readers share the file).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { SCHEMA_VERSION } from './store-schema.js';

/** One function's line. Ages are in ms. */
export interface FunctionQueueStatus {
  readonly functionName: string;
  readonly queued: number;
  readonly inFlight: number;
  readonly retrying: number;
  /** Events given up on that the file still lists (the newest 10,000 overall). */
  readonly failed: number;
  /** The metrics Lambda publishes for asynchronous invocation, since the file was created. */
  readonly metrics: {
    readonly AsyncEventsReceived: number;
    readonly AsyncEventsDropped: number;
    readonly AsyncEventAgeAverage: number | undefined;
    readonly AsyncEventAgeMaximum: number | undefined;
    readonly DestinationDeliveryFailures: number;
    readonly RecursiveInvocationsDropped: number;
    /** Stream mappings (docs/event-sources-kinesis.md): the age of each invoke's newest record, in ms. */
    readonly IteratorAgeAverage: number | undefined;
    readonly IteratorAgeMaximum: number | undefined;
  };
  /** Destination deliveries still to make. */
  readonly pendingDeliveries: number;
}

export interface FailedEvent {
  readonly requestId: string;
  readonly functionName: string;
  readonly condition: string;
  readonly error: string | null;
  readonly attempts: number;
  readonly acceptedAt: string;
  readonly failedAt: string;
}

export interface QueueStatus {
  readonly functions: FunctionQueueStatus[];
  readonly recentFailures: FailedEvent[];
}

/**
 * @throws ConfigError when the file is missing or unreadable.
 * @example
 * const status = readQueueStatus('/root/.cache/lamina/state/template-1b2c/events.db', 20);
 */
export function readQueueStatus(path: string, failures = 20): QueueStatus {
  if (!existsSync(path)) throw new ConfigError(`No event queue at ${path}: no Event invoke was accepted with this state directory yet`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new ConfigError(`Event queue ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    // As EventStore.open: a file from a newer Lamina is refused rather than misread.
    if (version > SCHEMA_VERSION) throw new Error(`it was written by a newer Lamina (schema ${version}, this one reads ${SCHEMA_VERSION})`);
    const names = new Set<string>();
    const states = db.prepare('SELECT function AS fn, state, COUNT(*) AS n FROM events GROUP BY function, state').all() as Array<{ fn: string; state: string; n: number }>;
    const failed = db.prepare('SELECT function AS fn, COUNT(*) AS n FROM failed GROUP BY function').all() as Array<{ fn: string; n: number }>;
    const metrics = db.prepare('SELECT function AS fn, name, value FROM metrics').all() as Array<{ fn: string; name: string; value: number }>;
    const outbox = db.prepare('SELECT function AS fn, COUNT(*) AS n FROM outbox GROUP BY function').all() as Array<{ fn: string; n: number }>;
    for (const row of [...states, ...failed, ...metrics, ...outbox]) names.add(row.fn);
    // Keyed once: a state directory of many functions is read in one pass, not one scan per cell.
    const metricValues = new Map(metrics.map((m) => [`${m.fn}\u0000${m.name}`, m.value]));
    const stateCounts = new Map(states.map((r) => [`${r.fn}\u0000${r.state}`, r.n]));
    const failedCounts = new Map(failed.map((r) => [r.fn, r.n]));
    const outboxCounts = new Map(outbox.map((r) => [r.fn, r.n]));
    const metric = (fn: string, name: string): number | undefined => metricValues.get(`${fn}\u0000${name}`);
    const state = (fn: string, s: string): number => stateCounts.get(`${fn}\u0000${s}`) ?? 0;
    const functions = [...names].sort().map((fn): FunctionQueueStatus => {
      const ageCount = metric(fn, 'AsyncEventAge.count') ?? 0;
      const iteratorCount = metric(fn, 'IteratorAge.count') ?? 0;
      return {
        functionName: fn,
        queued: state(fn, 'queued'),
        inFlight: state(fn, 'in-flight'),
        retrying: state(fn, 'retrying'),
        failed: failedCounts.get(fn) ?? 0,
        metrics: {
          AsyncEventsReceived: metric(fn, 'AsyncEventsReceived') ?? 0,
          AsyncEventsDropped: metric(fn, 'AsyncEventsDropped') ?? 0,
          AsyncEventAgeAverage: ageCount === 0 ? undefined : Math.round((metric(fn, 'AsyncEventAge.sum') ?? 0) / ageCount),
          AsyncEventAgeMaximum: metric(fn, 'AsyncEventAge.max'),
          DestinationDeliveryFailures: metric(fn, 'DestinationDeliveryFailures') ?? 0,
          RecursiveInvocationsDropped: metric(fn, 'RecursiveInvocationsDropped') ?? 0,
          IteratorAgeAverage: iteratorCount === 0 ? undefined : Math.round((metric(fn, 'IteratorAge.sum') ?? 0) / iteratorCount),
          IteratorAgeMaximum: metric(fn, 'IteratorAge.max'),
        },
        pendingDeliveries: outboxCounts.get(fn) ?? 0,
      };
    });
    const rows = db.prepare('SELECT request_id AS requestId, function AS functionName, condition, error, attempts, accepted_at AS acceptedAt, failed_at AS failedAt FROM failed ORDER BY id DESC LIMIT ?').all(failures) as Array<Omit<FailedEvent, 'acceptedAt' | 'failedAt'> & { acceptedAt: number; failedAt: number }>;
    const recentFailures = rows.map((r) => ({ ...r, acceptedAt: new Date(r.acceptedAt).toISOString(), failedAt: new Date(r.failedAt).toISOString() }));
    return { functions, recentFailures };
  } catch (error) {
    throw new ConfigError(`Event queue ${path} cannot be read: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}
