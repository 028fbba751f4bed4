/**
 * Which idle environment takes the next invocation (src/platform/function-pool.ts): the most
 * recently idle one (last in, first out). Its runtime's caches are warm and, under a CPU quota,
 * its cgroup has just run; the environments idle longest stay idle and are the ones the idle
 * timeout retires, so a burst that shrinks back leaves few environments behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Observers } from '../../src/observability/platform-observer.js';
import { Platform } from '../../src/platform/platform.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

/** A platform whose observer records which environment (log stream) ran each request and the order environments became idle. */
function observedPlatform(idleTimeoutMs = 60_000): { platform: Platform; streamOf: Map<string, string>; idleOrder: string[] } {
  const streamOf = new Map<string, string>();
  const idleOrder: string[] = [];
  const observers = new Observers();
  observers.add({
    phase: (environment, event, invocation) => {
      if (event.type === 'platform.start' && invocation !== undefined) streamOf.set(invocation.requestId, environment.logStream);
    },
    environment: (environment, state) => {
      if (state === 'idle') idleOrder.push(environment.logStream);
    },
  });
  platform = new Platform({ functions: [bootstrapFunction('lifo')], idleTimeoutMs, observers, logOutput: () => undefined });
  return { platform, streamOf, idleOrder };
}

describe('the next invocation goes to the most recently idle environment', () => {
  it('after three environments become idle in turn, sequential invokes all run in the last one', async () => {
    const { platform: p, streamOf, idleOrder } = observedPlatform();
    // Three at once: three environments, idle again in the order of their sleeps.
    const first = await Promise.all([100, 400, 700].map((sleepMs) => p.invoke(invokeRequest('lifo', { sleepMs }))));
    const streams = first.map((outcome) => streamOf.get(outcome.requestId));
    expect(new Set(streams).size).toBe(3);
    const lastIdle = idleOrder.at(-1);
    expect(lastIdle).toBe(streams[2]);
    for (let i = 0; i < 4; i += 1) {
      const outcome = await p.invoke(invokeRequest('lifo', { echo: i }));
      expect(streamOf.get(outcome.requestId)).toBe(lastIdle);
    }
    expect(p.pool('lifo')?.size).toBe(3);
  });

  it('two sequential callers share the two most recently idle environments and leave the oldest idle', async () => {
    const { platform: p, streamOf } = observedPlatform();
    const first = await Promise.all([100, 400, 700].map((sleepMs) => p.invoke(invokeRequest('lifo', { sleepMs }))));
    const oldest = streamOf.get(first[0]?.requestId ?? '');
    const used = new Set<string | undefined>();
    for (let i = 0; i < 5; i += 1) {
      const pair = await Promise.all([p.invoke(invokeRequest('lifo', { echo: i })), p.invoke(invokeRequest('lifo', { echo: -i }))]);
      for (const outcome of pair) used.add(streamOf.get(outcome.requestId));
    }
    expect(used.has(oldest)).toBe(false);
    expect(used.size).toBeLessThanOrEqual(2);
  });

  it('the idle timeout retires the environments idle longest while the busy one keeps serving', async () => {
    const { platform: p, streamOf } = observedPlatform(600);
    const first = await Promise.all([0, 0, 0].map((sleepMs) => p.invoke(invokeRequest('lifo', { sleepMs }))));
    expect(new Set(first.map((o) => streamOf.get(o.requestId))).size).toBe(3);
    // One caller keeps invoking well past the idle timeout: only its environment survives.
    const kept = new Set<string | undefined>();
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      const outcome = await p.invoke(invokeRequest('lifo', { sleepMs: 20 }));
      kept.add(streamOf.get(outcome.requestId));
    }
    expect(kept.size).toBe(1);
    await expect.poll(() => p.pool('lifo')?.size, { timeout: 5000 }).toBe(1);
  });
});
