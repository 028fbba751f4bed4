/**
 * The embedded EventBridge's error catalogue (docs/eventbridge-server.md): every service error it
 * puts on the wire. EventBridge speaks AWS JSON 1.1: the error's name travels in the body's
 * `__type` and in the `x-amzn-ErrorType` header, which is what the AWS SDKs and the CLI read to
 * pick the exception. Errors of one PutEvents entry are not service errors: they are answered
 * with status 200 in `Entries[].ErrorCode` (see ./put-events.ts). Keys follow the project's
 * `LAMINA_ERR_*` convention (test/errors.test.ts checks this catalogue against docs/errors.md).
 */

export interface EventBridgeErrorSpec {
  readonly code: string;
  /** The exception's name in the EventBridge service model. */
  readonly shape: string;
  readonly status: number;
}

const spec = (code: string, shape: string, status: number): EventBridgeErrorSpec => ({ code, shape, status });

export const EVENTBRIDGE_ERRORS = {
  LAMINA_ERR_EVENTS_VALIDATION: spec('LAMINA_ERR_EVENTS_VALIDATION', 'ValidationException', 400),
  LAMINA_ERR_EVENTS_RESOURCE_NOT_FOUND: spec('LAMINA_ERR_EVENTS_RESOURCE_NOT_FOUND', 'ResourceNotFoundException', 400),
  LAMINA_ERR_EVENTS_UNKNOWN_OPERATION: spec('LAMINA_ERR_EVENTS_UNKNOWN_OPERATION', 'UnknownOperationException', 400),
  LAMINA_ERR_EVENTS_SERIALIZATION: spec('LAMINA_ERR_EVENTS_SERIALIZATION', 'SerializationException', 400),
  LAMINA_ERR_EVENTS_REQUEST_TOO_LARGE: spec('LAMINA_ERR_EVENTS_REQUEST_TOO_LARGE', 'RequestEntityTooLargeException', 413),
  LAMINA_ERR_EVENTS_INTERNAL: spec('LAMINA_ERR_EVENTS_INTERNAL', 'InternalException', 500),
} as const satisfies Record<string, EventBridgeErrorSpec>;

export type EventBridgeErrorCode = keyof typeof EVENTBRIDGE_ERRORS;

/**
 * An EventBridge service error, raised by validation or an operation, rendered by the server.
 *
 * @example throw new EventBridgeError('LAMINA_ERR_EVENTS_RESOURCE_NOT_FOUND', 'Event bus orders does not exist.');
 */
export class EventBridgeError extends Error {
  readonly spec: EventBridgeErrorSpec;

  constructor(code: EventBridgeErrorCode, message: string) {
    super(message);
    this.spec = EVENTBRIDGE_ERRORS[code];
    this.name = this.spec.shape;
  }
}

/**
 * The HTTP answer for an error: status, headers and the JSON 1.1 body.
 *
 * @example renderEventBridgeError(new EventBridgeError('LAMINA_ERR_EVENTS_VALIDATION', 'bad')).body // '{"__type":"ValidationException","message":"bad"}'
 */
export function renderEventBridgeError(err: EventBridgeError): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: err.spec.status,
    headers: { 'x-amzn-errortype': err.spec.shape },
    body: JSON.stringify({ __type: err.spec.shape, message: err.message }),
  };
}
