/**
 * The durable event queue on real runtime processes (src/async/event-queue.ts): retries of
 * function errors at Lambda's delays (scaled), REPORT lines of retries, destinations with the
 * invocation record, the maximum event age under throttling, restarts, and the recursion stop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncInvokeConfig, AsyncTarget } from '../../src/async/async-types.js';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { EventStore } from '../../src/async/event-store.js';
import { Platform } from '../../src/platform/platform.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

const SCALE = 0.001; // 1 min -> 60 ms, 6 h -> 21.6 s
let platforms: Platform[] = [];
let dirs: string[] = [];
const output: string[] = [];
afterEach(async () => {
  await Promise.all(platforms.map((p) => p.stop()));
  platforms = [];
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
  output.length = 0;
});

function fnTarget(name: string): AsyncTarget {
  return { kind: 'function', arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, functionName: name };
}

function recorder(name: string, config?: Partial<AsyncInvokeConfig>, overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  const async = config === undefined ? undefined : { byQualifier: { $LATEST: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600, ...config } } };
  return bootstrapFunction(name, { ...(async === undefined ? {} : { async }), ...overrides }, 'recorder');
}

/** A platform whose events are kept in `stateDir`'s queue file, or in memory without one. */
function start(functions: FunctionConfig[], stateDir?: string): Platform {
  const store = stateDir === undefined ? undefined : EventStore.open(join(stateDir, 'events.db'));
  const p = new Platform({ functions, logOutput: (text) => output.push(text), events: { store, timeScale: SCALE } });
  platforms.push(p);
  return p;
}

function received(fn: string): Array<{ requestId: string; trace: string; body: string }> {
  const out = [];
  for (const line of output.join('').split('\n')) {
    const m = new RegExp(`^\\[${fn}\\] RECEIVED (\\S+) (\\S+) (.*)$`).exec(line);
    if (m !== null) out.push({ requestId: m[1] as string, trace: m[2] as string, body: m[3] as string });
  }
  return out;
}

async function accept(p: Platform, fn: string, event: unknown): Promise<string> {
  return (await p.accept(invokeRequest(fn, event, { invocationType: 'Event' }))).requestId;
}

describe('retries of function errors', () => {
  it('retries twice at the scaled delays, shows the attempt on REPORT, then sends the record to OnFailure', async () => {
    const p = start([recorder('failing', { onFailure: fnTarget('sink') }), recorder('sink')]);
    const id = await accept(p, 'failing', { fail: 'always' });
    await expect.poll(() => received('sink').length, { timeout: 10_000 }).toBe(1);
    const attempts = received('failing').filter((r) => r.requestId === id);
    expect(attempts).toHaveLength(3);
    const text = output.join('');
    expect(text).toMatch(new RegExp(`REPORT RequestId: ${id}[^\\n]*Attempt: 2`));
    expect(text).toMatch(new RegExp(`REPORT RequestId: ${id}[^\\n]*Attempt: 3`));
    expect(text).not.toMatch(new RegExp(`REPORT RequestId: ${id}[^\\n]*Attempt: 4`));
    const record = JSON.parse((received('sink')[0] as { body: string }).body) as Record<string, unknown>;
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: { requestId: id, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:failing:$LATEST', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { fail: 'always' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Failed', errorMessage: 'always' },
    });
    expect(Object.keys(record)).toEqual(['version', 'timestamp', 'requestContext', 'requestPayload', 'responseContext', 'responsePayload']);
    expect(text).toContain(`event ${id} dropped (RetriesExhausted after 3 attempt(s), Function.Failed); sent to its OnFailure destination`);
  });

  it('sends a record to OnSuccess when a retry succeeds, with the attempts counted', async () => {
    const p = start([recorder('flaky', { onSuccess: fnTarget('sink'), onFailure: fnTarget('never') }), recorder('sink'), recorder('never')]);
    const id = await accept(p, 'flaky', { failTimes: 1, key: 'k' });
    await expect.poll(() => received('sink').length, { timeout: 10_000 }).toBe(1);
    const record = JSON.parse((received('sink')[0] as { body: string }).body) as Record<string, unknown>;
    expect(record).toMatchObject({ requestContext: { requestId: id, condition: 'Success', approximateInvokeCount: 2 }, responseContext: { statusCode: 200, executedVersion: '$LATEST' }, responsePayload: { failTimes: 1, key: 'k' } });
    expect((record.responseContext as Record<string, unknown>).functionError).toBeUndefined();
    expect(received('never')).toHaveLength(0);
  });

  it('makes one attempt only with MaximumRetryAttempts 0', async () => {
    const p = start([recorder('once', { maximumRetryAttempts: 0, onFailure: fnTarget('sink') }), recorder('sink')]);
    const id = await accept(p, 'once', { fail: 'no retry' });
    await expect.poll(() => received('sink').length, { timeout: 10_000 }).toBe(1);
    expect(received('once').filter((r) => r.requestId === id)).toHaveLength(1);
    expect(JSON.parse((received('sink')[0] as { body: string }).body)).toMatchObject({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 } });
  });

  it('retries a timeout and a crash as function errors', async () => {
    const p = start([recorder('crashing', { maximumRetryAttempts: 1, onFailure: fnTarget('sink') }), recorder('sink')]);
    const id = await accept(p, 'crashing', { exit: 3 });
    await expect.poll(() => received('sink').length, { timeout: 15_000 }).toBe(1);
    expect(received('crashing').filter((r) => r.requestId === id)).toHaveLength(2);
    expect(JSON.parse((received('sink')[0] as { body: string }).body)).toMatchObject({ responsePayload: { errorType: 'Runtime.ExitError' } });
  });
});

