/**
 * Waiting during a deployment, on a time scale (`lamina serve --deploy-time-scale`,
 * docs/deployments.md): 0.001 runs a five-minute canary interval in 300 ms. Every wait can be
 * cut short, so a stopped deployment or a settled hook leaves no timer behind.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Wait `ms` (before scaling); rejects with an AbortError when `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/**
 * @example const sleep = scaledSleep(0.001); await sleep(300_000, signal); // about 300 ms
 */
export function scaledSleep(scale: number): Sleep {
  return async (ms, signal) => {
    await delay(Math.max(0, ms * scale), undefined, { signal });
  };
}
