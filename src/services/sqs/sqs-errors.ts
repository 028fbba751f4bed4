/**
 * The embedded SQS server's error catalogue (docs/sqs-server.md): every error it puts on the wire.
 *
 * SQS speaks AWS JSON 1.0 but stays compatible with its older Query protocol, so an error carries
 * two names: the Smithy shape (`__type: "com.amazonaws.sqs#QueueDoesNotExist"`) and the Query code
 * in the `x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender` header. The AWS SDK
 * for JavaScript prefers the header and finds the exception class whose `awsQueryError` trait
 * matches it, so both must agree with the service model or callers get a generic exception.
 * Keys follow the project's `LAMINA_ERR_*` convention (test/services/sqs/sqs-errors.test.ts checks
 * they do not collide with src/errors.ts).
 */

export interface SqsErrorSpec {
  readonly code: string;
  /** The Smithy shape name, after `com.amazonaws.sqs#`. */
  readonly shape: string;
  /** The Query protocol's code: in `x-amzn-query-error` of JSON 1.0 answers, and the `<Code>` of Query ones (query-xml.ts). */
  readonly queryCode: string;
  readonly status: number;
  /** `Sender` for the caller's fault, `Receiver` for ours. */
  readonly fault: 'Sender' | 'Receiver';
}

function spec(code: string, shape: string, queryCode: string, status: number, fault: 'Sender' | 'Receiver' = 'Sender'): SqsErrorSpec {
  return { code, shape, queryCode, status, fault };
}

