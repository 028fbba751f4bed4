/**
 * The EventBridge rules and buses of a template (docs/event-sources-eventbridge.md): SAM functions'
 * `Events` of Type `EventBridgeRule` and `CloudWatchEvent`, hand-written `AWS::Events::Rule`
 * resources with event patterns and Lambda targets, and `AWS::Events::EventBus` resources, read and
 * checked into definitions for the embedded EventBridge (src/services/eventbridge/).
 */
import type { EventBusDefinition, EventRuleDefinition, RuleTarget } from '../event-sources/eventbridge/rule-types.js';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { BUS_NAME, eventPattern, lambdaTarget, read, retryPolicy, ruleEnabled, RULE_NAME, targetInput, text, type RuleReader } from './eventbridge-targets.js';
import { show, type TemplateReport } from './function-properties.js';
import { conditionFalse } from './queue-resources.js';

type SamKind = 'EventBridgeRule' | 'CloudWatchEvent';

const SAM_PROPERTIES: Readonly<Record<SamKind, readonly string[]>> = {
  EventBridgeRule: ['Pattern', 'EventBusName', 'Input', 'InputPath', 'InputTransformer', 'Target', 'RetryPolicy', 'DeadLetterConfig', 'State', 'RuleName'],
  CloudWatchEvent: ['Pattern', 'EventBusName', 'Input', 'InputPath', 'Enabled', 'State'],
};
const RULE_PROPERTIES = ['Name', 'Description', 'EventBusName', 'EventPattern', 'State', 'Targets', 'RoleArn', 'ScheduleExpression'];
const TARGET_PROPERTIES = ['Id', 'Arn', 'Input', 'InputPath', 'InputTransformer', 'RetryPolicy', 'DeadLetterConfig', 'RoleArn'];

export interface RuleContext {
  readonly report: TemplateReport;
  readonly resolver: IntrinsicResolver;
  readonly region: string;
  readonly accountId: string;
}

interface PendingRule {
  readonly resource: string;
  /** Where the bus name was read, for the message when the bus does not exist. */
  readonly busProperty: string;
  readonly rule: EventRuleDefinition;
}

interface SamEvent {
  readonly resource: string;
  readonly functionName: string;
  readonly alias: string | undefined;
  readonly eventName: string;
  readonly kind: SamKind;
  readonly props: Readonly<Record<string, unknown>>;
}

/** A bus reference (name or ARN of this account and region) as a name. */
function busNameOf(ref: string, ctx: RuleContext): string | undefined {
  const m = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/.exec(ref);
  if (m === null) return BUS_NAME.test(ref) ? ref : undefined;
  return m[1] === ctx.region && m[2] === ctx.accountId ? m[3] : undefined;
}

/**
 * Collects rules while the loader walks the functions, then reads the buses and hand-written rules.
 *
 * @example
 * const rules = new EventRuleCollector(context);
 * rules.addFunction('Worker', 'worker', undefined, merged.Events);
 * const { rules: eventRules, buses } = rules.finish(resources, new Map([['worker', undefined]]));
 */
export class EventRuleCollector {
  readonly #pending: PendingRule[] = [];
  readonly #samEvents: SamEvent[] = [];

  constructor(private readonly ctx: RuleContext) {}

  /** A SAM function's `Events` (merged with Globals); SAM points the target at the AutoPublishAlias when there is one. */
  addFunction(resourceId: string, functionName: string, publishedAlias: string | undefined, events: unknown): void {
    if (!isPlainObject(events)) return;
    for (const [eventName, event] of Object.entries(events)) {
      if (!isPlainObject(event) || (event.Type !== 'EventBridgeRule' && event.Type !== 'CloudWatchEvent')) continue;
      const props = event.Properties ?? {};
      if (!isPlainObject(props)) {
        this.ctx.report.problem(resourceId, `Events.${eventName}.Properties`, `${show(props)} is not a map`);
        continue;
      }
      this.#samEvents.push({ resource: resourceId, functionName, alias: publishedAlias || undefined, eventName, kind: event.Type, props });
    }
  }