describe('throttling and the maximum event age', () => {
  it('keeps a throttled event queued and runs it once a slot frees', async () => {
    const p = start([recorder('one', {}, { reservedConcurrency: 1 })]);
    const busy = p.invoke(invokeRequest('one', { sleepMs: 400 }));
    const id = await accept(p, 'one', { n: 1 });
    await busy;
    await expect.poll(() => received('one').some((r) => r.requestId === id), { timeout: 10_000 }).toBe(true);
  });

  it('drops an event throttled past its maximum age to OnFailure without running it', async () => {
    // 60 s scaled is 60 ms; the slot is held for 1.5 s.
    const p = start([recorder('held', { maximumEventAgeSeconds: 60, onFailure: fnTarget('sink') }, { reservedConcurrency: 1 }), recorder('sink')]);
    const busy = p.invoke(invokeRequest('held', { sleepMs: 1500 }));
    await expect.poll(() => received('held').length, { timeout: 10_000 }).toBe(1);
    const id = await accept(p, 'held', { late: true });
    await expect.poll(() => received('sink').length, { timeout: 10_000 }).toBe(1);
    await busy;
    expect(received('held').some((r) => r.requestId === id)).toBe(false);
    const record = JSON.parse((received('sink')[0] as { body: string }).body) as Record<string, unknown>;
    expect(record).toMatchObject({ requestContext: { requestId: id, condition: 'EventAgeExceeded', approximateInvokeCount: 0 }, requestPayload: { late: true } });
    expect(record.responseContext).toBeUndefined();
  });
});

describe('scaling out', () => {
  it('drains a burst of short events with a few warm environments, not one cold start per event', async () => {
    const p = start([recorder('burst')]);
    const ids = await Promise.all(Array.from({ length: 50 }, (_, n) => accept(p, 'burst', { n })));
    await expect.poll(() => received('burst').length, { timeout: 20_000 }).toBe(50);
    expect(new Set(received('burst').map((r) => r.requestId))).toEqual(new Set(ids));
    // One new environment at a time while a backlog waits (Lambda's account limit would allow 50).
    expect(p.pool('burst')?.size).toBeLessThan(10);
  });
});

describe('durability', () => {
  it('runs a queued event after a restart with its original request id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-queue-'));
    dirs.push(dir);
    const first = start([recorder('slow', {}, { reservedConcurrency: 1 })], dir);
    const busy = first.invoke(invokeRequest('slow', { sleepMs: 2000 }));
    const id = await accept(first, 'slow', { kept: true });
    await first.stop();
    void busy.catch(() => undefined);
    expect(received('slow').some((r) => r.requestId === id)).toBe(false);
    const second = start([recorder('slow')], dir);
    await expect.poll(() => received('slow').some((r) => r.requestId === id), { timeout: 10_000 }).toBe(true);
    // Received by the handler is not yet finished: the queue lets it go once the invoke has answered.
    await expect.poll(() => second.events.inFlight + second.events.waiting('slow'), { timeout: 10_000 }).toBe(0);
  });
});

describe('recursive loops', () => {
  it('stops a chain that comes back to the same function after 16 rounds', async () => {
    const p = start([recorder('loop', { onSuccess: fnTarget('loop'), onFailure: fnTarget('sink') }), recorder('sink')]);
    await accept(p, 'loop', { round: 0 });
    await expect.poll(() => received('sink').length, { timeout: 20_000 }).toBe(1);
    expect(received('loop')).toHaveLength(16);
    expect(received('loop').at(-1)?.trace).toMatch(/;Lineage=1:[0-9a-f]{8}:16$/);
    expect(output.join('')).toContain('recursive loop stopped: loop was reached 16 times in one chain');
    await new Promise((r) => setTimeout(r, 300));
    expect(received('loop')).toHaveLength(16);
  });

  it('lets the chain go on past 16 rounds with RecursiveLoop: Allow', async () => {
    const p = start([recorder('allowed', { onSuccess: fnTarget('allowed'), onFailure: fnTarget('sink') }, { recursiveLoop: 'Allow' }), recorder('sink')]);
    await accept(p, 'allowed', { round: 0 });
    await expect.poll(() => received('allowed').length, { timeout: 20_000 }).toBeGreaterThan(20);
    expect(received('sink')).toHaveLength(0);
    expect(received('allowed').at(-1)?.trace).toMatch(/;Lineage=1:[0-9a-f]{8}:16$/);
  });
});
