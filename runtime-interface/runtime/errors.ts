/**
 * The runtime interface client's error catalogue and the conversion of
 * anything thrown into the JSON the Runtime API expects.
 *
 * The shapes and messages follow the official Node.js client
 * (`aws-lambda-ric`): error classes are named `Runtime.<Name>` on their
 * prototype, so their stack starts with that name too.
 */
// Built-ins come from process.getBuiltinModule: an ESM `import` of a built-in builds a module
// facade over all its exports, which costs cold-start time (~3 ms over the files on the init path).
const { types } = process.getBuiltinModule('node:util');

/**
 * Every error type the client itself names, by stable code (docs/errors.md describes each one;
 * test/errors.test.ts holds the two to each other). A handler's own errors keep their own names.
 */
export const RIC_ERROR_TYPES = {
  LAMINA_ERR_RIC_IMPORT_MODULE: 'Runtime.ImportModuleError',
  LAMINA_ERR_RIC_USER_CODE_SYNTAX: 'Runtime.UserCodeSyntaxError',
  LAMINA_ERR_RIC_HANDLER_NOT_FOUND: 'Runtime.HandlerNotFound',
  LAMINA_ERR_RIC_MALFORMED_HANDLER_NAME: 'Runtime.MalformedHandlerName',
  LAMINA_ERR_RIC_JSON_STRINGIFY: 'Runtime.JSONStringifyError',
  LAMINA_ERR_RIC_NODEJS_EXIT: 'Runtime.NodeJsExit',
  LAMINA_ERR_RIC_UNHANDLED_REJECTION: 'Runtime.UnhandledPromiseRejection',
  LAMINA_ERR_RIC_PLATFORM: 'Runtime.PlatformError',
  LAMINA_ERR_RIC_MALFORMED_STREAMING_HANDLER: 'Runtime.MalformedStreamingHandler',
  LAMINA_ERR_RIC_INVALID_STREAMING_OPERATION: 'Runtime.InvalidStreamingOperation',
  LAMINA_ERR_RIC_CALLBACK_HANDLER_DEPRECATED: 'Runtime.CallbackHandlerDeprecated',
  LAMINA_ERR_RIC_UNREADABLE_ERROR: 'handled',
} as const;

/** The body posted to `/invocation/{id}/error` and `/init/error`. */
export interface ErrorResponse {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

function runtimeName<T extends abstract new (...args: never[]) => Error>(cls: T, name: string): void {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true, enumerable: false });
}

/** The handler's module could not be found. The message is `String(original)`, as in the official client. */
export class ImportModuleError extends Error {
  constructor(original: unknown) {
    super(String(original));
  }
}
runtimeName(ImportModuleError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_IMPORT_MODULE);

/** The handler's module (or one it loads) has a syntax error. Keeps the original stack (file and line). */
export class UserCodeSyntaxError extends Error {
  constructor(original: Error) {
    super(String(original));
    if (original.stack !== undefined) this.stack = original.stack;
  }
}
runtimeName(UserCodeSyntaxError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_USER_CODE_SYNTAX);

/** The export named by `_HANDLER` is missing or not a function. */
export class HandlerNotFoundError extends Error {}
runtimeName(HandlerNotFoundError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_HANDLER_NOT_FOUND);

/** `_HANDLER` is not of the form `path/module.export`, or contains `..`. */
export class MalformedHandlerNameError extends Error {}
runtimeName(MalformedHandlerNameError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_MALFORMED_HANDLER_NAME);

/** The handler's result could not be serialised with `JSON.stringify`. */
export class JsonStringifyError extends Error {
  constructor(message = 'Unable to stringify response body') {
    super(message);
  }
}
runtimeName(JsonStringifyError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_JSON_STRINGIFY);

/** An async handler's promise never settled and the event loop emptied. */
export class NodeJsExitError extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
runtimeName(NodeJsExitError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_NODEJS_EXIT);

