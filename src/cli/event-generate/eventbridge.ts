/**
 * `lamina event generate eventbridge event`: what a rule's target receives for one PutEvents entry,
 * built by `eventBridgeEvent` as the embedded EventBridge builds each matched event
 * (docs/event-sources-eventbridge.md).
 */
import { ConfigError } from '../../errors.js';
import { eventBridgeEvent } from '../../event-sources/eventbridge/eventbridge-event.js';
import type { EventSourceGenerator, GenerateContext, OptionValues } from './generator-types.js';
import { jsonText, list, text } from './option-values.js';

/** PutEvents' `Detail` must be a JSON object; the sample keeps the same rule. */
function detailObject(values: OptionValues): Record<string, unknown> {
  const parsed: unknown = JSON.parse(jsonText(values, 'detail') ?? '{}');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('--detail must be a JSON object (PutEvents refuses any other Detail as MalformedDetail)');
  }
  return parsed as Record<string, unknown>;
}

export const eventBridgeGenerator: EventSourceGenerator = {
  name: 'eventbridge',
  description: 'EventBridge rules (Events: EventBridgeRule, CloudWatchEvent, AWS::Events::Rule)',
  kinds: [
    {
      name: 'event',
      description: 'The event a rule hands its target for one PutEvents entry (before any Input, InputPath or InputTransformer)',
      options: [
        { name: 'source', description: "The entry's Source", default: 'com.example.orders' },
        { name: 'detail-type', description: "The entry's DetailType", default: 'Order Placed' },
        { name: 'detail', description: "The entry's Detail: a JSON object", default: '{"orderId":"1234","amount":42}' },
        { name: 'resource', description: 'A resource ARN of the entry (repeat for more)', multiple: true },
      ],
      build: (values: OptionValues, context: GenerateContext): unknown => {
        const source = text(values, 'source');
        const detailType = text(values, 'detail-type');
        if (source === '' || detailType === '') throw new ConfigError('--source and --detail-type must not be empty (PutEvents refuses such entries)');
        return eventBridgeEvent({ source, detailType, detail: detailObject(values), resources: list(values, 'resource'), time: context.now, account: context.accountId, region: context.region });
      },
    },
  ],
};
