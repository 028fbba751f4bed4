/**
 * The read-only status of the event queue (src/async/queue-status.ts) from a file with events in
 * every state, given-up events, pending deliveries and metrics; files it cannot read.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStore } from '../../src/async/event-store.js';
import { readQueueStatus } from '../../src/async/queue-status.js';
import { ConfigError } from '../../src/errors.js';
import { fillQueue, QUEUE_FIXTURE } from '../helpers/queue-fixture.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-status-'));
  dirs.push(dir);
  return join(dir, 'events.db');
}

const iso = (ms: number): string => new Date(ms).toISOString();

describe('readQueueStatus', () => {
  it('counts every state per function, sorted by name, with functions known only from metrics, failures or deliveries', async () => {
    const path = dbPath();
    await fillQueue(path);
    const status = readQueueStatus(path);
    expect(status.functions.map((f) => f.functionName)).toEqual(['alpha', 'beta', 'delta', 'epsilon', 'gamma']);
    const by = Object.fromEntries(status.functions.map((f) => [f.functionName, f]));
    expect(by.beta).toMatchObject({ queued: 3, inFlight: 1, retrying: 2, failed: 2, pendingDeliveries: QUEUE_FIXTURE.outbox.beta });
    expect(by.alpha).toMatchObject({ queued: 1, inFlight: 0, retrying: 0, failed: 0, pendingDeliveries: 0 });
    expect(by.gamma).toMatchObject({ queued: 0, failed: 1 });
    expect(by.delta).toMatchObject({ queued: 0, failed: 0, pendingDeliveries: 2 });
  });

  it('reports the metrics, the age average rounded, and no age when none was measured', async () => {
    const path = dbPath();
    await fillQueue(path);
    const by = Object.fromEntries(readQueueStatus(path).functions.map((f) => [f.functionName, f.metrics]));
    expect(by.beta).toEqual({ AsyncEventsReceived: 10, AsyncEventsDropped: 2, AsyncEventAgeAverage: 33, AsyncEventAgeMaximum: 70, DestinationDeliveryFailures: 1, RecursiveInvocationsDropped: 0, IteratorAgeAverage: undefined, IteratorAgeMaximum: undefined });
    expect(by.epsilon).toEqual({ AsyncEventsReceived: 0, AsyncEventsDropped: 0, AsyncEventAgeAverage: undefined, AsyncEventAgeMaximum: undefined, DestinationDeliveryFailures: 0, RecursiveInvocationsDropped: 4, IteratorAgeAverage: 150, IteratorAgeMaximum: 200 });
  });

  it('lists the most recent failures first, as many as asked, with ISO times', async () => {
    const path = dbPath();
    await fillQueue(path);
    const expected = [...QUEUE_FIXTURE.failed].reverse().map((f) => ({ ...f, acceptedAt: iso(f.acceptedAt), failedAt: iso(f.failedAt) }));
    expect(readQueueStatus(path).recentFailures).toEqual(expected);
    expect(readQueueStatus(path, 2).recentFailures).toEqual(expected.slice(0, 2));
    expect(readQueueStatus(path, 0).recentFailures).toEqual([]);
  });

  it('is empty for a new queue', async () => {
    const path = dbPath();
    await EventStore.open(path).close();
    expect(readQueueStatus(path)).toEqual({ functions: [], recentFailures: [] });
  });

  it('reads while lamina serve holds the queue open, and sees what it committed', async () => {
    const path = dbPath();
    const store = EventStore.open(path);
    try {
      await store.insert({ requestId: 'live', functionName: 'fn', qualifier: null, clientContext: null, traceId: null, tenantId: null, acceptedAt: 0, attempts: 0, retriesUsed: 0, state: 'queued', dueAt: 0, lastError: null }, Buffer.from('{}'));
      expect(readQueueStatus(path).functions).toMatchObject([{ functionName: 'fn', queued: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('says there is no queue yet when the file is missing', () => {
    const path = dbPath();
    expect(() => readQueueStatus(path)).toThrow(ConfigError);
    expect(() => readQueueStatus(path)).toThrow(`No event queue at ${path}`);
  });

  it('refuses a queue written by a newer Lamina rather than misread it', async () => {
    const path = dbPath();
    await fillQueue(path);
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => readQueueStatus(path)).toThrow(/cannot be read: it was written by a newer Lamina \(schema 99/);
  });

  it('refuses garbage and a foreign SQLite file, and changes neither', () => {
    const garbage = dbPath();
    writeFileSync(garbage, Buffer.alloc(4096, 0x42));
    const foreign = dbPath();
    const db = new Database(foreign);
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY)');
    db.close();
    for (const path of [garbage, foreign]) {
      const before = readFileSync(path);
      expect(() => readQueueStatus(path)).toThrow(ConfigError);
      expect(() => readQueueStatus(path)).toThrow(`Event queue ${path} cannot be read`);
      expect(readFileSync(path).equals(before)).toBe(true);
    }
  });
});
