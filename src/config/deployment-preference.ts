/**
 * SAM's `DeploymentPreference` on an `AWS::Serverless::Function` (docs/deployments.md): which
 * predefined CodeDeploy configuration shifts the `AutoPublishAlias` to a new version, and the
 * `PreTraffic` / `PostTraffic` hook functions. `Alarms` and `TriggerConfigurations` are accepted
 * and not evaluated: Lamina watches the new version's error rate instead of CloudWatch alarms.
 */
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { resolveProperty, show, type TemplateReport } from './function-properties.js';

/** The predefined CodeDeploy configurations for Lambda, by SAM's short name. */
export const DEPLOYMENT_TYPES = [
  'Canary10Percent30Minutes',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Linear10PercentEvery10Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'AllAtOnce',
] as const;

export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

/** SAM also takes CodeDeploy's own names, `CodeDeployDefault.Lambda<short name>`. */
const CODEDEPLOY_PREFIX = 'CodeDeployDefault.Lambda';

export interface DeploymentPreference {
  readonly type: DeploymentType;
  /**
   * Hook functions: in a loaded template, function names; while one function is being read, the
   * logical id a `Ref` named or the string given (./sam-template.ts resolves them once every
   * function is known).
   */
  readonly preTraffic?: string | undefined;
  readonly postTraffic?: string | undefined;
  /** `Alarms` as written (not evaluated; see docs/deployments.md). */
  readonly alarms: readonly string[];
}

/** @example deploymentType('CodeDeployDefault.LambdaCanary10Percent5Minutes') // 'Canary10Percent5Minutes' */
export function deploymentType(name: string): DeploymentType | undefined {
  const short = name.startsWith(CODEDEPLOY_PREFIX) ? name.slice(CODEDEPLOY_PREFIX.length) : name;
  return (DEPLOYMENT_TYPES as readonly string[]).includes(short) ? (short as DeploymentType) : undefined;
}

/**
 * Who moves a function's `AutoPublishAlias` to a new version: the one rule the start (the template
 * applied on the saved state, src/registry/saved-state.ts) and the deployments (src/deploy/) share.
 * True: the alias stays where it is when a version is published, and a deployment shifts it on the
 * preference's schedule (and can roll it back). False: the alias is moved to the new version at once.
 * An alias that does not exist yet is created on the new version either way: there is nothing to
 * shift traffic from.
 *
 * @example shiftedByDeployment({ publishedAlias: 'live', deployment: { type: 'AllAtOnce', alarms: [] } }) // true
 */
export function shiftedByDeployment(config: { readonly publishedAlias?: string | undefined; readonly deployment?: DeploymentPreference | undefined }): boolean {
  return config.publishedAlias !== undefined && config.deployment !== undefined;
}

/** A hook: `!Ref LogicalId` (kept as the id) or a function name. */
function hookProperty(report: TemplateReport, resolver: IntrinsicResolver, id: string, property: string, raw: unknown): string | undefined {
  if (isPlainObject(raw) && typeof raw.Ref === 'string' && Object.keys(raw).length === 1) return raw.Ref;
  const value = resolveProperty(report, resolver, id, property, raw);
  if (value === undefined || !value.present) return undefined;
  if (typeof value.value !== 'string' || value.value === '') {
    report.problem(id, property, `${show(value.value)} must be a Ref to a function of the template or a function name`);
    return undefined;
  }
  return value.value;
}

function enabledProperty(report: TemplateReport, resolver: IntrinsicResolver, id: string, raw: unknown): boolean {
  const value = resolveProperty(report, resolver, id, 'DeploymentPreference.Enabled', raw);
  if (value === undefined || !value.present) return true;
  if (value.value === true || value.value === 'true' || value.value === 'True') return true;
  if (value.value === false || value.value === 'false' || value.value === 'False') return false;
  report.problem(id, 'DeploymentPreference.Enabled', `${show(value.value)} is not a boolean`);
  return true;
}

/**
 * Read `DeploymentPreference` (merged with Globals); undefined when absent or `Enabled: false`.
 * SAM refuses it without `AutoPublishAlias`, and so does Lamina.
 *
 * @example deploymentPreferenceProperty(report, resolver, 'Fn', { Type: 'Canary10Percent5Minutes' }, 'live')
 */