  /** Check everything, now that the template's functions (name -> AutoPublishAlias) are known. */
  finish(resources: Readonly<Record<string, unknown>>, functions: ReadonlyMap<string, string | undefined>): { rules: EventRuleDefinition[]; buses: EventBusDefinition[] } {
    const buses = this.#buses(resources);
    for (const e of this.#samEvents) this.#samRule(e);
    for (const [id, resource] of Object.entries(resources)) {
      if (isPlainObject(resource) && resource.Type === 'AWS::Events::Rule' && !conditionFalse(this.ctx.resolver, resource)) this.#ruleResource(id, resource.Properties, functions);
    }
    const known = new Set(['default', ...buses.map((b) => b.name)]);
    const rules: EventRuleDefinition[] = [];
    const seen = new Map<string, string>();
    for (const p of this.#pending) {
      if (!known.has(p.rule.busName)) {
        this.ctx.report.problem(p.resource, p.busProperty, `names event bus ${p.rule.busName}, which is neither default nor an AWS::Events::EventBus of this template`);
        continue;
      }
      const key = `${p.rule.busName}/${p.rule.name}`;
      const other = seen.get(key);
      if (other !== undefined) {
        this.ctx.report.problem(p.resource, p.busProperty.replace(/EventBusName$/, p.busProperty.startsWith('Events.') ? 'RuleName' : 'Name'), `rule name ${p.rule.name} is already used on bus ${p.rule.busName} by ${other}`);
        continue;
      }
      seen.set(key, p.rule.id);
      rules.push(p.rule);
    }
    return { rules, buses };
  }

  #buses(resources: Readonly<Record<string, unknown>>): EventBusDefinition[] {
    const out: EventBusDefinition[] = [];
    for (const [id, resource] of Object.entries(resources)) {
      if (!isPlainObject(resource) || resource.Type !== 'AWS::Events::EventBus' || conditionFalse(this.ctx.resolver, resource)) continue;
      const props = isPlainObject(resource.Properties) ? resource.Properties : {};
      const r: RuleReader = { report: this.ctx.report, resolver: this.ctx.resolver, resource: id };
      const name = text(r, props, '', 'Name');
      if (name === undefined) {
        this.ctx.report.problem(id, 'Name', 'is required');
        continue;
      }
      if (!BUS_NAME.test(name) || name === 'default' || name.startsWith('aws.')) {
        this.ctx.report.problem(id, 'Name', `${show(name)} must be 1-256 letters, digits, . - _ or /, and not default`);
        continue;
      }
      if (out.some((b) => b.name === name)) {
        this.ctx.report.problem(id, 'Name', `event bus ${name} is already defined`);
        continue;
      }
      const description = text(r, props, '', 'Description');
      out.push({ name, logicalId: id, ...(description === undefined ? {} : { description }) });
    }
    return out;
  }

