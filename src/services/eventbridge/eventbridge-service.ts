/**
 * The embedded EventBridge's operations (docs/eventbridge-server.md): PutEvents onto the
 * template's buses, which hands each event to the rules that match it (../../event-sources/
 * eventbridge/rule-router.ts), and read-only views of the buses, rules and targets. Buses and rules
 * come from the template and do not change while Lamina serves.
 */
import { eventBusArn } from '../../config/resource-attributes.js';
import { RuleRouter, type Delivery } from '../../event-sources/eventbridge/rule-router.js';
import type { EventBusDefinition, EventRuleDefinition, RuleTarget } from '../../event-sources/eventbridge/rule-types.js';
import { EventBridgeError } from './eventbridge-errors.js';
import { page, optionalString, requiredString, type Json, type OperationName } from './eventbridge-protocol.js';
import { checkEntries, checkEntry } from './put-events.js';

export interface EventBridgeServiceOptions {
  readonly region: string;
  readonly accountId: string;
  /** The template's buses; `default` is always there. */
  readonly buses: readonly EventBusDefinition[];
  readonly rules: readonly EventRuleDefinition[];
  /** Hands one matched event to its function (lamina serve: an `Event` invoke into the durable queue). */
  readonly deliver: (delivery: Delivery) => Promise<unknown>;
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * @example
 * const service = new EventBridgeService({ region, accountId, buses: [], rules, deliver: async (d) => platform.accept(...) });
 * await service.execute('PutEvents', { Entries: [{ Source: 'shop', DetailType: 'Order', Detail: '{}' }] });
 */
export class EventBridgeService {
  readonly router: RuleRouter;
  readonly #buses = new Map<string, EventBusDefinition>();

  constructor(private readonly options: EventBridgeServiceOptions) {
    this.#buses.set('default', { name: 'default' });
    for (const bus of options.buses) this.#buses.set(bus.name, bus);
    this.router = new RuleRouter(options.rules, options);
  }

  /** The names of the buses served, `default` first. */
  busNames(): string[] {
    return [...this.#buses.keys()];
  }

  /** The ARNs of the buses served (async destinations of type EventBridge reach them). */
  busArns(): string[] {
    return this.busNames().map((name) => this.#arn(name));
  }

  /** Runs one operation; the HTTP layer's entry point. */
  async execute(operation: OperationName, input: Json): Promise<object> {
    switch (operation) {
      case 'PutEvents': return this.#putEvents(input);
      case 'ListEventBuses': {
        const prefix = optionalString(input, 'NamePrefix') ?? '';
        const { items, NextToken } = page(this.busNames().filter((n) => n.startsWith(prefix)), input);
        return { EventBuses: items.map((name) => this.#describeBus(name)), ...(NextToken === undefined ? {} : { NextToken }) };
      }
      case 'DescribeEventBus': return this.#describeBus(this.#busName(optionalString(input, 'Name') ?? 'default'));
      case 'ListRules': {
        const bus = this.#busName(optionalString(input, 'EventBusName') ?? 'default');
        const prefix = optionalString(input, 'NamePrefix') ?? '';
        const rules = this.options.rules.filter((r) => r.busName === bus && r.name.startsWith(prefix));
        const { items, NextToken } = page(rules, input);
        return { Rules: items.map((r) => this.#describeRule(r)), ...(NextToken === undefined ? {} : { NextToken }) };
      }
      case 'DescribeRule': return this.#describeRule(this.#rule(requiredString(input, 'Name'), optionalString(input, 'EventBusName')));
      case 'ListTargetsByRule': {
        const rule = this.#rule(requiredString(input, 'Rule'), optionalString(input, 'EventBusName'));
        const { items, NextToken } = page(rule.targets, input);
        return { Targets: items.map(targetView), ...(NextToken === undefined ? {} : { NextToken }) };
      }
    }
  }

  async #putEvents(input: Json): Promise<object> {
    const entries = checkEntries(input.Entries);
    const now = new Date();
    const context = { region: this.options.region, accountId: this.options.accountId, now, busOf: (ref: string) => this.#findBus(ref) };
    const results: Json[] = [];
    const deliveries: Delivery[] = [];
    for (const raw of entries) {
      const checked = checkEntry(raw, context);
      if (!checked.ok) {
        results.push({ ErrorCode: checked.ErrorCode, ErrorMessage: checked.ErrorMessage });
        continue;
      }
      results.push({ EventId: checked.event.id });
      deliveries.push(...this.router.route(checked.busName, checked.event, now));
    }
    // The answer waits for the hand-overs: once PutEvents answers, every matched event is queued durably.
    const settled = await Promise.allSettled(deliveries.map((d) => this.options.deliver(d)));
    for (const [i, outcome] of settled.entries()) {
      const d = deliveries[i] as Delivery;
      if (outcome.status === 'rejected') this.options.log?.(`rule ${d.ruleName} target ${d.targetId}: could not hand the event to ${d.functionName}: ${(outcome.reason as Error).message}`);
    }
    return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
  }

  /** A bus by name or ARN (of this account and region), or undefined. */
  #findBus(ref: string): string | undefined {
    const m = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/.exec(ref);
    if (m !== null) return m[1] === this.options.region && m[2] === this.options.accountId && this.#buses.has(m[3] ?? '') ? m[3] : undefined;
    return this.#buses.has(ref) ? ref : undefined;
  }

  #busName(ref: string): string {
    const name = this.#findBus(ref);
    if (name === undefined) throw new EventBridgeError('LAMINA_ERR_EVENTS_RESOURCE_NOT_FOUND', `Event bus ${ref} does not exist.`);
    return name;
  }

  #arn(name: string): string {
    return eventBusArn(this.options.region, this.options.accountId, name);
  }

  #describeBus(name: string): Json {
    const bus = this.#buses.get(name);
    return { Name: name, Arn: this.#arn(name), ...(bus?.description === undefined ? {} : { Description: bus.description }) };
  }

  #rule(name: string, busRef: string | undefined): EventRuleDefinition {
    const bus = this.#busName(busRef ?? 'default');
    const rule = this.options.rules.find((r) => r.name === name && r.busName === bus);
    if (rule === undefined) throw new EventBridgeError('LAMINA_ERR_EVENTS_RESOURCE_NOT_FOUND', `Rule ${name} does not exist on EventBus ${bus}.`);
    return rule;
  }

  #describeRule(rule: EventRuleDefinition): Json {
    return {
      Name: rule.name,
      Arn: this.router.arnOf(rule),
      EventPattern: JSON.stringify(rule.pattern),
      State: rule.enabled ? 'ENABLED' : 'DISABLED',
      EventBusName: rule.busName,
      ...(rule.description === undefined ? {} : { Description: rule.description }),
    };
  }
}

/** A target as ListTargetsByRule shows it: the template's own settings. */
function targetView(target: RuleTarget): Json {
  const input = target.input;
  return {
    Id: target.id,
    Arn: target.arn,
    ...(input.kind === 'constant' ? { Input: input.text } : {}),
    ...(input.kind === 'path' ? { InputPath: input.path.text } : {}),
    ...(input.kind === 'transformer' ? { InputTransformer: { InputPathsMap: Object.fromEntries([...input.paths].map(([k, p]) => [k, p.text])), InputTemplate: input.template } } : {}),
    RetryPolicy: { MaximumRetryAttempts: target.retry.maximumRetryAttempts, MaximumEventAgeInSeconds: target.retry.maximumEventAgeSeconds },
    ...(target.deadLetterArn === undefined ? {} : { DeadLetterConfig: { Arn: target.deadLetterArn } }),
  };
}
