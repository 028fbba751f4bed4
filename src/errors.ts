/**
 * The platform's error catalogue: every error Lamina puts on the wire, with a stable code.
 *
 * The families (docs/errors.md lists every code, and test/errors.test.ts holds the two to each other):
 * - service errors, answered by the invoke front door with `x-amzn-ErrorType` and a JSON body
 *   `{"Type":"User","message":...}` (plus `Reason` for throttling);
 * - runtime API errors, answered to a runtime as `{"errorMessage":...,"errorType":...}`;
 * - function errors, the bodies a caller receives with `X-Amz-Function-Error: Unhandled`;
 * - HTTP parser refusals, answered with a bare status line by both listeners;
 * - CLI errors, which end a command with an exit status instead of going on the wire.
 *
 * A test (test/errors.test.ts) checks that every code is unique and every entry is well formed.
 */

/** A service error of the Invoke API, rendered by the front door. */
export interface ServiceErrorSpec {
  readonly code: string;
  readonly name: string;
  readonly status: number;
  readonly type: 'User' | 'Service';
}

export const SERVICE_ERRORS = {
  LAMINA_ERR_FUNCTION_NOT_FOUND: { code: 'LAMINA_ERR_FUNCTION_NOT_FOUND', name: 'ResourceNotFoundException', status: 404, type: 'User' },
  LAMINA_ERR_INVALID_REQUEST_CONTENT: { code: 'LAMINA_ERR_INVALID_REQUEST_CONTENT', name: 'InvalidRequestContentException', status: 400, type: 'User' },
  LAMINA_ERR_VALIDATION: { code: 'LAMINA_ERR_VALIDATION', name: 'ValidationException', status: 400, type: 'User' },
  LAMINA_ERR_INVALID_PARAMETER: { code: 'LAMINA_ERR_INVALID_PARAMETER', name: 'InvalidParameterValueException', status: 400, type: 'User' },
  LAMINA_ERR_REQUEST_TOO_LARGE: { code: 'LAMINA_ERR_REQUEST_TOO_LARGE', name: 'RequestTooLargeException', status: 413, type: 'User' },
  // The management API's name for a body over an operation's limit (not in the SDK's model: it reaches callers as a generic exception of that name).
  LAMINA_ERR_REQUEST_ENTITY_TOO_LARGE: { code: 'LAMINA_ERR_REQUEST_ENTITY_TOO_LARGE', name: 'RequestEntityTooLargeException', status: 413, type: 'User' },
  LAMINA_ERR_TOO_MANY_REQUESTS: { code: 'LAMINA_ERR_TOO_MANY_REQUESTS', name: 'TooManyRequestsException', status: 429, type: 'User' },
  LAMINA_ERR_UNSUPPORTED_MEDIA_TYPE: { code: 'LAMINA_ERR_UNSUPPORTED_MEDIA_TYPE', name: 'UnsupportedMediaTypeException', status: 415, type: 'User' },
  LAMINA_ERR_RESOURCE_CONFLICT: { code: 'LAMINA_ERR_RESOURCE_CONFLICT', name: 'ResourceConflictException', status: 409, type: 'User' },
  LAMINA_ERR_PRECONDITION_FAILED: { code: 'LAMINA_ERR_PRECONDITION_FAILED', name: 'PreconditionFailedException', status: 412, type: 'User' },
  LAMINA_ERR_PROVISIONED_CONFIG_NOT_FOUND: { code: 'LAMINA_ERR_PROVISIONED_CONFIG_NOT_FOUND', name: 'ProvisionedConcurrencyConfigNotFoundException', status: 404, type: 'User' },
  LAMINA_ERR_POLICY_LENGTH_EXCEEDED: { code: 'LAMINA_ERR_POLICY_LENGTH_EXCEEDED', name: 'PolicyLengthExceededException', status: 400, type: 'User' },
  LAMINA_ERR_UNKNOWN_OPERATION: { code: 'LAMINA_ERR_UNKNOWN_OPERATION', name: 'UnknownOperationException', status: 404, type: 'User' },
  LAMINA_ERR_METHOD_NOT_ALLOWED: { code: 'LAMINA_ERR_METHOD_NOT_ALLOWED', name: 'MethodNotAllowedException', status: 405, type: 'User' },
  // The account's stored packages would pass its code storage (75 GB by default): CreateFunction, UpdateFunctionCode.
  LAMINA_ERR_CODE_STORAGE_EXCEEDED: { code: 'LAMINA_ERR_CODE_STORAGE_EXCEEDED', name: 'CodeStorageExceededException', status: 400, type: 'User' },
  LAMINA_ERR_SERVICE: { code: 'LAMINA_ERR_SERVICE', name: 'ServiceException', status: 500, type: 'Service' },
  // SigV4 verification (`lamina serve --verify-signatures`, src/invoke/sigv4-verifier.ts).
  LAMINA_ERR_MISSING_AUTHENTICATION_TOKEN: { code: 'LAMINA_ERR_MISSING_AUTHENTICATION_TOKEN', name: 'MissingAuthenticationTokenException', status: 403, type: 'User' },
  LAMINA_ERR_INCOMPLETE_SIGNATURE: { code: 'LAMINA_ERR_INCOMPLETE_SIGNATURE', name: 'IncompleteSignatureException', status: 403, type: 'User' },
  LAMINA_ERR_UNRECOGNIZED_CLIENT: { code: 'LAMINA_ERR_UNRECOGNIZED_CLIENT', name: 'UnrecognizedClientException', status: 403, type: 'User' },
  LAMINA_ERR_INVALID_SIGNATURE: { code: 'LAMINA_ERR_INVALID_SIGNATURE', name: 'InvalidSignatureException', status: 403, type: 'User' },
  // An isolated function reached the front door through its own loopback (docs/service-endpoints.md): invokes only.
  LAMINA_ERR_ACCESS_DENIED: { code: 'LAMINA_ERR_ACCESS_DENIED', name: 'AccessDeniedException', status: 403, type: 'User' },
} as const satisfies Record<string, ServiceErrorSpec>;

