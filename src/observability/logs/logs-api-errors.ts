/**
 * The CloudWatch Logs API's error catalogue (docs/cloudwatch-logs.md, "The CloudWatch Logs API"):
 * AWS JSON 1.1, the error's name in the body's `__type` and in `x-amzn-ErrorType`. Keys follow the
 * project's `LAMINA_ERR_*` convention (test/errors.test.ts checks them against docs/errors.md).
 */

export interface LogsApiErrorSpec {
  readonly code: string;
  /** The exception's name in the CloudWatch Logs service model. */
  readonly shape: string;
  readonly status: number;
}

const spec = (code: string, shape: string, status: number): LogsApiErrorSpec => ({ code, shape, status });

export const LOGS_API_ERRORS = {
  LAMINA_ERR_LOGS_RESOURCE_NOT_FOUND: spec('LAMINA_ERR_LOGS_RESOURCE_NOT_FOUND', 'ResourceNotFoundException', 400),
  LAMINA_ERR_LOGS_INVALID_PARAMETER: spec('LAMINA_ERR_LOGS_INVALID_PARAMETER', 'InvalidParameterException', 400),
  LAMINA_ERR_LOGS_UNKNOWN_OPERATION: spec('LAMINA_ERR_LOGS_UNKNOWN_OPERATION', 'UnknownOperationException', 400),
  LAMINA_ERR_LOGS_SERIALIZATION: spec('LAMINA_ERR_LOGS_SERIALIZATION', 'SerializationException', 400),
  LAMINA_ERR_LOGS_INTERNAL: spec('LAMINA_ERR_LOGS_INTERNAL', 'ServiceUnavailableException', 500),
} as const satisfies Record<string, LogsApiErrorSpec>;

export type LogsApiErrorCode = keyof typeof LOGS_API_ERRORS;

/**
 * @example throw new LogsApiError('LAMINA_ERR_LOGS_RESOURCE_NOT_FOUND', 'The specified log group does not exist.');
 */
export class LogsApiError extends Error {
  readonly spec: LogsApiErrorSpec;

  constructor(code: LogsApiErrorCode, message: string) {
    super(message);
    this.spec = LOGS_API_ERRORS[code];
    this.name = this.spec.shape;
  }
}
