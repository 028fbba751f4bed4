/**
 * The AWS JSON 1.1 protocol of EventBridge (docs/eventbridge-server.md): `POST /` with
 * `X-Amz-Target: AWSEvents.<Operation>` and an `application/x-amz-json-1.1` body. This module
 * names the operation and reads the request's members, checking their types.
 */
import { EventBridgeError } from './eventbridge-errors.js';

export const OPERATIONS = ['PutEvents', 'ListEventBuses', 'DescribeEventBus', 'ListRules', 'DescribeRule', 'ListTargetsByRule'] as const;
export type OperationName = (typeof OPERATIONS)[number];

export type Json = Record<string, unknown>;

/**
 * The operation and the body of one request.
 *
 * @throws EventBridgeError UnknownOperationException for another target, SerializationException for a body that is not a JSON object.
 * @example parseRequest('AWSEvents.ListRules', '{}') // { operation: 'ListRules', input: {} }
 */
export function parseRequest(target: string | undefined, body: string): { operation: OperationName; input: Json } {
  const name = target?.startsWith('AWSEvents.') === true ? target.slice('AWSEvents.'.length) : undefined;
  if (name === undefined || !(OPERATIONS as readonly string[]).includes(name)) {
    const served = `this endpoint serves ${OPERATIONS.join(', ')}`;
    throw new EventBridgeError('LAMINA_ERR_EVENTS_UNKNOWN_OPERATION', `The operation ${JSON.stringify(name ?? target ?? '(no X-Amz-Target)')} is not served: ${served}.`);
  }
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new EventBridgeError('LAMINA_ERR_EVENTS_SERIALIZATION', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new EventBridgeError('LAMINA_ERR_EVENTS_SERIALIZATION', 'The request body must be a JSON object.');
  return { operation: name as OperationName, input: parsed as Json };
}

/**
 * An optional string member.
 *
 * @example optionalString({ Name: 'orders' }, 'Name') // 'orders'
 */
export function optionalString(input: Json, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new EventBridgeError('LAMINA_ERR_EVENTS_SERIALIZATION', `${name} must be a string.`);
  return v;
}

/**
 * A required string member.
 *
 * @example requiredString({ Rule: 'r' }, 'Rule') // 'r'
 */
export function requiredString(input: Json, name: string): string {
  const v = optionalString(input, name);
  if (v === undefined || v === '') throw new EventBridgeError('LAMINA_ERR_EVENTS_VALIDATION', `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return v;
}

/**
 * `Limit` (1-100) and `NextToken` (an offset this server gave) of a listing, applied to `items`.
 *
 * @example page([1, 2, 3], { Limit: 2 }) // { items: [1, 2], NextToken: '2' }
 */
export function page<T>(items: readonly T[], input: Json): { items: T[]; NextToken?: string } {
  const limit = input.Limit ?? 100;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new EventBridgeError('LAMINA_ERR_EVENTS_VALIDATION', "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must be between 1 and 100");
  }
  const token = optionalString(input, 'NextToken');
  const start = token === undefined ? 0 : /^\d{1,9}$/.test(token) ? Number(token) : Number.NaN;
  if (!(start >= 0 && start <= items.length)) throw new EventBridgeError('LAMINA_ERR_EVENTS_VALIDATION', 'The NextToken is not one this server gave.');
  const end = start + limit;
  return end < items.length ? { items: items.slice(start, end), NextToken: String(end) } : { items: items.slice(start) };
}
