/**
 * The execution environments of one function version: reuse of idle ones (warm starts), new
 * ones for invocations that find none (cold starts), the retry of a failed init inside the
 * first invoke (docs/environment.md, "suppressed init"), and retirement of idle environments.
 * A pool whose version was replaced or deleted drains (docs/control-plane.md): its idle
 * environments end now, its busy ones when their invocation ends, and it takes nothing new.
 */
import { performance } from 'node:perf_hooks';
import type { FunctionConfig } from '../config/function-config.js';
import type { FunctionLog } from '../observability/function-log.js';
import type { Observers } from '../observability/platform-observer.js';
import { ExecutionEnvironment, type EnvironmentTimings, type SandboxFactory } from './environment.js';
import type { EnvironmentHooks } from './environment-types.js';
import { newLogStreamName } from './ids.js';
import { observed } from './observed-hooks.js';
import { startFailed } from './function-errors.js';
import type { Invocation } from './invocation.js';
import { EXTENSION_DRAIN_WAIT_MS, IdleWaiters, extensionsFinishing } from './idle-waiters.js';
import { PoolDrain, retireSoon } from './pool-drain.js';
import { ProvisionedKeeper } from './provisioned-keeper.js';
import { failRetriedInit, initErrorType } from './suppressed-init.js';
import { DEFAULT_SCALE_OUT, ScaleOutLimiter } from './scale-out-limiter.js';

export { EXTENSION_DRAIN_WAIT_MS } from './idle-waiters.js';

export interface PoolOptions {
  readonly timings: EnvironmentTimings;
  /** Idle environments are retired after this long without an invocation. */
  readonly idleTimeoutMs: number;
  readonly makeSandbox: SandboxFactory;
  /** Most new environments per window (docs/limits.md: 1,000 per 10 s per function). */
  readonly scaleOut?: { readonly environments: number; readonly perMs: number };
  /** Runtime API port for the first environment (RIE drop-in); later ones get free ports. */
  readonly firstRuntimeApiPort?: number;
  /** Environments initialised ahead of traffic, kept warm and replaced when one dies. */
  readonly provisioned?: number;
  /** The platform's observers (docs/observability.md). */
  readonly observers?: Observers | undefined;
  /**
   * A debugger attached to the function (`lamina serve --debug`, docs/debugging.md): one
   * environment at a time, the others' invocations wait for it.
   */
  readonly debug?: PoolDebugger | undefined;
}

/** What a debugger needs from a pool (src/debug/debug-session.ts). */
export interface PoolDebugger {
  /** An environment was made, its runtime starting: the debugger may hold its timer (a break at start). */
  started(env: ExecutionEnvironment): void;
  /** Settles once the debugger clients that waited for an environment are attached to this one (before its first invoke). */
  prepared(env: ExecutionEnvironment): Promise<void>;
  /** The environment is gone. */
  ended(env: ExecutionEnvironment): void;
}

/**
 * @example
 * const pool = new FunctionPool(fn, '$LATEST', log, options);
 * await pool.run(invocation); // resolves once an environment has taken it
 */
