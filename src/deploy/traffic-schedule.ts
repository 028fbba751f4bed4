/**
 * The predefined CodeDeploy traffic-shifting configurations for Lambda as data
 * (docs/deployments.md): how much of the alias's traffic the new version gets, and when, counted
 * from the start of the shift (after the PreTraffic hook).
 */
import type { DeploymentType } from '../config/deployment-preference.js';

export type TrafficRouting =
  | { readonly kind: 'all-at-once' }
  /** `percent` at once, everything after `intervalMinutes`. */
  | { readonly kind: 'canary'; readonly percent: number; readonly intervalMinutes: number }
  /** `percent` more every `intervalMinutes`, the first share at once. */
  | { readonly kind: 'linear'; readonly percent: number; readonly intervalMinutes: number };

/** The schedule table: every predefined type (CodeDeploy's `CodeDeployDefault.Lambda<type>`). */
export const TRAFFIC_ROUTING: Readonly<Record<DeploymentType, TrafficRouting>> = {
  AllAtOnce: { kind: 'all-at-once' },
  Canary10Percent5Minutes: { kind: 'canary', percent: 10, intervalMinutes: 5 },
  Canary10Percent10Minutes: { kind: 'canary', percent: 10, intervalMinutes: 10 },
  Canary10Percent15Minutes: { kind: 'canary', percent: 10, intervalMinutes: 15 },
  Canary10Percent30Minutes: { kind: 'canary', percent: 10, intervalMinutes: 30 },
  Linear10PercentEvery1Minute: { kind: 'linear', percent: 10, intervalMinutes: 1 },
  Linear10PercentEvery2Minutes: { kind: 'linear', percent: 10, intervalMinutes: 2 },
  Linear10PercentEvery3Minutes: { kind: 'linear', percent: 10, intervalMinutes: 3 },
  Linear10PercentEvery10Minutes: { kind: 'linear', percent: 10, intervalMinutes: 10 },
};

/** One step of a shift: at `atMs` after the shift starts, the new version gets `weight` (1: all of it). */
export interface TrafficStep {
  readonly atMs: number;
  readonly weight: number;
}

const MINUTE_MS = 60_000;

/**
 * The steps of a shift, in order; the last always has weight 1. Weights are computed from whole
 * percentages so that they are exact decimals (0.3, not 0.30000000000000004).
 *
 * @example trafficSteps('Canary10Percent5Minutes') // [{ atMs: 0, weight: 0.1 }, { atMs: 300000, weight: 1 }]
 */
export function trafficSteps(type: DeploymentType): TrafficStep[] {
  const routing = TRAFFIC_ROUTING[type];
  if (routing.kind === 'all-at-once') return [{ atMs: 0, weight: 1 }];
  const interval = routing.intervalMinutes * MINUTE_MS;
  if (routing.kind === 'canary') return [{ atMs: 0, weight: routing.percent / 100 }, { atMs: interval, weight: 1 }];
  const steps: TrafficStep[] = [];
  for (let share = routing.percent, i = 0; share < 100 + routing.percent; share += routing.percent, i += 1) {
    steps.push({ atMs: i * interval, weight: Math.min(share, 100) / 100 });
  }
  return steps;
}

/** How long a shift takes: the time of its last step. @example shiftDurationMs('Linear10PercentEvery1Minute') // 540000 */
export function shiftDurationMs(type: DeploymentType): number {
  return trafficSteps(type).at(-1)?.atMs ?? 0;
}