export const SQS_ERRORS = {
  LAMINA_ERR_SQS_QUEUE_DOES_NOT_EXIST: spec('LAMINA_ERR_SQS_QUEUE_DOES_NOT_EXIST', 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 400),
  LAMINA_ERR_SQS_QUEUE_NAME_EXISTS: spec('LAMINA_ERR_SQS_QUEUE_NAME_EXISTS', 'QueueNameExists', 'QueueAlreadyExists', 400),
  LAMINA_ERR_SQS_INVALID_ATTRIBUTE_NAME: spec('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_NAME', 'InvalidAttributeName', 'InvalidAttributeName', 400),
  LAMINA_ERR_SQS_INVALID_ATTRIBUTE_VALUE: spec('LAMINA_ERR_SQS_INVALID_ATTRIBUTE_VALUE', 'InvalidAttributeValue', 'InvalidAttributeValue', 400),
  LAMINA_ERR_SQS_INVALID_MESSAGE_CONTENTS: spec('LAMINA_ERR_SQS_INVALID_MESSAGE_CONTENTS', 'InvalidMessageContents', 'InvalidMessageContents', 400),
  LAMINA_ERR_SQS_RECEIPT_HANDLE_INVALID: spec('LAMINA_ERR_SQS_RECEIPT_HANDLE_INVALID', 'ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 404),
  LAMINA_ERR_SQS_MESSAGE_NOT_INFLIGHT: spec('LAMINA_ERR_SQS_MESSAGE_NOT_INFLIGHT', 'MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 400),
  LAMINA_ERR_SQS_EMPTY_BATCH: spec('LAMINA_ERR_SQS_EMPTY_BATCH', 'EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 400),
  LAMINA_ERR_SQS_TOO_MANY_ENTRIES: spec('LAMINA_ERR_SQS_TOO_MANY_ENTRIES', 'TooManyEntriesInBatchRequest', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400),
  LAMINA_ERR_SQS_BATCH_IDS_NOT_DISTINCT: spec('LAMINA_ERR_SQS_BATCH_IDS_NOT_DISTINCT', 'BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400),
  LAMINA_ERR_SQS_INVALID_BATCH_ENTRY_ID: spec('LAMINA_ERR_SQS_INVALID_BATCH_ENTRY_ID', 'InvalidBatchEntryId', 'AWS.SimpleQueueService.InvalidBatchEntryId', 400),
  LAMINA_ERR_SQS_BATCH_TOO_LONG: spec('LAMINA_ERR_SQS_BATCH_TOO_LONG', 'BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', 400),
  LAMINA_ERR_SQS_PURGE_IN_PROGRESS: spec('LAMINA_ERR_SQS_PURGE_IN_PROGRESS', 'PurgeQueueInProgress', 'AWS.SimpleQueueService.PurgeQueueInProgress', 403),
  LAMINA_ERR_SQS_UNSUPPORTED_OPERATION: spec('LAMINA_ERR_SQS_UNSUPPORTED_OPERATION', 'UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', 400),
  LAMINA_ERR_SQS_OVER_LIMIT: spec('LAMINA_ERR_SQS_OVER_LIMIT', 'OverLimit', 'OverLimit', 403),
  // Not modelled as shapes in the service model: the SDK raises them as SQSServiceException with this name.
  LAMINA_ERR_SQS_MISSING_PARAMETER: spec('LAMINA_ERR_SQS_MISSING_PARAMETER', 'MissingParameter', 'MissingParameter', 400),
  LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE: spec('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', 'InvalidParameterValue', 'InvalidParameterValue', 400),
  // The Query protocol's request without an Action parameter (AWS's common error of that name).
  LAMINA_ERR_SQS_MISSING_ACTION: spec('LAMINA_ERR_SQS_MISSING_ACTION', 'MissingAction', 'MissingAction', 400),
  LAMINA_ERR_SQS_INVALID_ACTION: spec('LAMINA_ERR_SQS_INVALID_ACTION', 'InvalidAction', 'InvalidAction', 400),
  LAMINA_ERR_SQS_MALFORMED_REQUEST: spec('LAMINA_ERR_SQS_MALFORMED_REQUEST', 'SerializationException', 'MalformedQueryString', 400),
  LAMINA_ERR_SQS_REQUEST_TOO_LARGE: spec('LAMINA_ERR_SQS_REQUEST_TOO_LARGE', 'RequestEntityTooLarge', 'RequestEntityTooLarge', 413),
  LAMINA_ERR_SQS_INTERNAL: spec('LAMINA_ERR_SQS_INTERNAL', 'InternalError', 'InternalError', 500, 'Receiver'),
} as const satisfies Record<string, SqsErrorSpec>;

export type SqsErrorCode = keyof typeof SQS_ERRORS;

/**
 * An SQS error, raised by validation or the operations and rendered by the HTTP layer.
 *
 * @example
 * throw new SqsError('LAMINA_ERR_SQS_QUEUE_DOES_NOT_EXIST', 'The specified queue does not exist.');
 */
export class SqsError extends Error {
  readonly spec: SqsErrorSpec;

  constructor(code: SqsErrorCode, message: string) {
    super(message);
    this.spec = SQS_ERRORS[code];
    this.name = this.spec.shape;
  }
}

/** Batch entries fail one by one: their `BatchResultErrorEntry` has the Query code and the fault. */
export interface BatchEntryFailure {
  readonly Id: string;
  readonly SenderFault: boolean;
  readonly Code: string;
  readonly Message: string;
}

/**
 * A batch entry's failure from an SqsError (or anything thrown while handling the entry).
 *
 * @example
 * failed.push(batchFailure(entry.Id, err));
 */
export function batchFailure(id: string, err: unknown): BatchEntryFailure {
  if (err instanceof SqsError) return { Id: id, SenderFault: err.spec.fault === 'Sender', Code: err.spec.queryCode, Message: err.message };
  return { Id: id, SenderFault: false, Code: 'InternalError', Message: err instanceof Error ? err.message : String(err) };
}

/**
 * The HTTP answer for an error: status, headers and the JSON 1.0 body.
 *
 * @example
 * const { status, headers, body } = renderSqsError(err);
 */
export function renderSqsError(err: SqsError): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: err.spec.status,
    headers: { 'x-amzn-query-error': `${err.spec.queryCode};${err.spec.fault}` },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${err.spec.shape}`, message: err.message }),
  };
}