export type ServiceErrorCode = keyof typeof SERVICE_ERRORS;

/** Why an invoke was throttled (docs/invoke-api.md). */
export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

/**
 * A service error raised by the platform core or the front door's parser.
 *
 * @example
 * throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${arn}`);
 */
export class ServiceError extends Error {
  readonly spec: ServiceErrorSpec;
  readonly reason: ThrottleReason | undefined;

  constructor(code: ServiceErrorCode, message: string, reason?: ThrottleReason) {
    super(message);
    this.name = SERVICE_ERRORS[code].name;
    this.spec = SERVICE_ERRORS[code];
    this.reason = reason;
  }

  /** The JSON body Lambda answers with: `{"Type":"User","message":"..."}` plus `Reason`. */
  toBody(): string {
    return JSON.stringify(
      this.reason === undefined
        ? { Type: this.spec.type, message: this.message }
        : { Reason: this.reason, Type: this.spec.type, message: this.message },
    );
  }
}

/** An error answered to a runtime by the Runtime API (docs/runtime-api.md). */
export interface RuntimeApiErrorSpec {
  readonly code: string;
  readonly errorType: string;
  readonly status: number;
}

export const RUNTIME_API_ERRORS = {
  LAMINA_ERR_RUNTIME_INVALID_REQUEST_ID: { code: 'LAMINA_ERR_RUNTIME_INVALID_REQUEST_ID', errorType: 'InvalidRequestID', status: 400 },
  LAMINA_ERR_RUNTIME_INVALID_STATE: { code: 'LAMINA_ERR_RUNTIME_INVALID_STATE', errorType: 'InvalidStateTransition', status: 403 },
  LAMINA_ERR_RUNTIME_PAYLOAD_TOO_LARGE: { code: 'LAMINA_ERR_RUNTIME_PAYLOAD_TOO_LARGE', errorType: 'RequestEntityTooLarge', status: 413 },
  LAMINA_ERR_RUNTIME_INVALID_RESPONSE_MODE: { code: 'LAMINA_ERR_RUNTIME_INVALID_RESPONSE_MODE', errorType: 'InvalidFunctionResponseMode', status: 400 },
  LAMINA_ERR_RUNTIME_NOT_FOUND: { code: 'LAMINA_ERR_RUNTIME_NOT_FOUND', errorType: 'NotFound', status: 404 },
  LAMINA_ERR_RUNTIME_METHOD_NOT_ALLOWED: { code: 'LAMINA_ERR_RUNTIME_METHOD_NOT_ALLOWED', errorType: 'MethodNotAllowed', status: 405 },
  LAMINA_ERR_RUNTIME_SHUTTING_DOWN: { code: 'LAMINA_ERR_RUNTIME_SHUTTING_DOWN', errorType: 'Runtime.ExitRequested', status: 500 },
  // The Extensions API (docs/extensions.md): Lambda answers all of these 403 with these types.
  LAMINA_ERR_EXTENSION_INVALID_NAME: { code: 'LAMINA_ERR_EXTENSION_INVALID_NAME', errorType: 'Extension.InvalidExtensionName', status: 403 },
  LAMINA_ERR_EXTENSION_INVALID_REQUEST: { code: 'LAMINA_ERR_EXTENSION_INVALID_REQUEST', errorType: 'InvalidRequestFormat', status: 403 },
  LAMINA_ERR_EXTENSION_INVALID_EVENT_TYPE: { code: 'LAMINA_ERR_EXTENSION_INVALID_EVENT_TYPE', errorType: 'Extension.InvalidEventType', status: 403 },
  LAMINA_ERR_EXTENSION_REGISTRATION_CLOSED: { code: 'LAMINA_ERR_EXTENSION_REGISTRATION_CLOSED', errorType: 'Extension.RegistrationClosed', status: 403 },
  LAMINA_ERR_EXTENSION_TOO_MANY: { code: 'LAMINA_ERR_EXTENSION_TOO_MANY', errorType: 'Extension.TooManyExtensions', status: 403 },
  LAMINA_ERR_EXTENSION_INVALID_STATE: { code: 'LAMINA_ERR_EXTENSION_INVALID_STATE', errorType: 'Extension.InvalidExtensionState', status: 403 },
  LAMINA_ERR_EXTENSION_MISSING_IDENTIFIER: { code: 'LAMINA_ERR_EXTENSION_MISSING_IDENTIFIER', errorType: 'Extension.MissingExtensionIdentifier', status: 403 },
  LAMINA_ERR_EXTENSION_INVALID_IDENTIFIER: { code: 'LAMINA_ERR_EXTENSION_INVALID_IDENTIFIER', errorType: 'Extension.InvalidExtensionIdentifier', status: 403 },
  LAMINA_ERR_EXTENSION_UNKNOWN: { code: 'LAMINA_ERR_EXTENSION_UNKNOWN', errorType: 'Extension.UnknownExtensionIdentifier', status: 403 },
  LAMINA_ERR_EXTENSION_MISSING_HEADER: { code: 'LAMINA_ERR_EXTENSION_MISSING_HEADER', errorType: 'Extension.MissingHeader', status: 403 },
  // Telemetry and Logs API subscribe (docs/telemetry.md).
  LAMINA_ERR_TELEMETRY_VALIDATION: { code: 'LAMINA_ERR_TELEMETRY_VALIDATION', errorType: 'ValidationError', status: 400 },
  LAMINA_ERR_TELEMETRY_SUBSCRIPTION_CLOSED: { code: 'LAMINA_ERR_TELEMETRY_SUBSCRIPTION_CLOSED', errorType: 'Telemetry.SubscriptionClosed', status: 403 },
  LAMINA_ERR_TELEMETRY_UNREACHABLE: { code: 'LAMINA_ERR_TELEMETRY_UNREACHABLE', errorType: 'Telemetry.Unavailable', status: 501 },
} as const satisfies Record<string, RuntimeApiErrorSpec>;

