/**
 * Provisioned concurrency of one function version (docs/control-plane.md): a changeable number of
 * environments initialised ahead of traffic, each replaced when it dies. Raising the number starts
 * the missing ones; lowering it retires the surplus without failing anything: an idle one at once,
 * a busy one when its invocation ends. Used by `FunctionPool`, which owns the environments.
 */
import type { ExecutionEnvironment, InitResult } from './environment.js';

/** What the keeper needs from its pool. */
export interface KeeperHost {
  /** Start one provisioned environment (rejects when the pool stops). */
  start(): Promise<ExecutionEnvironment>;
  /** A kept environment finished its init: the pool holds it idle, first in line for invocations. */
  idle(env: ExecutionEnvironment): void;
  /** An init failed: its telemetry; the keeper retries after a pause. */
  initFailed(env: ExecutionEnvironment, init: InitResult & { ok: false }): void;
  /** False once the pool stops or drains: nothing is started or replaced any more. */
  active(): boolean;
}

/** The longest pause between retries of a provisioned init that keeps failing. */
const MAX_RETRY_PAUSE_MS = 30_000;

/**
 * @example
 * const keeper = new ProvisionedKeeper(host);
 * await keeper.set(3); // three environments initialised
 * keeper.set(0);       // retire them (busy ones after their invocation)
 */
export class ProvisionedKeeper {
  readonly #host: KeeperHost;
  #target = 0;
  /** Environments kept or being started for the count: `#target` once everything settled. */
  #slots = 0;
  /** Kept environments that finished init: the ones to replace when they die. */
  readonly #kept = new WeakSet<ExecutionEnvironment>();

  constructor(host: KeeperHost) {
    this.#host = host;
  }

  get target(): number {
    return this.#target;
  }

  /**
   * Keep `count` environments. @returns settles once the environments this call started have been
   * initialised (or given up because the count went down or the pool stopped).
   */
  set(count: number): Promise<void> {
    this.#target = count;
    const starting: Promise<void>[] = [];
    while (this.#slots < this.#target) {
      this.#slots += 1;
      starting.push(this.#provisionOne());
    }
    return Promise.all(starting).then(() => undefined);
  }

  /**
   * A kept environment is free: true when it is surplus (the count went down), so the pool
   * retires it instead of keeping it idle. No longer counted from here on.
   */
  surplus(env: ExecutionEnvironment): boolean {
    if (!this.#kept.has(env) || this.#slots <= this.#target) return false;
    this.#kept.delete(env);
    this.#slots -= 1;
    return true;
  }

  /** An environment died: a kept one is replaced while the count wants it, as Lambda keeps the count. */
  died(env: ExecutionEnvironment): void {
    if (!this.#kept.has(env)) return;
    this.#kept.delete(env);
    this.#slots -= 1;
    if (this.#host.active()) void this.set(this.#target).catch(() => undefined);
  }

  /** Start one environment and keep it warm; a failed init is retried after a pause. */
  async #provisionOne(): Promise<void> {
    for (let attempt = 0; this.#host.active() && this.#slots <= this.#target; attempt += 1) {
      let env: ExecutionEnvironment;
      try {
        env = await this.#host.start();
      } catch (error) {
        if (!this.#host.active()) break;
        this.#slots -= 1;
        throw error;
      }
      const init = await env.ready;
      if (init.ok) {
        this.#kept.add(env);
        this.#host.idle(env);
        return;
      }
      this.#host.initFailed(env, init);
      await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_RETRY_PAUSE_MS, 1000 * 2 ** attempt)).unref());
    }
    // Given up: the pool stopped, or the count went down while this one was being retried.
    this.#slots -= 1;
  }
}
