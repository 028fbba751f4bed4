/**
 * How an SQS mapping's pollers scale (src/event-sources/sqs/sqs-poller.ts), on real runtime
 * processes: five at start, more while receives come back full, never past MaximumConcurrency;
 * and a stop that lets the invoke under way finish and settle its batch.
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

describe('scaling', () => {
  it('adds pollers under a backlog up to MaximumConcurrency (time scaled), and delivers everything once', async () => {
    const queue = queueDefinition('backlog');
    harness = await MappingHarness.start([queue], [consumer]);
    const h = harness;
    await h.send('backlog', Array.from({ length: 60 }, (_, i) => `{"i":${i},"sleepMs":30}`));
    // One poller a minute becomes one every 60 ms.
    const poller = h.poll(queue, 'consumer', { batchSize: 1, maximumConcurrency: 7 }, { timeScale: 0.001 });
    expect(poller.stats.pollers).toBe(5);
    await expect.poll(() => h.deliveries('consumer').length, { timeout: 20_000 }).toBe(60);
    expect(poller.stats.peakPollers).toBe(7);
    expect(new Set(h.deliveries('consumer').map((d) => d.messageId)).size).toBe(60);
    await expect.poll(() => h.depth('backlog'), { timeout: 20_000 }).toBe(0);
  });

  it('a MaximumConcurrency under five starts that many pollers; none are added without a backlog', async () => {
    const capped = queueDefinition('capped');
    const idle = queueDefinition('idle');
    harness = await MappingHarness.start([capped, idle], [consumer]);
    const h = harness;
    expect(h.poll(capped, 'consumer', { maximumConcurrency: 2 }).stats.pollers).toBe(2);
    const quiet = h.poll(idle, 'consumer', {}, { timeScale: 0.001 });
    await h.send('idle', ['one']);
    await expect.poll(() => h.deliveries('consumer').length, { timeout: 30_000 }).toBe(1);
    expect(quiet.stats.peakPollers).toBe(5);
  });

  it('stop waits for the invoke under way and deletes its batch', async () => {
    const queue = queueDefinition('inflight');
    harness = await MappingHarness.start([queue], [consumer]);
    const h = harness;
    const poller = h.poll(queue, 'consumer');
    await h.send('inflight', ['{"sleepMs":400}']);
    await expect.poll(() => h.deliveries('consumer').length, { timeout: 30_000 }).toBe(1);
    await poller.stop();
    expect(poller.stats).toMatchObject({ invocations: 1, deleted: 1, pollers: 0 });
    expect(await h.depth('inflight')).toBe(0);
  });
});
