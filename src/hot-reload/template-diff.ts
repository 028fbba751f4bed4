/**
 * What an edited template changes (docs/hot-reload.md): its functions compared with what the
 * template gave last time, never with the registry, so a change made through the management API
 * to a function the edit did not touch stays, as at a restart (docs/control-plane.md,
 * "Persistence"). Pure: src/hot-reload/reload-apply.ts carries the plan out through the registry.
 */
import type { FunctionConfig } from '../config/function-config.js';
import type { LoadedTemplate } from '../config/sam-template.js';
import { canonical } from '../registry/function-entry.js';

export interface TemplatePlan {
  /** New in the template: created. */
  readonly create: readonly FunctionConfig[];
  /** In both, with another definition: `$LATEST` takes the new one. */
  readonly update: readonly FunctionConfig[];
  /** Gone from the template: deleted. */
  readonly remove: readonly string[];
  /** New in the template under the name of a function created through the API: left alone until a restart. */
  readonly claimed: readonly string[];
  /** Per function, settings that changed and only take effect at a restart. */
  readonly restart: ReadonlyMap<string, readonly string[]>;
}

/** Function settings the platform reads at start only (provisioned environments, deployments, async queues). */
const START_ONLY: ReadonlyArray<readonly [keyof FunctionConfig, string]> = [
  ['publishedAlias', 'AutoPublishAlias'],
  ['deployment', 'DeploymentPreference'],
  ['provisionedConcurrency', 'ProvisionedConcurrencyConfig'],
  ['reservedConcurrency', 'ReservedConcurrentExecutions'],
  ['async', 'EventInvokeConfig'],
];

/**
 * @example
 * const plan = planTemplateChange(before, after, new Set(registry.names));
 * plan.create.map((fn) => fn.name) // ['Added']
 */
export function planTemplateChange(previous: readonly FunctionConfig[], next: readonly FunctionConfig[], existing: ReadonlySet<string>): TemplatePlan {
  const before = new Map(previous.map((fn) => [fn.name, fn]));
  const create: FunctionConfig[] = [];
  const update: FunctionConfig[] = [];
  const claimed: string[] = [];
  const restart = new Map<string, string[]>();
  for (const fn of next) {
    const old = before.get(fn.name);
    before.delete(fn.name);
    if (old === undefined) {
      if (existing.has(fn.name)) claimed.push(fn.name);
      else create.push(fn);
      continue;
    }
    if (canonical(old) === canonical(fn)) continue;
    update.push(fn);
    const settings = START_ONLY.filter(([key]) => canonical(old[key]) !== canonical(fn[key])).map(([, label]) => label);
    if (settings.length > 0) restart.set(fn.name, settings);
  }
  return { create, update, remove: [...before.keys()], claimed, restart };
}

/** The template's parts other than functions, each served by a listener or poller made at start. */
export type TemplateResources = Omit<LoadedTemplate, 'functions' | 'warnings'>;

const RESOURCES: ReadonlyArray<readonly [keyof TemplateResources, string]> = [
  ['apis', 'HTTP and REST APIs'],
  ['urls', 'function URLs'],
  ['albs', 'load balancers'],
  ['edges', 'CloudFront distributions'],
  ['queues', 'SQS queues'],
  ['sqsMappings', 'SQS event source mappings'],
  ['schedules', 'schedules'],
  ['eventRules', 'EventBridge rules'],
  ['eventBuses', 'EventBridge buses'],
  ['s3Buckets', 'S3 buckets'],
  ['s3Notifications', 'S3 notifications'],
  ['streams', 'Kinesis streams'],
  ['streamMappings', 'Kinesis event source mappings'],
];

/**
 * The kinds of non-function resources whose definitions differ.
 *
 * @example changedResources(before, after) // ['HTTP and REST APIs']
 */
export function changedResources(previous: TemplateResources, next: TemplateResources): string[] {
  return RESOURCES.filter(([key]) => canonical(previous[key]) !== canonical(next[key])).map(([, label]) => label);
}