export type RuntimeApiErrorCode = keyof typeof RUNTIME_API_ERRORS;

/** The body of a Runtime API error answer. */
export function runtimeApiErrorBody(code: RuntimeApiErrorCode, message: string): string {
  return JSON.stringify({ errorMessage: message, errorType: RUNTIME_API_ERRORS[code].errorType });
}

/**
 * An answer of an HTTP front end in its own words: API Gateway's `{"message": ...}` with a status,
 * or, for function URLs, Lambda's `{"Message": ...}` (`form: 'Message'`) or the bare text
 * (`form: 'text'`), with the `x-amzn-ErrorType` header when Lambda sends one.
 */
export interface GatewayErrorSpec {
  readonly code: string;
  readonly status: number;
  /** `null` for the REST authorizer failure, whose default body is `{"message":null}`. */
  readonly message: string | null;
  readonly form?: 'Message' | 'text';
  readonly errorType?: string;
}

/** HTTP API (API Gateway v2), REST API and function URL answers that are not the function's (docs/http-front-ends.md). */
export const GATEWAY_ERRORS = {
  LAMINA_ERR_GW_HTTP_NOT_FOUND: { code: 'LAMINA_ERR_GW_HTTP_NOT_FOUND', status: 404, message: 'Not Found' },
  LAMINA_ERR_GW_HTTP_INTERNAL: { code: 'LAMINA_ERR_GW_HTTP_INTERNAL', status: 500, message: 'Internal Server Error' },
  LAMINA_ERR_GW_HTTP_TIMEOUT: { code: 'LAMINA_ERR_GW_HTTP_TIMEOUT', status: 503, message: 'Service Unavailable' },
  LAMINA_ERR_GW_HTTP_THROTTLED: { code: 'LAMINA_ERR_GW_HTTP_THROTTLED', status: 429, message: 'Too Many Requests' },
  LAMINA_ERR_GW_HTTP_TOO_LARGE: { code: 'LAMINA_ERR_GW_HTTP_TOO_LARGE', status: 413, message: 'Request Entity Too Large' },
  LAMINA_ERR_GW_HTTP_UNAUTHORIZED: { code: 'LAMINA_ERR_GW_HTTP_UNAUTHORIZED', status: 401, message: 'Unauthorized' },
  LAMINA_ERR_GW_HTTP_FORBIDDEN: { code: 'LAMINA_ERR_GW_HTTP_FORBIDDEN', status: 403, message: 'Forbidden' },
  // REST APIs: the default messages of API Gateway's gateway responses.
  LAMINA_ERR_GW_REST_MISSING_TOKEN: { code: 'LAMINA_ERR_GW_REST_MISSING_TOKEN', status: 403, message: 'Missing Authentication Token' },
  LAMINA_ERR_GW_REST_INTERNAL: { code: 'LAMINA_ERR_GW_REST_INTERNAL', status: 502, message: 'Internal server error' },
  LAMINA_ERR_GW_REST_TIMEOUT: { code: 'LAMINA_ERR_GW_REST_TIMEOUT', status: 504, message: 'Endpoint request timed out' },
  LAMINA_ERR_GW_REST_THROTTLED: { code: 'LAMINA_ERR_GW_REST_THROTTLED', status: 429, message: 'Too Many Requests' },
  LAMINA_ERR_GW_REST_TOO_LARGE: { code: 'LAMINA_ERR_GW_REST_TOO_LARGE', status: 413, message: 'Request Too Long' },
  // Lambda function URLs: Lambda's own answers, not API Gateway's.
  LAMINA_ERR_GW_URL_FORBIDDEN: { code: 'LAMINA_ERR_GW_URL_FORBIDDEN', status: 403, message: 'Forbidden', form: 'Message', errorType: 'AccessDeniedException' },
  LAMINA_ERR_GW_URL_INTERNAL: { code: 'LAMINA_ERR_GW_URL_INTERNAL', status: 502, message: 'Internal Server Error', form: 'text' },
  LAMINA_ERR_GW_URL_THROTTLED: { code: 'LAMINA_ERR_GW_URL_THROTTLED', status: 429, message: 'Rate Exceeded.', form: 'Message', errorType: 'TooManyRequestsException' },
  LAMINA_ERR_GW_URL_TOO_LARGE: { code: 'LAMINA_ERR_GW_URL_TOO_LARGE', status: 413, message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation', form: 'Message', errorType: 'RequestTooLargeException' },
  LAMINA_ERR_GW_REST_UNAUTHORIZED: { code: 'LAMINA_ERR_GW_REST_UNAUTHORIZED', status: 401, message: 'Unauthorized' },
  LAMINA_ERR_GW_REST_EXPLICIT_DENY: { code: 'LAMINA_ERR_GW_REST_EXPLICIT_DENY', status: 403, message: 'User is not authorized to access this resource with an explicit deny' },
  LAMINA_ERR_GW_REST_IMPLICIT_DENY: { code: 'LAMINA_ERR_GW_REST_IMPLICIT_DENY', status: 403, message: 'User is not authorized to access this resource' },
  LAMINA_ERR_GW_REST_AUTHORIZER_FAILURE: { code: 'LAMINA_ERR_GW_REST_AUTHORIZER_FAILURE', status: 500, message: null },
  // Lambda@Edge: CloudFront's HTML error page; errorType is the word CloudFront puts in `x-cache`.
  LAMINA_ERR_GW_EDGE_VALIDATION: { code: 'LAMINA_ERR_GW_EDGE_VALIDATION', status: 502, message: 'The Lambda function result failed validation', form: 'text', errorType: 'LambdaValidationError' },
  LAMINA_ERR_GW_EDGE_INVALID_JSON: { code: 'LAMINA_ERR_GW_EDGE_INVALID_JSON', status: 502, message: 'The Lambda function returned invalid JSON', form: 'text', errorType: 'LambdaValidationError' },
  LAMINA_ERR_GW_EDGE_EXECUTION: { code: 'LAMINA_ERR_GW_EDGE_EXECUTION', status: 503, message: "The Lambda function associated with the CloudFront distribution is invalid or doesn't have the required permissions", form: 'text', errorType: 'LambdaExecutionError' },
  LAMINA_ERR_GW_EDGE_THROTTLED: { code: 'LAMINA_ERR_GW_EDGE_THROTTLED', status: 503, message: 'The Lambda function associated with the CloudFront distribution was throttled', form: 'text', errorType: 'LambdaLimitExceeded' },
  LAMINA_ERR_GW_EDGE_ORIGIN: { code: 'LAMINA_ERR_GW_EDGE_ORIGIN', status: 502, message: "CloudFront wasn't able to connect to the origin", form: 'text', errorType: 'Error' },
  LAMINA_ERR_GW_EDGE_TOO_LARGE: { code: 'LAMINA_ERR_GW_EDGE_TOO_LARGE', status: 413, message: 'The request body is over the 52428800 bytes the local CloudFront buffers', form: 'text', errorType: 'Error' },
} as const satisfies Record<string, GatewayErrorSpec>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

/** An Application Load Balancer's own answer: its status, reason phrase and HTML page. */
export interface AlbErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly reason: string;
}

