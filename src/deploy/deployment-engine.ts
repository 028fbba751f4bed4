/**
 * One progressive deployment, as CodeDeploy performs it for Lambda (docs/deployments.md): the
 * PreTraffic hook, the alias's routing weight stepped on the schedule of the deployment type,
 * the alias on the new version alone, the PostTraffic hook. A hook that reports Failed or does
 * not report in time, or an error rate of the new version over the threshold, rolls back: the
 * alias goes back to the old version with no routing.
 */
import type { DeploymentType } from '../config/deployment-preference.js';
import type { SettingsStore } from '../control/settings-store.js';
import type { FunctionRegistry } from '../registry/function-registry.js';
import { updateAlias } from '../registry/alias-changes.js';
import type { Sleep } from './deploy-clock.js';
import { type ErrorRateThreshold, type InvocationEnds, watchErrorRate } from './error-rate.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';
import { trafficSteps } from './traffic-schedule.js';

export interface DeploymentSpec {
  readonly functionName: string;
  readonly alias: string;
  readonly fromVersion: string;
  readonly toVersion: string;
  readonly type: DeploymentType;
  readonly preTraffic?: string | undefined;
  readonly postTraffic?: string | undefined;
}

export interface EngineParts {
  readonly registry: FunctionRegistry;
  readonly hooks: LifecycleHooks;
  readonly ends: InvocationEnds;
  readonly threshold: ErrorRateThreshold;
  readonly sleep: Sleep;
  readonly log: (line: string) => void;
  /** Where each deployment's outcome is kept (kind `deployment`, key `FUNCTION:ALIAS`), so a restart knows it. */
  readonly settings?: SettingsStore | undefined;
}

export type DeploymentStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped';

/** What a deployment did, kept for status and tests. */
export interface DeploymentRecord {
  readonly id: string;
  readonly spec: DeploymentSpec;
  status: DeploymentStatus;
  /** The routing weights the alias was given, in order (1: the new version alone). */
  readonly weights: number[];
  reason: string | undefined;
}

/** A reason to stop shifting: a hook's failure, the error rate, or a refused alias change. */
class RollBack extends Error {}

function percent(weight: number): string {
  return `${Math.round(weight * 100)}%`;
}

/**
 * Run one deployment to its end. Never throws: the outcome is in the record.
 *
 * @example
 * const record = newRecord(newDeploymentId(), spec);
 * await runDeployment(parts, record, new AbortController().signal);
 * record.status; // 'Succeeded'
 */
export async function runDeployment(parts: EngineParts, record: DeploymentRecord, signal: AbortSignal): Promise<DeploymentRecord> {
  const { spec } = record;
  const say = (line: string): void => parts.log(`Deployment ${record.id} of ${spec.functionName}:${spec.alias} (${spec.fromVersion} -> ${spec.toVersion}, ${spec.type}): ${line}`);
  const watch = watchErrorRate(parts.ends, spec.functionName, spec.toVersion, parts.threshold);
  const stopped = new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(new RollBack('Lamina is stopping')), { once: true }));
  stopped.catch(() => undefined);
  const alarmed = watch.alarm.then((reason) => Promise.reject(new RollBack(reason)));
  alarmed.catch(() => undefined);
  parts.hooks.open(record.id);
  say('started');
  try {
    await hook(parts, record, 'PreTraffic', spec.preTraffic, [stopped], say);
    let at = 0;
    for (const step of trafficSteps(spec.type)) {
      if (step.atMs > at) await Promise.race([parts.sleep(step.atMs - at, signal), alarmed, stopped]);
      at = step.atMs;
      await Promise.race([setWeight(parts, record, step.weight), alarmed, stopped]);
      say(step.weight < 1 ? `${percent(step.weight)} of traffic on version ${spec.toVersion}` : `alias on version ${spec.toVersion}`);
    }
    await hook(parts, record, 'PostTraffic', spec.postTraffic, [alarmed, stopped], say);
    record.status = 'Succeeded';
    say('succeeded');
  } catch (error) {
    record.status = signal.aborted ? 'Stopped' : 'Failed';
    record.reason = signal.aborted ? 'Lamina is stopping' : (error as Error).message;
    parts.hooks.cancel(record.id);
    const back = await updateAlias(parts.registry, spec.functionName, spec.alias, { functionVersion: spec.fromVersion, routing: null });
    say(`${record.status === 'Stopped' ? 'stopped' : 'failed'} (${record.reason}); ${back.ok ? `rolled back to version ${spec.fromVersion}` : `could not roll back: ${back.error.message}`}`);
  } finally {
    watch.stop();
  }
  return record;
}

/** @example newRecord('d-ABCDEF123', spec) */
export function newRecord(id: string, spec: DeploymentSpec): DeploymentRecord {
  return { id, spec, status: 'InProgress', weights: [], reason: undefined };
}

async function setWeight(parts: EngineParts, record: DeploymentRecord, weight: number): Promise<void> {
  const { functionName, alias, fromVersion, toVersion } = record.spec;
  const update = weight < 1 ? { functionVersion: fromVersion, routing: { version: toVersion, weight } } : { functionVersion: toVersion, routing: null };
  const changed = await updateAlias(parts.registry, functionName, alias, update);
  if (!changed.ok) throw new RollBack(`the alias could not be changed: ${changed.error.message}`);
  record.weights.push(weight);
}

async function hook(parts: EngineParts, record: DeploymentRecord, event: string, functionName: string | undefined, abort: Array<Promise<never>>, say: (line: string) => void): Promise<void> {
  if (functionName === undefined) return;
  say(`${event} hook ${functionName} invoked`);
  const outcome = await Promise.race([parts.hooks.run(record.id, functionName), ...abort]);
  if (outcome.status !== 'Succeeded') throw new RollBack(`${event} hook ${functionName}: ${outcome.reason}`);
  say(`${event} hook ${functionName} succeeded`);
}
