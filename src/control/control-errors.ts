/**
 * The Lambda management API's error catalogue (CreateFunction, UpdateFunctionCode,
 * PublishLayerVersion, ...): every error the control plane puts on the wire, with a stable code.
 *
 * Lambda's management API is REST-JSON. An error answer carries the exception name in the
 * `x-amzn-ErrorType` header, which the AWS SDK for JavaScript and the CLI read first to pick the
 * exception class, and a JSON body `{"Type":"User","message":"..."}` (`"Type":"Service"` for the
 * service's own faults). The SDK's model spells the message member `message` for most shapes and
 * `Message` for a few (InvalidZipFileException), so each entry says which. docs/errors.md lists
 * every code and test/errors.test.ts holds the two to each other; docs/deployment-packages.md
 * says when the package errors are raised.
 */

export interface ControlErrorSpec {
  readonly code: string;
  /** The exception name: the `x-amzn-ErrorType` header and the SDK's exception class. */
  readonly name: string;
  readonly status: number;
  readonly type: 'User' | 'Service';
  /** The body member the SDK's model reads the message from. */
  readonly messageKey: 'message' | 'Message';
}

function spec(code: string, name: string, status: number, type: 'User' | 'Service' = 'User', messageKey: 'message' | 'Message' = 'message'): ControlErrorSpec {
  return { code, name, status, type, messageKey };
}

export const CONTROL_ERRORS = {
  // A request body over the direct-upload limit, refused before it is parsed (base64 of 50 MB plus JSON).
  LAMINA_ERR_LAMBDA_REQUEST_TOO_LARGE: spec('LAMINA_ERR_LAMBDA_REQUEST_TOO_LARGE', 'RequestEntityTooLargeException', 413),
  LAMINA_ERR_LAMBDA_UNZIPPED_TOO_LARGE: spec('LAMINA_ERR_LAMBDA_UNZIPPED_TOO_LARGE', 'InvalidParameterValueException', 400),
  // Corrupt, truncated, encrypted, bad CRC, duplicate entries: Lambda answers all with one message.
  LAMINA_ERR_LAMBDA_INVALID_ZIP: spec('LAMINA_ERR_LAMBDA_INVALID_ZIP', 'InvalidParameterValueException', 400),
  // Zip-slip names and links out of the package: Lamina's own refusal, in Lambda's exception.
  LAMINA_ERR_LAMBDA_UNSAFE_ZIP_ENTRY: spec('LAMINA_ERR_LAMBDA_UNSAFE_ZIP_ENTRY', 'InvalidParameterValueException', 400),
  LAMINA_ERR_LAMBDA_TOO_MANY_ZIP_ENTRIES: spec('LAMINA_ERR_LAMBDA_TOO_MANY_ZIP_ENTRIES', 'InvalidParameterValueException', 400),
  LAMINA_ERR_LAMBDA_CODE_STORAGE_EXCEEDED: spec('LAMINA_ERR_LAMBDA_CODE_STORAGE_EXCEEDED', 'CodeStorageExceededException', 400),
  // Reserved for Invoke: Lambda's answer when a stored package cannot be unzipped at cold start.
  LAMINA_ERR_LAMBDA_INVALID_ZIP_FILE: spec('LAMINA_ERR_LAMBDA_INVALID_ZIP_FILE', 'InvalidZipFileException', 502, 'Service', 'Message'),
} as const satisfies Record<string, ControlErrorSpec>;

export type ControlErrorCode = keyof typeof CONTROL_ERRORS;

/**
 * A refusal of the management API, as data: the catalogue entry, the message that goes on the
 * wire, and a detail for Lamina's own log that never goes on the wire (Lambda's messages are
 * fixed; the detail says which entry or which byte count broke the rule).
 */
export interface ControlError {
  readonly code: ControlErrorCode;
  readonly message: string;
  readonly detail: string;
}

/**
 * A control error from the catalogue.
 *
 * @example
 * controlError('LAMINA_ERR_LAMBDA_INVALID_ZIP', 'Could not unzip uploaded file. ...', 'entry a.txt: bad CRC');
 */
export function controlError(code: ControlErrorCode, message: string, detail: string = message): ControlError {
  return { code, message, detail };
}

/**
 * The HTTP answer for a control error: status, the `x-amzn-ErrorType` header and the JSON body.
 *
 * @example
 * renderControlError(controlError('LAMINA_ERR_LAMBDA_CODE_STORAGE_EXCEEDED', 'Code storage limit exceeded.'));
 * // { status: 400, headers: { 'x-amzn-ErrorType': 'CodeStorageExceededException', 'Content-Type': 'application/json' }, body: '{"Type":"User","message":"Code storage limit exceeded."}' }
 */
export function renderControlError(error: ControlError): { status: number; headers: Record<string, string>; body: string } {
  const spec = CONTROL_ERRORS[error.code];
  return {
    status: spec.status,
    headers: { 'x-amzn-ErrorType': spec.name, 'Content-Type': 'application/json' },
    body: JSON.stringify({ Type: spec.type, [spec.messageKey]: error.message }),
  };
}
