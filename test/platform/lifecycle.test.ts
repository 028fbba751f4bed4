/**
 * Environment lifecycle beyond a single invoke: idle retirement, init timeout, account-wide
 * throttling, throttled Event invocations, and a runtime that hangs up mid-stream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { Platform, type PlatformOptions } from '../../src/platform/platform.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

let platform: Platform | undefined;
const output: string[] = [];
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  output.length = 0;
});

function start(options: Omit<PlatformOptions, 'logOutput'>): Platform {
  platform = new Platform({ shutdownGraceMs: 200, logOutput: (text) => output.push(text), ...options });
  return platform;
}

function errorOf(outcome: InvokeOutcome): { errorType: string; errorMessage: string } {
  if (outcome.result.kind !== 'function-error') throw new Error(`expected a function error, got ${outcome.result.kind}`);
  return JSON.parse(outcome.result.error.payload.toString()) as { errorType: string; errorMessage: string };
}

describe('idle retirement', () => {
  it('kills an idle runtime without extensions at once by default: no SIGTERM, as Lambda', async () => {
    platform = new Platform({ functions: [bootstrapFunction('quiet')], idleTimeoutMs: 200, logOutput: (text) => output.push(text) });
    await platform.invoke(invokeRequest('quiet', { echo: 1 }));
    await expect.poll(() => platform?.pool('quiet')?.size, { timeout: 5000 }).toBe(0);
    expect(output.join('')).not.toContain('got SIGTERM');
  });

  it('sends SIGTERM to an idle runtime when a grace period is asked for, and forgets the environment', async () => {
    const p = start({ functions: [bootstrapFunction('echo')], idleTimeoutMs: 200 });
    await p.invoke(invokeRequest('echo', { echo: 1 }));
    expect(p.pool('echo')?.size).toBe(1);
    await expect.poll(() => p.pool('echo')?.size, { timeout: 5000 }).toBe(0);
    expect(output.join('')).toContain('[echo] got SIGTERM');
    const again = await p.invoke(invokeRequest('echo', { echo: 2 }));
    expect(again.logs()).toContain('Init Duration');
  });

  it('kills a runtime that ignores SIGTERM after the grace period', async () => {
    const p = start({ functions: [bootstrapFunction('stubborn', { environment: { ECHO_IGNORE_TERM: '1' } })], idleTimeoutMs: 100, shutdownGraceMs: 300 });
    await p.invoke(invokeRequest('stubborn', { echo: 1 }));
    await expect.poll(() => output.join(''), { timeout: 5000 }).toContain('ignoring SIGTERM');
    expect(p.pool('stubborn')?.size).toBe(1);
    await expect.poll(() => p.pool('stubborn')?.size, { timeout: 5000 }).toBe(0);
  });
});

describe('init limit', () => {
  it('fails an init that never reaches /next, twice, and reports a timeout', async () => {
    const p = start({ functions: [bootstrapFunction('hang', { environment: { ECHO_INIT_HANG: '1' } })], initTimeoutMs: 300 });
    const outcome = await p.invoke(invokeRequest('hang', {}));
    expect(errorOf(outcome).errorType).toBe('Sandbox.Timedout');
    expect(outcome.logs()).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: timeout/);
    expect(output.join('')).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: timeout/);
    await expect.poll(() => p.pool('hang')?.size, { timeout: 5000 }).toBe(0);
  });
});

describe('account concurrency', () => {
  it('throttles unreserved functions past the unreserved pool with ConcurrentInvocationLimitExceeded', async () => {
    const p = start({
      functions: [bootstrapFunction('a'), bootstrapFunction('b'), bootstrapFunction('reserved', { reservedConcurrency: 1 })],
      accountConcurrency: 3,
      unreservedMinimum: 0,
    });
    expect(p.admission.unreservedLimit).toBe(2);
    const slow = [p.invoke(invokeRequest('a', { sleepMs: 400 })), p.invoke(invokeRequest('b', { sleepMs: 400 }))];
    const refused = await p.invoke(invokeRequest('a', {})).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ServiceError);
    expect((refused as ServiceError).reason).toBe('ConcurrentInvocationLimitExceeded');
    // the reserved function keeps its own slot
    const reserved = await p.invoke(invokeRequest('reserved', { echo: 'mine' }));
    expect(reserved.result.kind).toBe('response');
    await Promise.all(slow);
    expect((await p.invoke(invokeRequest('a', { echo: 1 }))).result.kind).toBe('response');
  });

  it('throttles every invoke of a function whose reserved concurrency is 0', async () => {
    const p = start({ functions: [bootstrapFunction('off', { reservedConcurrency: 0 })] });
    const refused = await p.invoke(invokeRequest('off', {})).catch((e: unknown) => e);
    expect((refused as ServiceError).reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(p.pool('off')?.size).toBe(0);
  });

  it('refuses reservations larger than the account limit', () => {
    expect(() => new Platform({ functions: [bootstrapFunction('big', { reservedConcurrency: 5 })], accountConcurrency: 4, unreservedMinimum: 0 })).toThrow(/more than the account concurrency limit/);
    // Lambda keeps 100 unreserved: 901 of 1000 is too much, 900 is fine
    expect(() => new Platform({ functions: [bootstrapFunction('big', { reservedConcurrency: 901 })] })).toThrow(/less the 100 that must stay unreserved/);
    expect(() => new Platform({ functions: [bootstrapFunction('big', { reservedConcurrency: 900 })] }).stop()).not.toThrow();
  });
});

describe('Event invocations', () => {
  it('accepts at once and runs a throttled event once a slot frees', async () => {
    const p = start({ functions: [bootstrapFunction('one', { reservedConcurrency: 1 })] });
    const busy = p.invoke(invokeRequest('one', { sleepMs: 300 }));
    const accepted = await p.accept(invokeRequest("one", { log: "event ran" }, { invocationType: "Event" }));
    expect(accepted.requestId).toMatch(/^[0-9a-f-]{36}$/);
    await busy;
    await expect.poll(() => output.join(''), { timeout: 5000 }).toContain('[one] event ran');
    expect(output.join('')).toContain(`START RequestId: ${accepted.requestId}`);
  });

  it('drains the streamed answer of an event, so a large stream does not stall into a timeout', async () => {
    const p = start({ functions: [bootstrapFunction('streamer', { timeout: 3 })] });
    const chunk = 'x'.repeat(256 * 1024);
    const accepted = await p.accept(invokeRequest("streamer", { stream: Array.from({ length: 10 }, () => chunk) }, { invocationType: 'Event' }));
    await expect.poll(() => output.join(''), { timeout: 8000 }).toMatch(new RegExp(`REPORT RequestId: ${accepted.requestId}[^\n]*`));
    const report = new RegExp(`REPORT RequestId: ${accepted.requestId}[^\n]*`).exec(output.join(''))?.[0] ?? '';
    expect(report).not.toContain('Status: timeout');
  });

  it('does not run a DryRun', async () => {
    const p = start({ functions: [bootstrapFunction('echo')] });
    p.accept(invokeRequest('echo', {}, { invocationType: 'DryRun' }));
    await new Promise((r) => setTimeout(r, 100));
    expect(p.pool('echo')?.size).toBe(0);
  });
});

describe('platform stop', () => {
  it('answers an invocation whose cold start is under way when the platform stops (it never hangs)', async () => {
    const p = start({ functions: [bootstrapFunction('cold')] });
    const pending = p.invoke(invokeRequest('cold', { sleepMs: 2000 }));
    await new Promise((r) => setTimeout(r, 5));
    await p.stop();
    const outcome = await pending;
    expect(outcome.result.kind).toBe('function-error');
  });
});

describe('a runtime that hangs up mid-stream', () => {
  it('ends the stream with an error and keeps serving', async () => {
    const p = start({ functions: [bootstrapFunction('echo')] });
    const outcome = await p.invoke(invokeRequest('echo', { hangUpMidStream: true }));
    if (outcome.result.kind !== 'stream') throw new Error('expected a stream');
    const chunks: string[] = [];
    for await (const chunk of outcome.result.stream.body) chunks.push(String(chunk));
    expect(chunks.join('')).toBe('half');
    expect((await outcome.result.stream.completion)?.errorType).toBe('Runtime.TruncatedResponse');
    expect((await p.invoke(invokeRequest('echo', { echo: 'next' }))).result.kind).toBe('response');
  });
});
