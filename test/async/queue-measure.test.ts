/**
 * The event queue's measurements (`measure`, for `/metrics`, docs/metrics.md): received, age at
 * delivery, dropped, and failed sends, with a dead-letter queue's counted as DeadLetterErrors and
 * a destination's as DestinationDeliveryFailures, as CloudWatch counts them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncTarget, TargetSender } from '../../src/async/async-types.js';
import { EventQueue, type QueueHost, type QueueMeasure } from '../../src/async/event-queue.js';
import { MemoryStore } from '../../src/async/memory-store.js';

const queues: EventQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop()));
});

const sqs = (name: string): AsyncTarget & { kind: 'sqs' } => ({ kind: 'sqs', arn: `arn:aws:sqs:us-east-1:000000000000:${name}`, queueName: name, region: 'us-east-1', accountId: '000000000000' });

function host(outcome: 'success' | 'function-error'): QueueHost {
  let n = 0;
  return {
    settings: () => ({ functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn', config: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60, onFailure: sqs('failures') }, deadLetter: sqs('dead') }),
    idle: () => 1,
    start: () => ({
      outcome: Promise.resolve(outcome === 'success' ? { kind: 'success', executedVersion: '$LATEST', payload: Buffer.from('{}') } : { kind: 'function-error', executedVersion: '$LATEST', errorType: 'Error', body: Buffer.from('{"errorType":"Error"}') }),
    }),
    log: () => undefined,
    newTraceId: () => 'Root=1-00000000-000000000000000000000000;Sampled=0',
    newRequestId: () => `req-${(n += 1)}`,
  };
}

/** Refuses every send, as an unreachable queue would. */
const refusing: TargetSender = { send: () => Promise.reject(new Error('unreachable')), close: () => undefined };

function queue(outcome: 'success' | 'function-error', measured: Array<[string, string, number]>): EventQueue {
  const measure: QueueMeasure = (fn, name, value) => measured.push([fn, name, value]);
  const q = new EventQueue({ store: new MemoryStore(), host: host(outcome), sender: refusing, timeScale: 0.0001, measure });
  queues.push(q);
  q.resume();
  return q;
}

const event = { functionName: 'fn', qualifier: undefined, payload: Buffer.from('{}'), clientContext: undefined, traceId: undefined, tenantId: undefined };

describe('the event queue measures', () => {
  it('an event received and handed over, with its age', async () => {
    const measured: Array<[string, string, number]> = [];
    await queue('success', measured).accept(event, 'arn:aws:lambda:us-east-1:000000000000:function:fn');
    await expect.poll(() => measured.map(([, name]) => name)).toEqual(['AsyncEventsReceived', 'AsyncEventAge']);
    expect(measured[0]).toEqual(['fn', 'AsyncEventsReceived', 1]);
    expect(measured[1]?.[2]).toBeGreaterThanOrEqual(0);
  });

  it('a dropped event, its OnFailure send failing as DestinationDeliveryFailures and its dead-letter send as DeadLetterErrors', async () => {
    const measured: Array<[string, string, number]> = [];
    await queue('function-error', measured).accept(event, 'arn:aws:lambda:us-east-1:000000000000:function:fn');
    await expect.poll(() => measured.filter(([, name]) => name === 'DeadLetterErrors').length).toBeGreaterThan(0);
    await expect.poll(() => measured.filter(([, name]) => name === 'DestinationDeliveryFailures').length).toBeGreaterThan(0);
    expect(measured.filter(([, name]) => name === 'AsyncEventsDropped')).toEqual([['fn', 'AsyncEventsDropped', 1]]);
  });
});
