/**
 * What changes with the Node.js major of the runtime (docs/node-runtimes-behaviour.md). Lambda's
 * `nodejs20.x`/`nodejs22.x` ship the 3.x line of the official client; `nodejs24.x` and later ship
 * the 4.x line, which dropped callback-style handlers:
 *
 * - a handler declaring 3 or more parameters (`handler.length >= 3`, async or not) that is not a
 *   response-streaming handler fails init with Runtime.CallbackHandlerDeprecated;
 * - the handler is called with `(event, context)` and whatever it returns is awaited and answered
 *   (a plain value too), without waiting for the event loop to empty;
 * - the context has no `callbackWaitsForEmptyEventLoop`, `done`, `succeed` or `fail`, and has `xRayTraceId`;
 * - a failed init is logged as `Init Error`, and log lines written before the first invoke carry
 *   the request id `-`;
 * - the client's own Runtime.* errors carry `name` as an own property, which shows in their logged JSON.
 *
 * Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY`) refuse callback handlers on every major.
 */
import type { LambdaEnvironment } from './environment.js';
import { CallbackHandlerDeprecatedError } from './errors.js';

/** The first Node.js major whose runtime has no callback-style handlers. */
export const FIRST_PROMISE_ONLY_MAJOR = 24;

const CALLBACK_ERROR_NODEJS22 =
  'ERROR: AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
const CALLBACK_ERROR_NODEJS24_ABOVE =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

/**
 * True when the runtime plays the 4.x client: `nodejs24.x` and later.
 * @example
 * ```ts
 * isPromiseOnlyRuntime(readEnvironment({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' })); // true
 * isPromiseOnlyRuntime(readEnvironment({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' })); // false
 * ```
 */
export function isPromiseOnlyRuntime(env: Pick<LambdaEnvironment, 'nodeMajor'>): boolean {
  return env.nodeMajor >= FIRST_PROMISE_ONLY_MAJOR;
}

/**
 * Refuse a callback-style handler where the runtime has none (Node.js 24 and later, or Managed
 * Instances), with the official client's message. `handler.length` is what the official client
 * checks: default and rest parameters do not count, an `async` 3-parameter handler does.
 * @example
 * ```ts
 * refuseCallbackHandler((event, context, callback) => callback(null), false, env); // throws on nodejs24.x
 * ```
 */
export function refuseCallbackHandler(handler: (...args: never[]) => unknown, streaming: boolean, env: LambdaEnvironment): void {
  if (handler.length < 3 || streaming) return;
  if (env.maxConcurrency === undefined && !isPromiseOnlyRuntime(env)) return;
  throw new CallbackHandlerDeprecatedError(env.executionEnv === 'AWS_Lambda_nodejs22.x' ? CALLBACK_ERROR_NODEJS22 : CALLBACK_ERROR_NODEJS24_ABOVE);
}

/**
 * Give one of the client's Runtime.* errors (errors.ts names them on the prototype) an own,
 * enumerable `name`, as the 4.x client's errors have: its logged JSON then has a `"name"` field
 * after `errorMessage`. Other values pass unchanged. Used for init errors and
 * Runtime.JSONStringifyError, the Runtime.* errors the 4.x client also raises.
 * @example
 * ```ts
 * Object.keys(withOwnName(new HandlerNotFoundError('x'))); // ['name']
 * ```
 */
export function withOwnName<T>(error: T): T {
  if (!(error instanceof Error) || Object.hasOwn(error, 'name')) return error;
  const prototype: unknown = Object.getPrototypeOf(error);
  if (typeof prototype === 'object' && prototype !== null && Object.hasOwn(prototype, 'name') && error.name.startsWith('Runtime.')) {
    Object.defineProperty(error, 'name', { value: error.name, writable: true, enumerable: true, configurable: true });
  }
  return error;
}
