/**
 * The event EventBridge hands a rule's targets (docs/event-sources-eventbridge.md): the envelope
 * `version`, `id`, `detail-type`, `source`, `account`, `time`, `region`, `resources`, `detail`, built
 * from a PutEvents entry. This pure builder is also what `lamina event generate` prints.
 */
import { randomUUID } from 'node:crypto';

export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** ISO 8601 to the second, `Z`: `2026-11-30T06:36:31Z`. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

export interface EventBridgeEventInput {
  readonly source: string;
  readonly detailType: string;
  /** The parsed `Detail` (a JSON object for PutEvents entries). */
  readonly detail: unknown;
  readonly resources?: readonly string[] | undefined;
  /** The entry's `Time`, else now. */
  readonly time?: Date | undefined;
  readonly id?: string | undefined;
  readonly account?: string | undefined;
  readonly region?: string | undefined;
}

/**
 * EventBridge's rendering of a time: to the second, in UTC.
 *
 * @example eventTime(new Date('2026-01-02T03:04:05.678Z')) // '2026-01-02T03:04:05Z'
 */
export function eventTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/**
 * Build the event a rule's target receives (before the target's input transformation).
 *
 * @example
 * eventBridgeEvent({ source: 'com.example.orders', detailType: 'Order Placed', detail: { id: 7 } });
 * // { version: '0', id: '…', 'detail-type': 'Order Placed', source: 'com.example.orders', account: '123456789012',
 * //   time: '…Z', region: 'us-east-1', resources: [], detail: { id: 7 } }
 */
export function eventBridgeEvent(input: EventBridgeEventInput): EventBridgeEvent {
  return {
    version: '0',
    id: input.id ?? randomUUID(),
    'detail-type': input.detailType,
    source: input.source,
    account: input.account ?? '123456789012',
    time: eventTime(input.time ?? new Date()),
    region: input.region ?? 'us-east-1',
    resources: [...(input.resources ?? [])],
    detail: input.detail,
  };
}