/** A promise rejection nobody handled. The message is `String(reason)`. */
export class UnhandledPromiseRejectionError extends Error {
  readonly reason: unknown;
  constructor(reason: unknown) {
    super(String(reason));
    this.reason = reason;
  }
}
runtimeName(UnhandledPromiseRejectionError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_UNHANDLED_REJECTION);

/** The platform gave the client something it cannot work with (missing variable, bad header). */
export class PlatformError extends Error {}
runtimeName(PlatformError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_PLATFORM);

/** Thrown at init when a handler carries a streaming mark other than `'response'`. */
export class MalformedStreamingHandlerError extends Error {}
runtimeName(MalformedStreamingHandlerError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_MALFORMED_STREAMING_HANDLER);

/** `setContentType` after the first write, and other misuses of the response stream. */
export class InvalidStreamingOperationError extends Error {}
runtimeName(InvalidStreamingOperationError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_INVALID_STREAMING_OPERATION);

/** A callback-style handler (three parameters, not streaming) in managed-instances mode. */
export class CallbackHandlerDeprecatedError extends Error {}
runtimeName(CallbackHandlerDeprecatedError, RIC_ERROR_TYPES.LAMINA_ERR_RIC_CALLBACK_HANDLER_DEPRECATED);

interface ErrorLike {
  name: string;
  message: string;
  stack?: string | undefined;
}

function isErrorLike(value: unknown): value is ErrorLike {
  if (types.isNativeError(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<'name' | 'message' | 'stack', unknown>>;
  return (
    typeof candidate.name === 'string' && candidate.name !== '' &&
    typeof candidate.message === 'string' && candidate.message !== '' &&
    typeof candidate.stack === 'string' && candidate.stack !== ''
  );
}

const escapeDel = (text: string): string => text.replaceAll('\x7F', '%7F');

/**
 * Convert anything thrown (or passed to `callback(err)`) into the Runtime API
 * error body, exactly like the official client:
 * an `Error` (or error-like object) gives `{errorType: name, errorMessage: message, trace: stack lines}`;
 * any other value gives `{errorType: typeof value, errorMessage: String(value), trace: []}`;
 * `null`/`undefined` (whose `toString` throws in the official client) give `errorType: "handled"`.
 *
 * @example
 * ```ts
 * toErrorResponse(new TypeError('bad'));
 * // { errorType: 'TypeError', errorMessage: 'bad', trace: ['TypeError: bad', '    at ...'] }
 * toErrorResponse('oops');
 * // { errorType: 'string', errorMessage: 'oops', trace: [] }
 * ```
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  try {
    if (isErrorLike(error)) {
      return {
        errorType: escapeDel(String(error.name)),
        errorMessage: escapeDel(String(error.message)),
        trace: typeof error.stack === 'string' ? escapeDel(error.stack).split('\n') : [],
      };
    }
    if (error === null || error === undefined) throw new TypeError('no toString');
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: RIC_ERROR_TYPES.LAMINA_ERR_RIC_UNREADABLE_ERROR,
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

/**
 * Turn any thrown value into an `Error` (non-errors become `new Error(String(value))`).
 *
 * @example
 * ```ts
 * intoError('boom').message; // 'boom'
 * ```
 */
export function intoError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function withEnumerableProperties(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const expanded: Record<string, unknown> = {
    errorType: value.name,
    errorMessage: value.message,
    code: (value as { code?: unknown }).code,
    ...value,
  };
  if (typeof value.stack === 'string') expanded['stack'] = value.stack.split('\n');
  return expanded;
}

/**
 * Format an error for the Text log, as the official client does for
 * `Invoke Error` and `Uncaught Exception` lines: a tab, then JSON with
 * `errorType`, `errorMessage`, `code`, the error's own enumerable properties
 * and `stack` as an array of lines.
 *
 * @example
 * ```ts
 * formatErrorForLog(new Error('x'));
 * // '\t{"errorType":"Error","errorMessage":"x","stack":["Error: x","    at ..."]}'
 * ```
 */
export function formatErrorForLog(error: unknown): string {
  try {
    return '\t' + JSON.stringify(error, withEnumerableProperties);
  } catch {
    return '\t' + JSON.stringify(toErrorResponse(error));
  }
}
