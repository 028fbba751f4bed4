/**
 * SQS event source mappings on FIFO queues (src/event-sources/sqs/sqs-poller.ts), on real runtime
 * processes: in order within a message group, groups in parallel, and a failing message that
 * blocks its own group only, until the redrive policy moves it to the dead-letter queue.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bootstrapFunction } from '../../helpers/function-config.js';
import { queueDefinition } from '../../services/sqs/sqs-test-server.js';
import { MappingHarness } from './sqs-mapping-harness.js';

// Polls wait out visibility timeouts and long polls; a loaded machine (the full suite on 2 cores) needs room.
vi.setConfig({ testTimeout: 60_000 });

let harness: MappingHarness | undefined;
afterEach(async () => { await harness?.stop(); harness = undefined; });

const consumer = bootstrapFunction('consumer', {}, 'sqs-batch');

describe('FIFO queues', () => {
  it('keeps each group in order under parallel pollers and several environments', async () => {
    const queue = queueDefinition('orders.fifo');
    harness = await MappingHarness.start([queue], [consumer]);
    const h = harness;
    const groups = ['g1', 'g2', 'g3', 'g4'];
    const messages = Array.from({ length: 40 }, (_, i) => ({ group: groups[i % 4] as string, body: `{"group":"${groups[i % 4]}","seq":${Math.floor(i / 4)},"sleepMs":${i % 3 === 0 ? 20 : 0}}` }));
    h.poll(queue, 'consumer', { batchSize: 3 });
    await h.send('orders.fifo', messages);
    await expect.poll(() => h.deliveries('consumer').length, { timeout: 20_000 }).toBe(40);
    for (const g of groups) {
      const seqs = h.deliveries('consumer').map((d) => JSON.parse(d.body) as { group: string; seq: number }).filter((b) => b.group === g).map((b) => b.seq);
      expect(seqs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    // A batch holds one group only.
    const groupsOfInvoke = new Map<string, Set<string>>();
    for (const d of h.deliveries('consumer')) {
      const set = groupsOfInvoke.get(d.requestId) ?? new Set<string>();
      set.add((JSON.parse(d.body) as { group: string }).group);
      groupsOfInvoke.set(d.requestId, set);
    }
    expect([...groupsOfInvoke.values()].every((s) => s.size === 1)).toBe(true);
    expect(h.batches('consumer').every((n) => n <= 3)).toBe(true);
    await expect.poll(() => h.depth('orders.fifo'), { timeout: 20_000 }).toBe(0);
  });

  it('a failing message blocks its group, not the others, until it reaches the DLQ', async () => {
    const dlq = queueDefinition('blocked-dlq.fifo');
    const queue = queueDefinition('blocked.fifo', { visibilityTimeout: 2, redrive: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 } });
    harness = await MappingHarness.start([queue, dlq], [consumer]);
    const h = harness;
    // One poller receiving one message at a time: the order of invokes is the order of receives.
    h.poll(queue, 'consumer', { batchSize: 1 }, { scaling: { initial: 1, perMinute: 0 } });
    await h.send('blocked.fifo', [
      { group: 'bad', body: '{"fail":true,"n":"bad-1"}' }, { group: 'bad', body: '{"n":"bad-2"}' },
      { group: 'good', body: '{"n":"good-1"}' }, { group: 'good', body: '{"n":"good-2"}' }, { group: 'good', body: '{"n":"good-3"}' },
    ]);
    await expect.poll(() => h.deliveries('consumer').map((d) => (JSON.parse(d.body) as { n: string }).n), { timeout: 20_000 })
      .toEqual(['bad-1', 'good-1', 'good-2', 'good-3', 'bad-2']);
    expect(h.deliveries('consumer').map((d) => d.receiveCount)).toEqual([1, 1, 1, 1, 1]);
    expect(await h.drain('blocked-dlq.fifo')).toEqual(['{"fail":true,"n":"bad-1"}']);
    await expect.poll(() => h.depth('blocked.fifo'), { timeout: 20_000 }).toBe(0);
  });
});