export function deploymentPreferenceProperty(report: TemplateReport, resolver: IntrinsicResolver, id: string, raw: unknown, publishedAlias: string | undefined): DeploymentPreference | undefined {
  const top = resolveProperty(report, resolver, id, 'DeploymentPreference', raw, false);
  if (top === undefined || !top.present) return undefined;
  if (!isPlainObject(top.value)) {
    report.problem(id, 'DeploymentPreference', `${show(top.value)} must be a map with Type`);
    return undefined;
  }
  const props = top.value;
  if (!enabledProperty(report, resolver, id, props.Enabled)) return undefined;
  if (publishedAlias === undefined || publishedAlias === '') {
    report.problem(id, 'DeploymentPreference', "'AutoPublishAlias' property is required when 'DeploymentPreference' is set (SAM refuses it too)");
    return undefined;
  }
  const typeValue = resolveProperty(report, resolver, id, 'DeploymentPreference.Type', props.Type);
  if (typeValue === undefined) return undefined;
  if (!typeValue.present) {
    report.problem(id, 'DeploymentPreference.Type', 'is required');
    return undefined;
  }
  const type = typeof typeValue.value === 'string' ? deploymentType(typeValue.value) : undefined;
  if (type === undefined) {
    report.problem(id, 'DeploymentPreference.Type', `${show(typeValue.value)} is not one of the predefined types (${DEPLOYMENT_TYPES.join(', ')}); custom CodeDeploy configurations are not supported`);
    return undefined;
  }
  const hooks = resolveProperty(report, resolver, id, 'DeploymentPreference.Hooks', props.Hooks, false);
  let preTraffic: string | undefined;
  let postTraffic: string | undefined;
  if (hooks?.present === true) {
    if (!isPlainObject(hooks.value)) report.problem(id, 'DeploymentPreference.Hooks', `${show(hooks.value)} must be a map with PreTraffic and/or PostTraffic`);
    else {
      preTraffic = hookProperty(report, resolver, id, 'DeploymentPreference.Hooks.PreTraffic', hooks.value.PreTraffic);
      postTraffic = hookProperty(report, resolver, id, 'DeploymentPreference.Hooks.PostTraffic', hooks.value.PostTraffic);
      for (const key of Object.keys(hooks.value)) if (key !== 'PreTraffic' && key !== 'PostTraffic') report.warn(id, `DeploymentPreference.Hooks.${key}`, 'ignored: Lambda deployments have only PreTraffic and PostTraffic hooks');
    }
  }
  const alarms = Array.isArray(props.Alarms) ? props.Alarms.map((alarm) => show(alarm)) : [];
  if (alarms.length > 0) report.warn(id, 'DeploymentPreference.Alarms', 'accepted, not evaluated: Lamina rolls back on the new version\'s error rate instead (docs/deployments.md)');
  if (props.TriggerConfigurations !== undefined) report.warn(id, 'DeploymentPreference.TriggerConfigurations', 'ignored: Lamina sends no deployment notifications (docs/deployments.md)');
  return { type, ...(preTraffic === undefined ? {} : { preTraffic }), ...(postTraffic === undefined ? {} : { postTraffic }), alarms };
}

/**
 * Once every function is known: hook references become function names; a hook that is not a
 * function of the template, or that is the deployed function itself, is a problem.
 *
 * @example resolveHooks(report, 'Fn', pref, new Map([['PreHook', 'pre-hook']]))
 */
export function resolveHooks(report: TemplateReport, id: string, name: string, preference: DeploymentPreference, namesById: ReadonlyMap<string, string>): DeploymentPreference {
  const names = new Set(namesById.values());
  const resolve = (property: string, reference: string | undefined): string | undefined => {
    if (reference === undefined) return undefined;
    const hook = namesById.get(reference) ?? (names.has(reference) ? reference : undefined);
    if (hook === undefined) report.problem(id, `DeploymentPreference.Hooks.${property}`, `${reference} is not a function of this template`);
    else if (hook === name) report.problem(id, `DeploymentPreference.Hooks.${property}`, 'a function cannot be its own hook');
    return hook;
  };
  const preTraffic = resolve('PreTraffic', preference.preTraffic);
  const postTraffic = resolve('PostTraffic', preference.postTraffic);
  return { type: preference.type, ...(preTraffic === undefined ? {} : { preTraffic }), ...(postTraffic === undefined ? {} : { postTraffic }), alarms: preference.alarms };
}
