/**
 * Which functions an event put on a bus reaches (docs/event-sources-eventbridge.md): every enabled
 * rule of that bus whose pattern matches the event sends it to each of its targets, after the
 * target's input transformation. Patterns compile once, here, with the matcher Lambda's filter
 * criteria use (../filter-pattern.ts): EventBridge's pattern language over the event envelope.
 */
import { ConfigError } from '../../errors.js';
import { compilePatternObject, type PatternMatcher } from '../filter-pattern.js';
import type { EventBridgeEvent } from './eventbridge-event.js';
import { renderTargetInput } from './input-transform.js';
import type { EventRuleDefinition } from './rule-types.js';

export interface RuleAccount {
  readonly region: string;
  readonly accountId: string;
}

/** One hand-over to a function: an asynchronous invoke with this payload. */
export interface Delivery {
  readonly ruleName: string;
  readonly targetId: string;
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly payload: Buffer;
}

/**
 * A rule's ARN: `rule/<name>` on the default bus, `rule/<bus>/<name>` on another.
 *
 * @example ruleArn({ name: 'r', busName: 'orders' }, { region: 'us-east-1', accountId: '000000000000' }) // 'arn:aws:events:us-east-1:000000000000:rule/orders/r'
 */
export function ruleArn(rule: Pick<EventRuleDefinition, 'name' | 'busName'>, account: RuleAccount): string {
  const path = rule.busName === 'default' ? rule.name : `${rule.busName}/${rule.name}`;
  return `arn:aws:events:${account.region}:${account.accountId}:rule/${path}`;
}

/**
 * The compiled rules of a template.
 *
 * @example
 * const router = new RuleRouter(loaded.eventRules, { region: 'us-east-1', accountId: '000000000000' });
 * for (const d of router.route('default', event)) await fire(d.functionName, d.qualifier, d.payload);
 */
export class RuleRouter {
  readonly #rules: { readonly rule: EventRuleDefinition; readonly matcher: PatternMatcher; readonly arn: string }[] = [];

  constructor(
    readonly rules: readonly EventRuleDefinition[],
    private readonly account: RuleAccount,
  ) {
    for (const rule of rules) {
      const compiled = compilePatternObject(rule.pattern);
      // The template loader checked every pattern; one that does not compile here is a bug.
      if (!compiled.ok) throw new ConfigError(`EventBridge rule ${rule.id}: pattern ${compiled.problem}`);
      this.#rules.push({ rule, matcher: compiled.matcher, arn: ruleArn(rule, account) });
    }
  }

  /** Every delivery `event`, put on `busName` at `ingestedAt`, makes. */
  route(busName: string, event: EventBridgeEvent, ingestedAt: Date = new Date()): Delivery[] {
    const out: Delivery[] = [];
    for (const { rule, matcher, arn } of this.#rules) {
      if (!rule.enabled || rule.busName !== busName || !matcher.matches(event)) continue;
      for (const target of rule.targets) {
        const text = renderTargetInput(target.input, event, { ruleArn: arn, ruleName: rule.name, ingestionTime: ingestedAt.toISOString() });
        out.push({ ruleName: rule.name, targetId: target.id, functionName: target.functionName, qualifier: target.qualifier, payload: Buffer.from(text) });
      }
    }
    return out;
  }

  /** The ARN of a rule by name and bus. */
  arnOf(rule: EventRuleDefinition): string {
    return ruleArn(rule, this.account);
  }
}

