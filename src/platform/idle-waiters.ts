/**
 * Invocations that wait a moment for an environment about to be free instead of cold-starting one
 * (docs/extensions.md): an environment whose runtime has answered but whose extensions are still at
 * their INVOKE event is idle again within a millisecond or two.
 */
import type { ExecutionEnvironment } from './environment.js';

/**
 * How long an invocation that finds no idle environment waits for one whose extensions are still
 * at their INVOKE event before it starts a new one (docs/extensions.md). A no-op extension is back
 * at `event/next` within a millisecond or two, often just after the runtime's answer; a caller that
 * invokes again at once would otherwise pay a whole cold start (runtime and extensions) for it.
 */
export const EXTENSION_DRAIN_WAIT_MS = 10;

/**
 * Some environment's extensions still work on an INVOKE event: it is about to be free.
 *
 * @example if (extensionsFinishing(all)) env = await waiters.next(EXTENSION_DRAIN_WAIT_MS);
 */
export function extensionsFinishing(envs: Iterable<ExecutionEnvironment>): boolean {
  for (const env of envs) if (env.state === 'invoking' && env.extensions.busy) return true;
  return false;
}

/**
 * @example
 * const env = await waiters.next(10); // undefined if none became idle in time
 * waiters.take()?.(idleEnv);          // where an environment becomes idle
 */
export class IdleWaiters {
  /** Invocations waiting (at most their `ms`) for the next environment to become idle, oldest first. */
  #waiters: ((env: ExecutionEnvironment) => void)[] = [];

  /** The next environment to become idle, or undefined after `ms`. */
  next(ms: number): Promise<ExecutionEnvironment | undefined> {
    return new Promise((resolve) => {
      const waiter = (env: ExecutionEnvironment): void => {
        clearTimeout(timer);
        resolve(env);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, ms);
      this.#waiters.push(waiter);
    });
  }

  /** The oldest waiter, taken out (give it the environment), or undefined when none waits. */
  take(): ((env: ExecutionEnvironment) => void) | undefined {
    return this.#waiters.shift();
  }
}