export class FunctionPool {
  readonly fn: FunctionConfig;
  readonly version: string;
  #log: FunctionLog;
  #options: PoolOptions;
  #idle: ExecutionEnvironment[] = [];
  /** Idle provisioned environments: used before any on-demand one. */
  #idleProvisioned: ExecutionEnvironment[] = [];
  #stopping = false;
  /** Draining retirement (src/platform/pool-drain.ts): how this pool ends once its version was replaced. */
  readonly #drain = new PoolDrain({
    takeIdle: () => this.#takeIdle(),
    isEmpty: () => this.#all.size === 0 && this.#starting.size === 0,
    takeWaiter: () => this.#idleWaiters.take(),
    dispose: () => this.#options.makeSandbox.dispose?.(),
  });
  /** Provisioned concurrency: how many environments are kept initialised, and their replacement. */
  readonly #provisioned: ProvisionedKeeper;
  /** Settles once the provisioned environments have all been initialised once. */
  readonly provisionedReady: Promise<void>;
  /**
   * When each of `#idle` became idle (performance.now()), index for index. The stack is ordered
   * by it (an environment is pushed when it becomes idle), so its bottom is the one idle longest,
   * and one timer for the pool, due when that one's idle time runs out, retires every environment
   * whose time is up: a warm invoke arms and clears no timer (hot path).
   */
  #idleSince: number[] = [];
  #idleSweep: NodeJS.Timeout | undefined;
  #all = new Set<ExecutionEnvironment>();
  /** Invocations waiting (at most EXTENSION_DRAIN_WAIT_MS) for the next environment to become idle. */
  readonly #idleWaiters = new IdleWaiters();
  #firstPort: number | undefined;
  #scaleOut: ScaleOutLimiter;
  /** Invocations waiting for the one environment a debugged function may have (docs/debugging.md). */
  #slotWaiters: (() => void)[] = [];

  constructor(fn: FunctionConfig, version: string, log: FunctionLog, options: PoolOptions) {
    this.fn = fn;
    this.version = version;
    this.#log = log;
    this.#options = options;
    this.#firstPort = options.firstRuntimeApiPort;
    const rate = options.scaleOut ?? DEFAULT_SCALE_OUT;
    this.#scaleOut = new ScaleOutLimiter(rate.environments, rate.perMs);
    this.#provisioned = new ProvisionedKeeper({
      start: () => this.#start(undefined, true),
      idle: (env) => this.#becameIdle(env),
      initFailed: (env, init) => env.telemetry.initFailed(init.durationMs, init.status, initErrorType(init), undefined),
      active: () => !this.#stopping && !this.#drain.active,
    });
    this.provisionedReady = this.#provisioned.set(this.#provisionedCap(options.provisioned ?? 0));
  }

  /** Environments alive now (idle, busy or starting). */
  get size(): number {
    return this.#all.size;
  }

  get idleCount(): number {
    return this.#idle.length + this.#idleProvisioned.length;
  }

  /** Provisioned environments initialised and alive now (at most the count asked for: surplus ones are on their way out). */
  get provisionedCount(): number {
    let count = 0;
    for (const env of this.#all) if (env.provisioned && env.state !== 'initializing' && env.state !== 'retiring' && env.state !== 'dead') count += 1;
    return Math.min(count, this.#provisioned.target);
  }

  /**
   * Keep `count` provisioned environments (PutProvisionedConcurrencyConfig); 0 retires them, idle
   * ones now and busy ones when their invocation ends. @returns settles once the environments this
   * call started are initialised.
   *
   * @example
   * await pool.setProvisioned(2); // pool.provisionedCount === 2
   */
  setProvisioned(count: number): Promise<void> {
    const settled = this.#provisioned.set(this.#provisionedCap(count));
    const surplus = this.#idleProvisioned.filter((env) => this.#provisioned.surplus(env));
    this.#idleProvisioned = this.#idleProvisioned.filter((env) => !surplus.includes(env));
    for (const env of surplus) env.retire();
    return settled;
  }

  /**
   * Run an invocation without waiting: a platform failure to start an environment becomes the
   * invocation's error, never an unhandled rejection.
   */
  start(invocation: Invocation): void {
    invocation.stage = 'assigned';
    // A warm start needs no promise (hot path); what it throws fails the invocation, as in run().
    try {
      if (this.#runWarm(invocation)) return;
    } catch (error) {
      this.#failToStart(invocation, error);
      return;
    }
    this.run(invocation).catch((error: unknown) => this.#failToStart(invocation, error));
  }

  /** Give the invocation to an idle environment, or cold-start one for it. */
  async run(invocation: Invocation): Promise<void> {
    if (this.#runWarm(invocation)) return;
    const debug = this.#options.debug;
    if (debug !== undefined && this.#all.size + this.#starting.size > 0) {
      // Debugging: one environment on the debugger's port; wait for it to be idle or gone.
      await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
      return this.run(invocation);
    }
    const drained = extensionsFinishing(this.#all) ? await this.#idleWaiters.next(EXTENSION_DRAIN_WAIT_MS) : undefined;
    if (drained !== undefined && drained.state === 'idle') {
      drained.invoke(invocation);
      return;
    }
    const first = await this.#start();
    const init = await first.ready;
    if (init.ok) {
      await debug?.prepared(first);
      first.invoke(invocation);
      return;
    }
    first.telemetry.initFailed(init.durationMs, init.status, initErrorType(init), undefined);
    // Suppressed init: the failed init is retried once inside the invoke, which reports its error.
    const startedAt = performance.now();
    const retry = await this.#start(invocation);
    const retried = await retry.ready;
    if (retried.ok) {
      await debug?.prepared(retry);
      retry.invoke(invocation);
      return;
    }
    failRetriedInit(retry, retried, invocation, { log: this.#log, version: this.version, memorySizeMB: this.fn.memorySize, initTimeoutMs: this.#options.timings.initTimeoutMs, startedAt });
  }

  /** Give the invocation to an idle environment, provisioned ones first; false when none is idle. */
  #runWarm(invocation: Invocation): boolean {
    const provisioned = this.#idleProvisioned.pop();
    if (provisioned !== undefined) {
      provisioned.invoke(invocation);
      return true;
    }
    const warm = this.#idle.pop();
    if (warm === undefined) return false;
    this.#idleSince.pop();
    warm.invoke(invocation);
    return true;
  }

  /** Retire every environment (platform stop): SIGTERM, then SIGKILL after the grace period. */
  async retireAll(): Promise<void> {
    this.#stopping = true;
    // An environment still being created is not in #all yet: wait for it, or it would outlive the stop.
    await Promise.allSettled(this.#starting);
    const exits = [...this.#all].map((env) => new Promise<void>((resolve) => {
      if (env.state === 'dead') resolve();
      else this.#waitDead.set(env, resolve);
    }));
    for (const env of this.#all) env.retire();
    await Promise.all([...exits, this.#options.makeSandbox.dispose?.()]);
  }

  /**
   * Retire without failing anything (the version was replaced or deleted): idle environments end
   * now, busy ones once their invocation has ended, none is reused and no provisioned one is
   * replaced. Settles when the last environment has exited.
   *
   * @example
   * void pool.drain(); // the next invoke of this version goes to a new pool
   */
  drain(): Promise<void> {
    return this.#drain.start();
  }

  get draining(): boolean {
    return this.#drain.active;
  }

  /** The idle environments, taken out of the pool with their idle timers cleared (a drain retires them). */
  #takeIdle(): ExecutionEnvironment[] {
    const idle = [...this.#idle, ...this.#idleProvisioned];
    this.#idle = [];
    this.#idleSince = [];
    this.#idleProvisioned = [];
    clearTimeout(this.#idleSweep);
    this.#idleSweep = undefined;
    return idle;
  }

  #waitDead = new Map<ExecutionEnvironment, () => void>();
  /** Environments being created (listener bound, sandbox spawning), not in #all yet. */
  #starting = new Set<Promise<ExecutionEnvironment>>();

  /** Kill every environment at once, synchronously (the platform process is exiting). */
  killAllNow(): void {
    for (const env of this.#all) env.kill();
  }


  /** Start an environment; `initFor` gets its init output (a retry inside that invocation). */
  async #start(initFor?: Invocation, provisioned = false): Promise<ExecutionEnvironment> {
    const starting = this.#create(initFor, provisioned);
    this.#starting.add(starting);
    try {
      return await starting;
    } finally {
      this.#starting.delete(starting);
      this.#drain.checkEmpty();
    }
  }

  async #create(initFor: Invocation | undefined, provisioned: boolean): Promise<ExecutionEnvironment> {
    // Once the platform stops, nothing new starts: an invocation rerouted from a runtime that the
    // stop killed, or an Event accepted just before, fails instead of running in an environment
    // that nobody would retire (`lamina rie` never exited).
    if (this.#stopping) throw new Error('the platform is stopping');
    await this.#scaleOut.take();
    if (this.#stopping) throw new Error('the platform is stopping');
    const port = this.#firstPort ?? 0;
    this.#firstPort = undefined;
    const logStreamName = newLogStreamName(new Date(), this.version);
    const hooks: EnvironmentHooks = {
      log: (line, invocation) => this.#log.write(line, invocation),
      idle: (idle) => this.#becameIdle(idle),
      dead: (dead) => this.#died(dead),
      reroute: (invocation) => this.start(invocation),
    };
    const env = await ExecutionEnvironment.start({
      fn: this.fn,
      version: this.version,
      timings: this.#options.timings,
      hooks: observed(hooks, this.#options.observers, { functionName: this.fn.name, version: this.version, logStream: logStreamName, provisioned }),
      makeSandbox: this.#options.makeSandbox,
      runtimeApiPort: port,
      initFor,
      provisioned,
      logStreamName,
    });
    this.#all.add(env);
    this.#options.debug?.started(env);
    return env;
  }

  #failToStart(invocation: Invocation, error: unknown): void {
    invocation.settle({ kind: 'function-error', error: startFailed(error) });
    invocation.markFinished();
  }

  #becameIdle(env: ExecutionEnvironment): void {
    if (this.#drain.active) return this.#drain.free(env);
    if (env.provisioned) {
      if (this.#provisioned.surplus(env)) return retireSoon(env);
      this.#idleProvisioned.push(env);
      return;
    }
    const waiter = this.#stopping || env.state !== 'idle' ? undefined : this.#idleWaiters.take();
    if (waiter !== undefined) return waiter(env);
    this.#idle.push(env);
    this.#idleSince.push(performance.now());
    this.#wakeSlotWaiter();
    if (this.#idleSweep === undefined) this.#armIdleSweep(this.#options.idleTimeoutMs);
  }

  #armIdleSweep(ms: number): void {
    this.#idleSweep = setTimeout(() => this.#retireIdleTooLong(), ms);
    this.#idleSweep.unref();
  }

  /** Retire the environments idle for the idle timeout or longer (the bottom of the stack). */
  #retireIdleTooLong(): void {
    this.#idleSweep = undefined;
    const timeoutMs = this.#options.idleTimeoutMs;
    // A timer may fire up to a millisecond before performance.now() says its time is up.
    const now = performance.now() + 1;
    let expired = 0;
    while (expired < this.#idle.length && (this.#idleSince[expired] as number) + timeoutMs <= now) expired += 1;
    const retiring = this.#idle.splice(0, expired);
    this.#idleSince.splice(0, expired);
    const oldest = this.#idleSince[0];
    if (oldest !== undefined) this.#armIdleSweep(Math.max(1, oldest + timeoutMs - now + 1));
    for (const env of retiring) env.retire();
  }

  /** Take an environment out of the idle stack (it died). */
  #dropIdle(env: ExecutionEnvironment): void {
    const at = this.#idle.indexOf(env);
    if (at < 0) return;
    this.#idle.splice(at, 1);
    this.#idleSince.splice(at, 1);
  }

  #died(env: ExecutionEnvironment): void {
    this.#all.delete(env);
    this.#dropIdle(env);
    const provisionedAt = this.#idleProvisioned.indexOf(env);
    if (provisionedAt >= 0) this.#idleProvisioned.splice(provisionedAt, 1);
    this.#provisioned.died(env);
    this.#waitDead.get(env)?.();
    this.#waitDead.delete(env);
    this.#drain.checkEmpty();
    this.#options.debug?.ended(env);
    this.#wakeSlotWaiter();
  }

  /** A debugged function has one environment at a time, provisioned ones included (docs/debugging.md). */
  #provisionedCap(count: number): number {
    return this.#options.debug === undefined ? count : Math.min(count, 1);
  }

  /** The oldest invocation waiting for the debugged function's environment tries again. */
  #wakeSlotWaiter(): void {
    // Stopping: every waiter hears now (each fails: nothing new starts).
    const woken = this.#stopping ? this.#slotWaiters.splice(0) : this.#slotWaiters.splice(0, 1);
    for (const wake of woken) wake();
  }
}