/** What an Application Load Balancer answers when the answer is not the Lambda target's (docs/http-front-ends.md). */
export const ALB_ERRORS = {
  LAMINA_ERR_ALB_BAD_GATEWAY: { code: 'LAMINA_ERR_ALB_BAD_GATEWAY', status: 502, reason: 'Bad Gateway' },
  LAMINA_ERR_ALB_TOO_LARGE: { code: 'LAMINA_ERR_ALB_TOO_LARGE', status: 413, reason: 'Request Entity Too Large' },
  LAMINA_ERR_ALB_BAD_REQUEST: { code: 'LAMINA_ERR_ALB_BAD_REQUEST', status: 400, reason: 'Bad Request' },
} as const satisfies Record<string, AlbErrorSpec>;

export type AlbErrorCode = keyof typeof ALB_ERRORS;

/**
 * The HTML page an Application Load Balancer sends with its own answers.
 *
 * @example albErrorPage('LAMINA_ERR_ALB_BAD_GATEWAY') // '<html>\r\n<head><title>502 Bad Gateway</title></head>...'
 */
export function albErrorPage(code: AlbErrorCode): string {
  const { status, reason } = ALB_ERRORS[code];
  return `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n</body>\r\n</html>\r\n`;
}

/** Error types the platform itself produces for a failed invocation (docs/invoke-api.md). */
export const FUNCTION_ERROR_TYPES = {
  LAMINA_ERR_FN_TIMEOUT: 'Sandbox.Timedout',
  LAMINA_ERR_FN_EXIT: 'Runtime.ExitError',
  LAMINA_ERR_FN_OUT_OF_MEMORY: 'Runtime.OutOfMemory',
  LAMINA_ERR_FN_RESPONSE_TOO_LARGE: 'Function.ResponseSizeTooLarge',
  LAMINA_ERR_FN_UNKNOWN: 'Runtime.Unknown',
  LAMINA_ERR_FN_FUNCTION_UNKNOWN: 'Function.Unknown',
  LAMINA_ERR_FN_TRUNCATED_RESPONSE: 'Runtime.TruncatedResponse',
  LAMINA_ERR_FN_EXTENSION_CRASH: 'Extension.Crash',
  LAMINA_ERR_FN_EXTENSION_INIT_ERROR: 'Extension.InitError',
  LAMINA_ERR_FN_EXTENSION_EXIT_ERROR: 'Extension.ExitError',
} as const;

