/**
 * A durable event queue file with something in every table, written through the real EventStore:
 * for the tests of `lamina events` and the status it reads.
 */
import { EventStore } from '../../src/async/event-store.js';
import type { EventState } from '../../src/async/store-schema.js';

/** What `fillQueue` writes, for the tests to compare against. */
export const QUEUE_FIXTURE = {
  /** function -> state -> count */
  events: { beta: { queued: 3, 'in-flight': 1, retrying: 2 }, alpha: { queued: 1, 'in-flight': 0, retrying: 0 } },
  /** Given-up events, oldest first. */
  failed: [
    { requestId: 'f-1', functionName: 'beta', condition: 'RetriesExhausted', error: 'Unhandled: Error', attempts: 3, acceptedAt: Date.UTC(2026, 0, 1), failedAt: Date.UTC(2026, 0, 1, 0, 3) },
    { requestId: 'f-2', functionName: 'beta', condition: 'EventAgeExceeded', error: null, attempts: 0, acceptedAt: Date.UTC(2026, 0, 2), failedAt: Date.UTC(2026, 0, 2, 6) },
    { requestId: 'f-3', functionName: 'gamma', condition: 'RetriesExhausted', error: 'Function.Timeout', attempts: 1, acceptedAt: Date.UTC(2026, 0, 3), failedAt: Date.UTC(2026, 0, 3, 0, 1) },
  ],
  /** Pending destination deliveries, by function (delta only has these). */
  outbox: { beta: 1, delta: 2 },
} as const;

/**
 * Write the fixture into a new queue file at `path` (through EventStore, committed and closed).
 *
 * @example await fillQueue(join(dir, 'events.db'));
 */
export async function fillQueue(path: string): Promise<void> {
  const store = EventStore.open(path);
  let n = 0;
  const writes: Array<Promise<unknown>> = [];
  for (const [fn, states] of Object.entries(QUEUE_FIXTURE.events)) {
    for (const [state, count] of Object.entries(states)) {
      for (let i = 0; i < count; i += 1) {
        n += 1;
        writes.push(store.insert({ requestId: `e-${n}`, functionName: fn, qualifier: null, clientContext: null, traceId: null, tenantId: null, acceptedAt: n, attempts: state === 'queued' ? 0 : 1, retriesUsed: 0, state: state as EventState, dueAt: n, lastError: null }, Buffer.from('{}')));
      }
    }
  }
  // A given-up event that was never in `events` (seq 0 is never used): the row lands in `failed` only.
  for (const f of QUEUE_FIXTURE.failed) writes.push(store.write({ op: 'fail-event', seq: 0, ...f }));
  for (const [fn, count] of Object.entries(QUEUE_FIXTURE.outbox)) {
    for (let i = 0; i < count; i += 1) writes.push(store.write({ op: 'insert-outbox', id: store.nextOutboxId(), functionName: fn, requestId: 'r', target: '{}', message: '{}', at: 0 }));
  }
  store.count('beta', 'AsyncEventsReceived', 10);
  store.count('beta', 'AsyncEventsDropped', 2);
  store.count('beta', 'AsyncEventAge.count', 3);
  store.count('beta', 'AsyncEventAge.sum', 100);
  store.maximum('beta', 'AsyncEventAge.max', 70);
  store.count('beta', 'DestinationDeliveryFailures', 1);
  store.count('epsilon', 'RecursiveInvocationsDropped', 4);
  // A stream mapping's two invokes, their newest records 100 and 200 ms old.
  store.count('epsilon', 'IteratorAge.sum', 300);
  store.count('epsilon', 'IteratorAge.count', 2);
  store.maximum('epsilon', 'IteratorAge.max', 100);
  store.maximum('epsilon', 'IteratorAge.max', 200);
  await Promise.all(writes);
  await store.close();
}
