/**
 * EventBridge rules as the template gives them (docs/event-sources-eventbridge.md): what
 * src/config/eventbridge-rules.ts reads from `Events: EventBridgeRule` / `CloudWatchEvent` and
 * `AWS::Events::Rule`, and what the embedded EventBridge (src/services/eventbridge/) runs.
 */

/** A JSON path of EventBridge's subset: `$`, `.name` steps, `[n]` indices, `*` wildcards. */
export type PathStep = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'any' };

export interface JsonPath {
  readonly text: string;
  readonly steps: readonly PathStep[];
}

/** What a target sends its function. */
export type TargetInput =
  | { readonly kind: 'event' }
  /** `Input`: this JSON text, as it is. */
  | { readonly kind: 'constant'; readonly text: string }
  /** `InputPath`: the part of the event at this path. */
  | { readonly kind: 'path'; readonly path: JsonPath }
  /** `InputTransformer`: the template with its placeholders filled from the paths. */
  | { readonly kind: 'transformer'; readonly paths: ReadonlyMap<string, JsonPath>; readonly template: string };

/** How long, and how often, EventBridge tries to hand an event to a target (0-185 retries, 60-86,400 s). */
export interface TargetRetryPolicy {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
}

export const DEFAULT_TARGET_RETRY: TargetRetryPolicy = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 };

export interface RuleTarget {
  /** `Target.Id` / `Targets[].Id`. */
  readonly id: string;
  readonly arn: string;
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly input: TargetInput;
  readonly retry: TargetRetryPolicy;
  /** `DeadLetterConfig.Arn`: recorded and shown by ListTargetsByRule; see the docs for why nothing reaches it. */
  readonly deadLetterArn?: string | undefined;
}

export interface EventRuleDefinition {
  /** The logical id: the resource's, or `<FunctionId><EventName>` for SAM events. */
  readonly id: string;
  readonly name: string;
  readonly busName: string;
  /** The parsed event pattern (compiled by the embedded EventBridge at start). */
  readonly pattern: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
  readonly description?: string | undefined;
  readonly targets: readonly RuleTarget[];
}

export interface EventBusDefinition {
  readonly name: string;
  /** The `AWS::Events::EventBus` logical id; undefined for `default`. */
  readonly logicalId?: string | undefined;
  readonly description?: string | undefined;
}
