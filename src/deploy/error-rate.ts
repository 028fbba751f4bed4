/**
 * The health check of a deployment (docs/deployments.md): while traffic shifts and until the
 * PostTraffic hook has reported, the invocations of the new version are counted as they end, and
 * the deployment rolls back once more than `maxErrorRate` of at least `minInvocations` of them
 * ended in a function error. This stands in for the CloudWatch alarms of `DeploymentPreference.Alarms`.
 */
import type { InvocationEnd } from '../platform/platform.js';

/** Where invocation ends are heard (Platform.onInvocationEnd). @returns a function that stops listening. */
export type InvocationEnds = (listener: (end: InvocationEnd) => void) => () => void;

export interface ErrorRateThreshold {
  /** Fewer invocations than this never roll back (default 10). */
  readonly minInvocations: number;
  /** Roll back when errors / invocations is above this (default 0.1). */
  readonly maxErrorRate: number;
}

export const DEFAULT_ERROR_THRESHOLD: ErrorRateThreshold = { minInvocations: 10, maxErrorRate: 0.1 };

/** A watch over one version: its counts, and `alarm`, which resolves with a reason when the threshold is crossed. */
export interface VersionWatch {
  readonly alarm: Promise<string>;
  counts(): { invocations: number; errors: number };
  stop(): void;
}

/**
 * @example
 * const watch = watchErrorRate((l) => platform.onInvocationEnd(l), 'fn', '2', DEFAULT_ERROR_THRESHOLD);
 * const reason = await Promise.race([watch.alarm, shiftDone]);
 */
export function watchErrorRate(ends: InvocationEnds, functionName: string, version: string, threshold: ErrorRateThreshold): VersionWatch {
  let invocations = 0;
  let errors = 0;
  let raise: (reason: string) => void = () => undefined;
  const alarm = new Promise<string>((resolve) => (raise = resolve));
  const stop = ends((end) => {
    if (end.functionName !== functionName || end.version !== version) return;
    invocations += 1;
    if (end.failed) errors += 1;
    if (invocations >= threshold.minInvocations && errors / invocations > threshold.maxErrorRate) {
      raise(`version ${version} failed ${errors} of ${invocations} invocations (more than ${threshold.maxErrorRate * 100}%)`);
    }
  });
  return { alarm, counts: () => ({ invocations, errors }), stop };
}