export type FunctionErrorCode = keyof typeof FUNCTION_ERROR_TYPES;

/** A function error as the caller receives it: its type and the JSON body sent with `X-Amz-Function-Error`. */
export interface FunctionErrorBody {
  readonly errorType: string;
  readonly payload: Buffer;
  /**
   * Content type of `payload` when it is not Lambda's error JSON: only `lamina rie` sets it, for
   * AWS's RIE's plain-text timeout body (src/rie/rie-invoke-port.ts).
   */
  readonly contentType?: string;
}

/**
 * The body of a function error the platform writes itself: `errorType` first, as Lambda writes
 * its own (`Sandbox.Timedout`, `Runtime.ExitError`, ...). See docs/errors.md.
 *
 * @example
 * functionErrorBody('Runtime.Unknown', 'oops').payload.toString(); // '{"errorType":"Runtime.Unknown","errorMessage":"oops"}'
 */
export function functionErrorBody(errorType: string, errorMessage: string): FunctionErrorBody {
  return { errorType, payload: Buffer.from(JSON.stringify({ errorType, errorMessage })) };
}

/**
 * A platform-made function error from the catalogue.
 *
 * @example
 * platformFunctionError('LAMINA_ERR_FN_EXIT', 'RequestId: abc Error: Runtime exited with error: exit status 1');
 */
