/**
 * Shutdown hooks. Lambda sends the runtime SIGTERM before it stops an execution environment
 * (and SIGKILL after a short grace period). The official Node.js client offers nothing for it:
 * a function registers `process.on('SIGTERM', ...)` itself, and must then exit by itself too.
 * `onShutdown` is Lamina's convenience over that: hooks run concurrently, for at most a time
 * bound, then the process exits 0.
 *
 * The registry lives on a registered global symbol, so copies of this module (the client's,
 * and one bundled into the function) share one SIGTERM listener and one list of hooks.
 * Without a hook, SIGTERM keeps Node's default (the process ends by the signal).
 */

/** A shutdown hook; a returned promise is awaited (within the time bound). */
export type ShutdownHook = () => unknown;

/** Options of {@link onShutdown}. */
export interface ShutdownOptions {
  /** How long the hooks may take together; the largest value asked for wins. Default 500 ms. */
  timeoutMs?: number;
}

/** The time bound when nobody asks for another: Lambda's shutdown phase with an internal extension. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 500;

interface Registry {
  hooks: Set<ShutdownHook>;
  timeoutMs: number;
  listening: boolean;
  running: boolean;
}

const REGISTRY = Symbol.for('lamina.runtime.shutdownHooks');

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  holder[REGISTRY] ??= { hooks: new Set(), timeoutMs: 0, listening: false, running: false };
  return holder[REGISTRY];
}

/**
 * Run every registered hook (concurrently), wait for them at most the time bound, and resolve.
 * A hook that throws or rejects is logged and does not stop the others.
 *
 * @example
 * ```ts
 * await runShutdownHooks(); // what the SIGTERM listener does before process.exit(0)
 * ```
 */
export async function runShutdownHooks(): Promise<void> {
  const state = registry();
  const timeoutMs = state.timeoutMs || DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const running = [...state.hooks].map((hook) =>
    Promise.resolve()
      .then(hook)
      .catch((error: unknown) => console.error('Shutdown hook failed', error)),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([Promise.all(running), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') console.warn(`Shutdown hooks did not finish within ${timeoutMs} ms`);
}

function onSigterm(): void {
  const state = registry();
  if (state.running) return;
  state.running = true;
  void runShutdownHooks().finally(() => process.exit(0));
}

/**
 * Register a hook to run when the environment shuts down (SIGTERM). Returns a function that
 * removes it.
 *
 * @example
 * ```ts
 * import { onShutdown } from 'lamina/runtime-interface';
 * const pool = createPool();
 * onShutdown(() => pool.end(), { timeoutMs: 300 });
 * ```
 */
export function onShutdown(hook: ShutdownHook, options: ShutdownOptions = {}): () => void {
  const state = registry();
  state.hooks.add(hook);
  if (options.timeoutMs !== undefined && options.timeoutMs > state.timeoutMs) state.timeoutMs = options.timeoutMs;
  if (!state.listening) {
    state.listening = true;
    process.on('SIGTERM', onSigterm);
  }
  return () => void state.hooks.delete(hook);
}
