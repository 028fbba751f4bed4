/**
 * Application Load Balancers of a template (docs/http-front-ends.md): each
 * `AWS::ElasticLoadBalancingV2::Listener` whose actions forward to an
 * `AWS::ElasticLoadBalancingV2::TargetGroup` with `TargetType: lambda`, the target group's function
 * (`Targets: [{ Id: !GetAtt Fn.Arn }]`) and its `lambda.multi_value_headers.enabled` attribute,
 * and the `AWS::ElasticLoadBalancingV2::ListenerRule`s of the listener (path-pattern, http-header,
 * http-request-method conditions; forward and fixed-response actions).
 */
import { createHash } from 'node:crypto';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { show, type TemplateReport } from './function-properties.js';

export interface AlbTargetGroup {
  readonly id: string;
  /** `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<16 hex>`, stable per logical id. */
  readonly arn: string;
  readonly functionName: string;
  /** `lambda.multi_value_headers.enabled`: multi-value headers and query parameters in the event and the answer. */
  readonly multiValueHeaders: boolean;
}

export type AlbAction =
  | { readonly kind: 'forward'; readonly targetGroup: AlbTargetGroup }
  | { readonly kind: 'fixed-response'; readonly status: number; readonly contentType: string | undefined; readonly body: string };

export type AlbCondition =
  | { readonly field: 'path-pattern'; readonly values: readonly string[] }
  | { readonly field: 'http-request-method'; readonly values: readonly string[] }
  | { readonly field: 'http-header'; readonly name: string; readonly values: readonly string[] };

export interface AlbRule {
  readonly priority: number;
  readonly conditions: readonly AlbCondition[];
  readonly action: AlbAction;
}

export interface AlbListener {
  /** The listener's logical id (`--alb` listeners: `Alb<Function>`). */
  readonly id: string;
  /** The template's `Port` (mapped to a local port when served). */
  readonly port: number;
  /** Rules by priority, lowest first. */
  readonly rules: readonly AlbRule[];
  readonly defaultAction: AlbAction;
}

const TARGET_GROUP = 'AWS::ElasticLoadBalancingV2::TargetGroup';
const LISTENER = 'AWS::ElasticLoadBalancingV2::Listener';
const LISTENER_RULE = 'AWS::ElasticLoadBalancingV2::ListenerRule';

/**
 * A target group ARN as ELB writes it, stable per logical id.
 *
 * @example targetGroupArn('MyTg', 'MyTg', 'us-east-1', '123456789012') // 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/MyTg/…'
 */