  #samRule(e: SamEvent): void {
    const { report } = this.ctx;
    const prefix = `Events.${e.eventName}.Properties.`;
    const r: RuleReader = { report, resolver: this.ctx.resolver, resource: e.resource };
    const before = report.problems.length;
    for (const key of Object.keys(e.props)) {
      if (!SAM_PROPERTIES[e.kind].includes(key)) report.problem(e.resource, `${prefix}${key}`, `unknown property of a ${e.kind} event (${SAM_PROPERTIES[e.kind].join(', ')})`);
    }
    const pattern = eventPattern(r, e.props, prefix, 'Pattern');
    const busRef = text(r, e.props, prefix, 'EventBusName') ?? 'default';
    const busName = busNameOf(busRef, this.ctx);
    if (busName === undefined) report.problem(e.resource, `${prefix}EventBusName`, `${show(busRef)} is not a bus name or the ARN of a bus of this account and region`);
    const id = `${e.resource}${e.eventName}`;
    const name = text(r, e.props, prefix, 'RuleName') ?? id;
    if (!RULE_NAME.test(name)) report.problem(e.resource, `${prefix}RuleName`, `${show(name)} must be 1-64 letters, digits, dots, hyphens or underscores`);
    const targetProps = read(r, e.props, prefix, 'Target');
    let targetId = `${id}LambdaTarget`;
    if (targetProps !== undefined) {
      const given = isPlainObject(targetProps) ? targetProps.Id : undefined;
      if (typeof given !== 'string' || !RULE_NAME.test(given)) report.problem(e.resource, `${prefix}Target.Id`, `${show(given)} must be 1-64 letters, digits, dots, hyphens or underscores`);
      else targetId = given;
    }
    const deadLetterArn = this.#deadLetter(r, e.props, prefix);
    const input = targetInput(r, e.props, prefix);
    const retry = retryPolicy(r, e.props, prefix);
    const enabled = ruleEnabled(r, e.props, prefix, e.kind === 'CloudWatchEvent');
    if (report.problems.length > before || pattern === undefined || busName === undefined || input === undefined) return;
    const arn = `arn:aws:lambda:${this.ctx.region}:${this.ctx.accountId}:function:${e.functionName}${e.alias === undefined ? '' : `:${e.alias}`}`;
    const target: RuleTarget = { id: targetId, arn, functionName: e.functionName, qualifier: e.alias, input, retry, ...(deadLetterArn === undefined ? {} : { deadLetterArn }) };
    this.#pending.push({ resource: e.resource, busProperty: `${prefix}EventBusName`, rule: { id, name, busName, pattern, enabled, targets: [target] } });
  }

  /** `DeadLetterConfig`: its Arn is kept (ListTargetsByRule shows it); SAM's QueueLogicalId/Type are accepted. */
  #deadLetter(r: RuleReader, props: Readonly<Record<string, unknown>>, prefix: string): string | undefined {
    const raw = read(r, props, prefix, 'DeadLetterConfig');
    if (raw === undefined) return undefined;
    const where = `${prefix}DeadLetterConfig`;
    if (!isPlainObject(raw)) return void r.report.problem(r.resource, where, `${show(raw)} is not a map`);
    for (const key of Object.keys(raw)) if (!['Arn', 'Type', 'QueueLogicalId'].includes(key)) r.report.problem(r.resource, `${where}.${key}`, 'unknown property (Arn, Type, QueueLogicalId)');
    const arn = text(r, raw, `${where}.`, 'Arn');
    if (arn !== undefined && !/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/.test(arn)) r.report.problem(r.resource, `${where}.Arn`, `${show(arn)} is not the ARN of a standard SQS queue`);
    r.report.warn(r.resource, where, 'accepted: events reach the dead-letter queue only when EventBridge cannot hand them to the function, which cannot happen in Lamina (the durable queue takes every event); failed invokes follow the function\'s own asynchronous settings');
    return arn;
  }

  #ruleResource(id: string, rawProps: unknown, functions: ReadonlyMap<string, string | undefined>): void {
    const { report } = this.ctx;
    if (!isPlainObject(rawProps)) return report.resourceProblem(id, 'Properties must be a map with EventPattern and Targets');
    const props = rawProps;
    const r: RuleReader = { report, resolver: this.ctx.resolver, resource: id };
    const before = report.problems.length;
    for (const key of Object.keys(props)) if (!RULE_PROPERTIES.includes(key)) report.problem(id, key, `unknown property of AWS::Events::Rule (${RULE_PROPERTIES.join(', ')})`);
    if (props.EventPattern === undefined && props.ScheduleExpression !== undefined) {
      return report.warn(id, 'ScheduleExpression', 'schedule rules of AWS::Events::Rule are not run by Lamina; use a function\'s Events: Schedule');
    }
    if (props.ScheduleExpression !== undefined) report.warn(id, 'ScheduleExpression', 'ignored: Lamina runs this rule for its EventPattern only');
    const pattern = eventPattern(r, props, '', 'EventPattern');
    const busRef = text(r, props, '', 'EventBusName') ?? 'default';
    const busName = busNameOf(busRef, this.ctx);
    if (busName === undefined) report.problem(id, 'EventBusName', `${show(busRef)} is not a bus name or the ARN of a bus of this account and region`);
    const name = text(r, props, '', 'Name') ?? id;
    if (!RULE_NAME.test(name)) report.problem(id, 'Name', `${show(name)} must be 1-64 letters, digits, dots, hyphens or underscores`);
    const description = text(r, props, '', 'Description');
    const enabled = ruleEnabled(r, props, '', false);
    const targets = this.#targets(r, read(r, props, '', 'Targets'), functions);
    if (report.problems.length > before || pattern === undefined || busName === undefined) return;
    if (targets.length === 0) report.warn(id, 'Targets', 'the rule has no Lambda target: events that match it reach nothing');
    this.#pending.push({ resource: id, busProperty: 'EventBusName', rule: { id, name, busName, pattern, enabled, targets, ...(description === undefined ? {} : { description }) } });
  }

  #targets(r: RuleReader, raw: unknown, functions: ReadonlyMap<string, string | undefined>): RuleTarget[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) return r.report.problem(r.resource, 'Targets', `${show(raw)} is not a list`), [];
    if (raw.length > 5) r.report.problem(r.resource, 'Targets', `${raw.length} targets: a rule takes at most 5`);
    const out: RuleTarget[] = [];
    for (const [i, t] of raw.entries()) {
      const prefix = `Targets[${i}].`;
      if (!isPlainObject(t)) {
        r.report.problem(r.resource, `Targets[${i}]`, `${show(t)} is not a map with Id and Arn`);
        continue;
      }
      const before = r.report.problems.length;
      for (const key of Object.keys(t)) if (!TARGET_PROPERTIES.includes(key)) r.report.warn(r.resource, `${prefix}${key}`, 'ignored: it applies to targets other than Lambda functions');
      const targetId = text(r, t, prefix, 'Id');
      if (targetId === undefined || !RULE_NAME.test(targetId)) r.report.problem(r.resource, `${prefix}Id`, `${show(targetId)} must be 1-64 letters, digits, dots, hyphens or underscores`);
      else if (out.some((o) => o.id === targetId)) r.report.problem(r.resource, `${prefix}Id`, `target id ${targetId} is used twice`);
      const arnValue = read(r, t, prefix, 'Arn');
      const fn = arnValue === undefined ? void r.report.problem(r.resource, `${prefix}Arn`, 'is required') : lambdaTarget(r, `${prefix}Arn`, arnValue, { region: this.ctx.region, accountId: this.ctx.accountId, functions });
      const input = targetInput(r, t, prefix);
      const retry = retryPolicy(r, t, prefix);
      const deadLetterArn = this.#deadLetter(r, t, prefix);
      if (fn === 'other') {
        r.report.warn(r.resource, `${prefix}Arn`, `${show(arnValue)} is not a Lambda function: Lamina runs only Lambda targets; this one is skipped`);
        continue;
      }
      if (r.report.problems.length > before || fn === undefined || input === undefined || targetId === undefined) continue;
      out.push({ id: targetId, arn: fn.arn, functionName: fn.functionName, qualifier: fn.qualifier, input, retry, ...(deadLetterArn === undefined ? {} : { deadLetterArn }) });
    }
    return out;
  }
}
