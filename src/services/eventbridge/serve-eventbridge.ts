/**
 * The embedded EventBridge as `lamina serve` runs it (docs/eventbridge-server.md): started when the
 * template has EventBridge rules or buses, or when a function's destination is an EventBridge bus
 * and no `--events-endpoint` (or `--aws-endpoint`) is given; its buses are then where those
 * destinations go, so that a destination's record can trigger a rule. It starts before the
 * platform (the destination sender needs its endpoint) and hands events to the platform's durable
 * queue once `attach` gives it one; a PutEvents that comes earlier waits for it.
 */
import { ConfigError } from '../../errors.js';
import type { EventBusDefinition, EventRuleDefinition } from '../../event-sources/eventbridge/rule-types.js';
import { acceptAsEvent, type EventIntake } from '../../event-sources/schedule/scheduled-event.js';
import { startEventBridgeServer, type EventBridgeServer } from './eventbridge-server.js';

/** `--events-port`'s default: clear of Lamina's other ports (9000, 3000, 3100, 3200, 5000, 9324). */
export const DEFAULT_EVENTS_PORT = 4010;

export interface EventBridgeServeOptions {
  readonly host: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  /** Whether a destination of type EventBridge needs the embedded bus (no user endpoint for it). */
  readonly destinationsNeedIt: boolean;
  readonly log: (line: string) => void;
}

export interface StartedEventBridge {
  readonly server: EventBridgeServer;
  /** Bus ARN -> endpoint, for async destinations when the user gave no EventBridge endpoint. */
  readonly localBuses: ReadonlyMap<string, string>;
  readonly banner: string[];
  /** Start handing matched events to the platform. */
  attach(intake: EventIntake): void;
  close(): Promise<void>;
}

/**
 * Start the embedded EventBridge when the template (or a destination) needs it; undefined otherwise.
 *
 * @throws ConfigError when the port is taken.
 * @example
 * const events = await startEventBridge(loaded, { host, port: 4010, region, accountId, destinationsNeedIt, log });
 * // ... once the platform exists:
 * events?.attach(platform);
 */
export async function startEventBridge(
  template: { readonly eventRules: readonly EventRuleDefinition[]; readonly eventBuses: readonly EventBusDefinition[] },
  options: EventBridgeServeOptions,
): Promise<StartedEventBridge | undefined> {
  if (template.eventRules.length === 0 && template.eventBuses.length === 0 && !options.destinationsNeedIt) return undefined;
  let attach: (intake: EventIntake) => void = () => undefined;
  const intake = new Promise<EventIntake>((resolve) => (attach = resolve));
  let server: EventBridgeServer;
  try {
    server = await startEventBridgeServer({
      host: options.host,
      port: options.port,
      region: options.region,
      accountId: options.accountId,
      buses: template.eventBuses,
      rules: template.eventRules,
      deliver: async (d) => acceptAsEvent(await intake)(d.functionName, d.qualifier, d.payload),
      log: (line) => options.log(`Lamina: EventBridge: ${line}`),
    });
  } catch (error) {
    throw new ConfigError(`The embedded EventBridge cannot start on ${options.host}:${options.port}: ${(error as Error).message} (choose another --events-port)`);
  }
  const endpoint = server.endpoint;
  const localBuses = new Map(server.service.busArns().map((arn) => [arn, endpoint]));
  const banner = [`EventBridge (embedded, aws events --endpoint-url ${endpoint}):`];
  for (const name of server.service.busNames()) {
    banner.push(`  bus ${name}`);
    for (const rule of template.eventRules.filter((r) => r.busName === name)) {
      const targets = rule.targets.map((t) => `${t.functionName}${t.qualifier === undefined ? '' : `:${t.qualifier}`}`).join(', ');
      banner.push(`    rule ${rule.name} -> ${targets === '' ? '(no Lambda target)' : targets}${rule.enabled ? '' : ' (disabled)'}`);
    }
  }
  return { server, localBuses, banner, attach: (i) => attach(i), close: () => server.close() };
}