export function platformFunctionError(code: FunctionErrorCode, errorMessage: string): FunctionErrorBody {
  return functionErrorBody(FUNCTION_ERROR_TYPES[code], errorMessage);
}

/** Error types a runtime may report are checked against this pattern (docs/runtime-api.md). */
export const ERROR_TYPE_PATTERN = /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/;

/**
 * The error type the caller sees for a type reported by a runtime.
 *
 * @example
 * validatedErrorType('Function.MyError'); // 'Function.MyError'
 * validatedErrorType('Function.bad type'); // 'Function.Unknown'
 * validatedErrorType(undefined); // 'Runtime.Unknown'
 */
export function validatedErrorType(reported: string | undefined): string {
  if (reported !== undefined && ERROR_TYPE_PATTERN.test(reported)) return reported;
  if (reported !== undefined && reported.startsWith('Function.')) return FUNCTION_ERROR_TYPES.LAMINA_ERR_FN_FUNCTION_UNKNOWN;
  return FUNCTION_ERROR_TYPES.LAMINA_ERR_FN_UNKNOWN;
}

/**
 * Requests so malformed that Node's HTTP parser refuses them before any route sees them: both
 * listeners (Invoke API and Runtime API) answer with a bare status line and close the socket.
 */
export const HTTP_ERRORS = {
  LAMINA_ERR_HTTP_BAD_REQUEST: { code: 'LAMINA_ERR_HTTP_BAD_REQUEST', status: 400, reason: 'Bad Request' },
  LAMINA_ERR_HTTP_HEADERS_TOO_LARGE: { code: 'LAMINA_ERR_HTTP_HEADERS_TOO_LARGE', status: 431, reason: 'Request Header Fields Too Large' },
  LAMINA_ERR_HTTP_REQUEST_TIMEOUT: { code: 'LAMINA_ERR_HTTP_REQUEST_TIMEOUT', status: 408, reason: 'Request Timeout' },
} as const satisfies Record<string, { readonly code: string; readonly status: number; readonly reason: string }>;

/** What `answerClientError` needs of a socket (a `net.Socket` or `stream.Duplex`). */
interface ClientSocket {
  readonly writable: boolean;
  end(data: string): unknown;
  destroy(): unknown;
}

/**
 * The answer to bytes that are not HTTP: 431 for headers over Node's limit, 408 for a head or
 * request not received within the listener's timeout (a slow client), else 400, with no
 * body, then the connection is closed. Written at once; a listener calls it through
 * `refuseInOrder` (src/http-in-order.ts), once the answers owed before it are written.
 *
 * @example
 * answerClientError(error, socket);
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: ClientSocket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const spec =
    error.code === 'HPE_HEADER_OVERFLOW' ? HTTP_ERRORS.LAMINA_ERR_HTTP_HEADERS_TOO_LARGE : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? HTTP_ERRORS.LAMINA_ERR_HTTP_REQUEST_TIMEOUT : HTTP_ERRORS.LAMINA_ERR_HTTP_BAD_REQUEST;
  socket.end(`HTTP/1.1 ${spec.status} ${spec.reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Errors that end a `lamina` command instead of going on the wire: the message on stderr, this exit status. */
export const CLI_ERRORS = {
  LAMINA_ERR_CONFIG: { code: 'LAMINA_ERR_CONFIG', name: 'ConfigError', exitCode: 2 },
  LAMINA_ERR_RIE_BOOTSTRAP_NOT_FOUND: { code: 'LAMINA_ERR_RIE_BOOTSTRAP_NOT_FOUND', name: 'BootstrapNotFoundError', exitCode: 1 },
} as const satisfies Record<string, { readonly code: string; readonly name: string; readonly exitCode: number }>;

/** A configuration problem (template, flags): names where it is and which rule it breaks. */
export class ConfigError extends Error {
  readonly code = CLI_ERRORS.LAMINA_ERR_CONFIG.code;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
