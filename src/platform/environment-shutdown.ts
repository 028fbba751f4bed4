/**
 * The shutdown phase of an execution environment (docs/extensions.md): how it ends after an idle
 * retirement, a timeout or a runtime crash. With extensions registered: SHUTDOWN with Lambda's
 * reason to the subscribers, SIGTERM to the runtime alone, the extensions outliving the runtime
 * until they are back at `event/next` or the budget is spent, then SIGKILL. Split from
 * environment.ts, which keeps the runtime's and the invocations' state.
 */
import type { Sandbox } from '../sandbox/process-sandbox.js';
import type { Failure } from './environment-telemetry.js';
import type { ExtensionPhases } from './extension-phases.js';

/** Shutdown budgets with extensions: Lambda's 2,000 ms with an external one, 500 ms with internal ones only. */
export const INTERNAL_SHUTDOWN_BUDGET_MS = 500;
export const EXTERNAL_SHUTDOWN_BUDGET_MS = 2000;

/** Lambda's `shutdownReason` values. */
export type ShutdownReason = 'spindown' | 'timeout' | 'failure';

/** What runs when the SHUTDOWN subscribers are back (an invoke phase still held for them first). */
export type AfterExtensions = (override: Failure) => void;

/** SIGTERM to the runtime alone: its extensions keep running for their shutdown budget. */
function terminateRuntime(sandbox: Sandbox): void {
  if (sandbox.terminateRuntime !== undefined) return sandbox.terminateRuntime();
  try {
    if (sandbox.rootPid !== undefined) process.kill(sandbox.rootPid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

/**
 * @example
 * const shutdown = new EnvironmentShutdown(() => sandbox, extensions, 2000);
 * const after = shutdown.retire(false, undefined); // SHUTDOWN spindown; without extensions SIGKILL (or SIGTERM, then SIGKILL after a grace)
 */
export class EnvironmentShutdown {
  readonly #sandbox: () => Sandbox;
  readonly #extensions: ExtensionPhases;
  readonly #graceMs: number;
  /** The end of the budget: SIGKILL to what is left. */
  #timer: NodeJS.Timeout | undefined;

  constructor(sandbox: () => Sandbox, extensions: ExtensionPhases, graceMs: number) {
    this.#sandbox = sandbox;
    this.#extensions = extensions;
    this.#graceMs = graceMs;
  }

  /**
   * Idle retirement or a platform stop. Without extensions: SIGKILL at once (Lambda's way), or
   * with a grace period (`--shutdown-grace`) SIGTERM to the environment first. Returns what the environment runs when the subscribers are back.
   */
  retire(runtimeGone: boolean, pending: AfterExtensions | undefined): AfterExtensions | undefined {
    if (this.#extensions.count > 0) return this.#begin('spindown', runtimeGone, pending);
    // Lambda sends the runtime SIGTERM only when extensions are registered (docs/environment.md):
    // without them the environment is killed at once, unless a grace period was asked for.
    if (this.#graceMs <= 0) {
      this.#sandbox().signal('SIGKILL');
      return pending;
    }
    this.#sandbox().signal('SIGTERM');
    setTimeout(() => this.#sandbox().signal('SIGKILL'), this.#graceMs).unref();
    return pending;
  }

  /**
   * A timeout or a crash ends the environment: with SHUTDOWN subscribers they get the event and
   * their budget first (the caller has its answer already); else SIGKILL at once.
   */
  afterFailure(reason: 'timeout' | 'failure', runtimeGone: boolean, pending: AfterExtensions | undefined): AfterExtensions | undefined {
    if (this.#extensions.subscribers('SHUTDOWN') > 0) return this.#begin(reason, runtimeGone, pending);
    this.#sandbox().signal('SIGKILL');
    return pending;
  }

  /** Every process has ended: nothing left to kill. */
  done(): void {
    clearTimeout(this.#timer);
  }

  #begin(reason: ShutdownReason, runtimeGone: boolean, pending: AfterExtensions | undefined): AfterExtensions | undefined {
    const sandbox = this.#sandbox();
    const budgetMs = this.#extensions.hasExternal ? EXTERNAL_SHUTDOWN_BUDGET_MS : INTERNAL_SHUTDOWN_BUDGET_MS;
    if (!runtimeGone) terminateRuntime(sandbox);
    const killAll = (): void => sandbox.signal('SIGKILL');
    const subscribers = this.#extensions.dispatch({ eventType: 'SHUTDOWN', shutdownReason: reason, deadlineMs: Date.now() + budgetMs });
    // Without SHUTDOWN subscribers the budget is the runtime's alone.
    clearTimeout(this.#timer);
    this.#timer = setTimeout(killAll, budgetMs);
    this.#timer.unref();
    if (subscribers === 0 && pending === undefined) return undefined;
    // An invoke phase still waiting on its extensions (a platform stop) is reported first.
    return (override) => {
      pending?.(override);
      killAll();
    };
  }
}
