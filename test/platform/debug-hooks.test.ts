/**
 * What `lamina serve --debug` asks of the platform (docs/debugging.md): a paused environment
 * timer lets a runtime run past its timeout, a resumed one counts again, init is held the same
 * way, and a debugged function has one environment at a time, other invocations waiting for it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionEnvironment } from '../../src/platform/environment.js';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { Platform } from '../../src/platform/platform.js';
import type { FunctionDebugger } from '../../src/platform/version-pools.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

/** The pool hooks a debugger gives, recording the environments; `onStart` acts on each new one. */
function recorder(onStart: (env: ExecutionEnvironment) => void = () => undefined): FunctionDebugger & { readonly envs: ExecutionEnvironment[]; readonly ended: (env: ExecutionEnvironment) => void; endedCount: () => number } {
  const envs: ExecutionEnvironment[] = [];
  let ended = 0;
  return {
    envs,
    interpreterArgs: [],
    started: (env) => {
      envs.push(env);
      onStart(env);
    },
    prepared: () => Promise.resolve(),
    ended: () => void (ended += 1),
    endedCount: () => ended,
  };
}

function errorTypeOf(outcome: InvokeOutcome): string | undefined {
  return outcome.result.kind === 'function-error' ? outcome.result.error.errorType : undefined;
}

const whenInvoking = async (envs: ExecutionEnvironment[]): Promise<ExecutionEnvironment> => {
  await expect.poll(() => envs[0]?.state, { timeout: 10_000 }).toBe('invoking');
  return envs[0] as ExecutionEnvironment;
};

describe('the environment timer under a debugger', () => {
  it('a paused timer lets the invocation run past its timeout', async () => {
    const hooks = recorder();
    platform = new Platform({ functions: [bootstrapFunction('held', { timeout: 1 })], debug: () => hooks });
    const answer = platform.invoke(invokeRequest('held', { sleepMs: 1600, echo: 'late' }));
    const env = await whenInvoking(hooks.envs);
    env.pauseTimer();
    expect(env.timerPaused).toBe(true);
    const outcome = await answer;
    expect(errorTypeOf(outcome)).toBeUndefined();
    expect(outcome.result.kind === 'response' ? JSON.parse(outcome.result.payload.toString()) : undefined).toBe('late');
  });

  it('a resumed timer counts again: the same invocation then times out', async () => {
    const hooks = recorder();
    platform = new Platform({ functions: [bootstrapFunction('resumed', { timeout: 1 })], debug: () => hooks });
    const answer = platform.invoke(invokeRequest('resumed', { sleepMs: 5000 }));
    const env = await whenInvoking(hooks.envs);
    env.pauseTimer();
    env.pauseTimer(); // twice is once
    env.resumeTimer();
    expect(env.timerPaused).toBe(false);
    expect(errorTypeOf(await answer)).toBe('Sandbox.Timedout');
  });

  it('without a pause the timeout applies (the control case)', async () => {
    platform = new Platform({ functions: [bootstrapFunction('plain', { timeout: 1 })] });
    expect(errorTypeOf(await platform.invoke(invokeRequest('plain', { sleepMs: 1600 })))).toBe('Sandbox.Timedout');
  });

  it('holds the init limit too (a break at the runtime\'s first line)', async () => {
    // The first environment only: its failed init is retried once in a new one, not held.
    const hooks = recorder((env) => (hooks.envs.length === 1 ? env.pauseTimer() : undefined));
    platform = new Platform({ functions: [bootstrapFunction('slowinit', { environment: { ECHO_INIT_HANG: '1' } })], initTimeoutMs: 300, debug: () => hooks });
    const answer = platform.invoke(invokeRequest('slowinit', {}));
    let settled = false;
    void answer.then(() => (settled = true));
    await expect.poll(() => hooks.envs.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 900));
    // Three init limits later the held init has not failed.
    expect(settled).toBe(false);
    expect(hooks.envs[0]?.state).toBe('initializing');
    hooks.envs[0]?.resumeTimer();
    expect(errorTypeOf(await answer)).toBe('Sandbox.Timedout');
  });
});

describe('one environment at a time', () => {
  it('concurrent invocations of a debugged function wait for its one environment', async () => {
    const hooks = recorder();
    platform = new Platform({ functions: [bootstrapFunction('single')], debug: () => hooks });
    const outcomes = await Promise.all([1, 2, 3].map((n) => platform?.invoke(invokeRequest('single', { sleepMs: 200, echo: n }))));
    expect(outcomes.map((outcome) => (outcome?.result.kind === 'response' ? JSON.parse(outcome.result.payload.toString()) : outcome?.result.kind))).toEqual([1, 2, 3]);
    expect(hooks.envs).toHaveLength(1);
    expect(platform.pool('single')?.size).toBe(1);
  });

  it('an invocation waiting for a timed-out environment gets a new one once it is gone', async () => {
    const hooks = recorder();
    platform = new Platform({ functions: [bootstrapFunction('replaced', { timeout: 1 })], debug: () => hooks });
    const first = platform.invoke(invokeRequest('replaced', { sleepMs: 5000 }));
    await whenInvoking(hooks.envs);
    const second = platform.invoke(invokeRequest('replaced', { echo: 'second' }));
    expect(errorTypeOf(await first)).toBe('Sandbox.Timedout');
    const outcome = await second;
    expect(outcome.result.kind === 'response' ? JSON.parse(outcome.result.payload.toString()) : outcome.result.kind).toBe('second');
    expect(hooks.envs).toHaveLength(2);
    expect(hooks.endedCount()).toBe(1);
  });

  it('provisioned concurrency of a debugged function is held to one environment', async () => {
    const hooks = recorder();
    platform = new Platform({ functions: [bootstrapFunction('kept', { publishedAlias: 'live', provisionedConcurrency: 3 })], debug: () => hooks });
    await platform.ready();
    expect(hooks.envs).toHaveLength(1);
    expect(platform.publishedPool('kept')?.provisionedCount).toBe(1);
  });

  it('without a debugger the same invocations get environments of their own (the control case)', async () => {
    platform = new Platform({ functions: [bootstrapFunction('many')] });
    await Promise.all([1, 2, 3].map((n) => platform?.invoke(invokeRequest('many', { sleepMs: 200, echo: n }))));
    expect(platform.pool('many')?.size).toBe(3);
  });
});