export function targetGroupArn(id: string, name: string, region: string, accountId: string): string {
  const hex = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${name.slice(0, 32)}/${hex}`;
}

/** The logical id a `Ref`, `Fn::GetAtt` (`X.Arn` or `[X, Arn]`) or plain string names. */
function referenced(value: unknown): string | undefined {
  if (typeof value === 'string') return value.split('.')[0];
  if (!isPlainObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const att = value['Fn::GetAtt'];
  if (typeof att === 'string') return att.split('.')[0];
  return Array.isArray(att) && typeof att[0] === 'string' ? att[0] : undefined;
}

const typeOf = (resource: unknown): string | undefined => (isPlainObject(resource) && typeof resource.Type === 'string' ? resource.Type : undefined);
const propsOf = (resource: unknown): Record<string, unknown> => (isPlainObject(resource) && isPlainObject(resource.Properties) ? resource.Properties : {});

/**
 * @example
 * const albs = albListeners(resources, functionNames, { report, resolver, region: 'us-east-1', accountId: '000000000000' });
 */
export function albListeners(
  resources: Readonly<Record<string, unknown>>,
  /** Function name by resource logical id (functions Lamina loaded). */
  functionNames: ReadonlyMap<string, string>,
  context: { readonly report: TemplateReport; readonly resolver: IntrinsicResolver; readonly region: string; readonly accountId: string },
): AlbListener[] {
  const { report, resolver } = context;
  const groups = new Map<string, AlbTargetGroup | undefined>();
  const scalar = (id: string, property: string, value: unknown): unknown => {
    const resolved = resolver.resolve(value);
    if (resolved.ok) return resolved.value;
    report.problem(id, property, resolved.reason);
    return undefined;
  };

  const targetGroup = (id: string): AlbTargetGroup | undefined => {
    if (groups.has(id)) return groups.get(id);
    const props = propsOf(resources[id]);
    let group: AlbTargetGroup | undefined;
    const targets = Array.isArray(props.Targets) ? props.Targets : [];
    const fnId = targets.length === 1 && isPlainObject(targets[0]) ? referenced(targets[0].Id) : undefined;
    const functionName = fnId === undefined ? undefined : functionNames.get(fnId) ?? /:function:([^:]+)/.exec(fnId)?.[1];
    if (scalar(id, 'TargetType', props.TargetType) !== 'lambda') report.problem(id, 'TargetType', 'Lamina serves target groups of TargetType lambda only');
    else if (functionName === undefined) report.problem(id, 'Targets', `must name one function of this template (Id: !GetAtt Fn.Arn), got ${show(props.Targets)}`);
    else {
      const attributes = Array.isArray(props.TargetGroupAttributes) ? props.TargetGroupAttributes : [];
      const multi = attributes.find((a) => isPlainObject(a) && a.Key === 'lambda.multi_value_headers.enabled');
      const enabled = isPlainObject(multi) ? String(scalar(id, 'TargetGroupAttributes', multi.Value)) : 'false';
      if (enabled !== 'true' && enabled !== 'false') report.problem(id, 'TargetGroupAttributes', `lambda.multi_value_headers.enabled must be true or false, got ${show(enabled)}`);
      const name = scalar(id, 'Name', props.Name);
      group = { id, arn: targetGroupArn(id, typeof name === 'string' ? name : id, context.region, context.accountId), functionName, multiValueHeaders: enabled === 'true' };
    }
    groups.set(id, group);
    return group;
  };

  const action = (id: string, property: string, actions: unknown): AlbAction | undefined => {
    const first = Array.isArray(actions) ? actions[0] : undefined;
    if (!isPlainObject(first)) return report.problem(id, property, 'needs one action'), undefined;
    if (first.Type === 'fixed-response' && isPlainObject(first.FixedResponseConfig)) {
      const config = first.FixedResponseConfig;
      const status = Number(scalar(id, property, config.StatusCode));
      if (!Number.isInteger(status) || status < 200 || status > 599) return report.problem(id, `${property}.FixedResponseConfig.StatusCode`, `must be 2XX, 4XX or 5XX, got ${show(config.StatusCode)}`), undefined;
      const type = scalar(id, property, config.ContentType);
      const body = scalar(id, property, config.MessageBody);
      return { kind: 'fixed-response', status, contentType: typeof type === 'string' ? type : undefined, body: typeof body === 'string' ? body : '' };
    }
    const forwardConfig = isPlainObject(first.ForwardConfig) && Array.isArray(first.ForwardConfig.TargetGroups) ? first.ForwardConfig.TargetGroups[0] : undefined;
    const groupId = first.Type === 'forward' ? referenced(first.TargetGroupArn ?? (isPlainObject(forwardConfig) ? forwardConfig.TargetGroupArn : undefined)) : undefined;
    if (groupId === undefined || typeOf(resources[groupId]) !== TARGET_GROUP) {
      return report.problem(id, property, `must forward to a target group of this template (TargetGroupArn: !Ref Tg) or be a fixed-response, got ${show(first)}`), undefined;
    }
    const group = targetGroup(groupId);
    return group === undefined ? undefined : { kind: 'forward', targetGroup: group };
  };

  const listeners: AlbListener[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (typeOf(resource) !== LISTENER) continue;
    const props = propsOf(resource);
    const port = Number(scalar(id, 'Port', props.Port));
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      report.problem(id, 'Port', `must be a port from 1 to 65535, got ${show(props.Port)}`);
      continue;
    }
    const defaultAction = action(id, 'DefaultActions', props.DefaultActions);
    const rules: AlbRule[] = [];
    for (const [ruleId, rule] of Object.entries(resources)) {
      const ruleProps = propsOf(rule);
      if (typeOf(rule) !== LISTENER_RULE || referenced(ruleProps.ListenerArn) !== id) continue;
      const priority = Number(scalar(ruleId, 'Priority', ruleProps.Priority));
      const ruleAction = action(ruleId, 'Actions', ruleProps.Actions);
      const conditions = albConditions(ruleId, scalar(ruleId, 'Conditions', ruleProps.Conditions), report);
      if (!Number.isInteger(priority) || priority < 1 || priority > 50000) report.problem(ruleId, 'Priority', `must be an integer from 1 to 50000, got ${show(ruleProps.Priority)}`);
      else if (ruleAction !== undefined && conditions !== undefined) rules.push({ priority, conditions, action: ruleAction });
    }
    if (defaultAction === undefined) continue;
    listeners.push({ id, port, rules: rules.sort((a, b) => a.priority - b.priority), defaultAction });
  }
  return listeners;
}

const strings = (value: unknown): string[] | undefined => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined);

/** A rule's conditions: `Field` with `Values`, or its `PathPatternConfig` / `HttpHeaderConfig` / `HttpRequestMethodConfig`. */
function albConditions(ruleId: string, value: unknown, report: TemplateReport): AlbCondition[] | undefined {
  const conditions: AlbCondition[] = [];
  const list: unknown[] = Array.isArray(value) ? value : [];
  for (const [i, condition] of list.entries()) {
    const c = isPlainObject(condition) ? condition : {};
    const config = (key: string): Record<string, unknown> => (isPlainObject(c[key]) ? c[key] : {});
    if (c.Field === 'path-pattern') {
      const values = strings(config('PathPatternConfig').Values ?? c.Values);
      if (values !== undefined) conditions.push({ field: 'path-pattern', values });
    } else if (c.Field === 'http-request-method') {
      const values = strings(config('HttpRequestMethodConfig').Values ?? c.Values);
      if (values !== undefined) conditions.push({ field: 'http-request-method', values: values.map((v) => v.toUpperCase()) });
    } else if (c.Field === 'http-header') {
      const name = config('HttpHeaderConfig').HttpHeaderName;
      const values = strings(config('HttpHeaderConfig').Values);
      if (typeof name === 'string' && values !== undefined) conditions.push({ field: 'http-header', name: name.toLowerCase(), values });
    }
    if (conditions.length !== i + 1) {
      report.problem(ruleId, 'Conditions', `Lamina serves path-pattern, http-header and http-request-method conditions with their Values, got ${show(condition)}`);
      return undefined;
    }
  }
  if (conditions.length === 0) report.problem(ruleId, 'Conditions', 'needs at least one condition');
  return conditions.length === 0 ? undefined : conditions;
}

/**
 * The listener `lamina serve --alb FUNCTION[=PORT]` puts in front of a function without one in the
 * template: every request forwarded to a target group named after it (multi-value headers off
 * unless asked).
 *
 * @example albForFunction('Hello', 80, { region: 'us-east-1', accountId: '000000000000', multiValueHeaders: false })
 */
export function albForFunction(functionName: string, port: number, context: { readonly region: string; readonly accountId: string; readonly multiValueHeaders: boolean }): AlbListener {
  const id = `${functionName}TargetGroup`;
  const targetGroup: AlbTargetGroup = { id, arn: targetGroupArn(id, functionName, context.region, context.accountId), functionName, multiValueHeaders: context.multiValueHeaders };
  return { id: `Alb${functionName}`, port, rules: [], defaultAction: { kind: 'forward', targetGroup } };
}
