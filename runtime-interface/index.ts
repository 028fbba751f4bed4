/**
 * Lamina's Node.js runtime interface client: the public pieces.
 *
 * Run it with `node dist/runtime-interface/bootstrap/index.js`; import from
 * here to reuse its parts or its types, or to serve a handler from a single-file
 * bundle with `run(handler)`.
 *
 * @example
 * ```ts
 * import type { Handler, APIGatewayProxyEvent } from 'lamina/runtime-interface';
 * export const handler: Handler<APIGatewayProxyEvent> = async (event) => ({ statusCode: 200, body: event.path });
 * ```
 */
export type * from 'aws-lambda';
export {
  RuntimeApiClient,
  RuntimeApiError,
  nextRequest,
  responseRequest,
  errorRequest,
  initErrorRequest,
  parseInvocation,
  streamingResponseRequest,
  isSafeHeaderValue,
  STREAMING_RESPONSE_HEADERS,
  DEFAULT_STREAMING_CONTENT_TYPE,
  type ApiAnswer,
  type ApiRequest,
  type Invocation,
} from './api-client/runtime-api-client.js';
export { readEnvironment, LOG_LEVELS, type LambdaEnvironment, type LogFormat, type LogLevelName } from './runtime/environment.js';
export {
  toErrorResponse,
  intoError,
  formatErrorForLog,
  ImportModuleError,
  UserCodeSyntaxError,
  HandlerNotFoundError,
  MalformedHandlerNameError,
  JsonStringifyError,
  NodeJsExitError,
  UnhandledPromiseRejectionError,
  PlatformError,
  MalformedStreamingHandlerError,
  InvalidStreamingOperationError,
  CallbackHandlerDeprecatedError,
  RIC_ERROR_TYPES,
  type ErrorResponse,
} from './runtime/errors.js';
export { loadHandler, parseHandlerName, type HandlerName, type LoadedHandler, type UserHandler } from './runtime/handler-loader.js';
export { buildContext, applyTraceId, type ContextCompletion } from './runtime/context.js';
export { patchConsole, logError, setLogContext, formatTextLine, formatJsonLine, type LoggingOptions, type LineWriter } from './runtime/logging.js';
export { start, serializeResult, EXIT_CODES, type StartOptions } from './runtime/loop.js';
export {
  streamifyResponse,
  HttpResponseStream,
  streamingMetadata,
  installAwsLambdaGlobal,
  HTTP_INTEGRATION_CONTENT_TYPE,
  type ResponseStream,
  type StreamingHandler,
  type StreamifyOptions,
  type HttpResponseMetadata,
  type AwsLambdaGlobal,
} from './runtime/awslambda-global.js';
export { onShutdown, runShutdownHooks, DEFAULT_SHUTDOWN_TIMEOUT_MS, type ShutdownHook, type ShutdownOptions } from './runtime/shutdown.js';
export { formatXRayCause, parseStack, type XRayErrorCause, type XRayStackFrame } from './runtime/xray-cause.js';
export { run } from './run.js';
