/**
 * Runs one invocation of the user's handler and settles on its outcome, with
 * the completion rules of the official Node.js client:
 *
 * - a returned promise (async handler) completes with its value or reason;
 * - `callback(err, result)` completes at once on error; on success it waits
 *   for the event loop to empty unless `context.callbackWaitsForEmptyEventLoop`
 *   was set to false;
 * - `context.done/succeed/fail` complete at once;
 * - the first of all these wins, later calls are ignored;
 * - a synchronous throw is `callback(err)`;
 * - if the event loop empties first, an async handler fails with
 *   Runtime.NodeJsExit and any other handler succeeds with `null`.
 *
 * On Node.js 24 and later (node-runtime.ts) there is no callback: the handler gets
 * `(event, context)`, its return value is awaited and answered, whatever it is.
 *
 * Loaded lazily by the loop, while the first `GET /next` is in flight.
 */
import type { Callback } from 'aws-lambda';
import type { Invocation } from '../api-client/runtime-api-client.js';
import { applyTraceId, buildContext, buildPromiseOnlyContext } from './context.js';
import type { LambdaEnvironment } from './environment.js';
import { NodeJsExitError } from './errors.js';
import type { LoadedHandler } from './handler-loader.js';
import { isPromiseOnlyRuntime } from './node-runtime.js';

/** How an invocation ended. */
export type InvocationOutcome = { kind: 'response'; result: unknown } | { kind: 'error'; error: unknown };

let beforeExitListener: (() => void) | undefined;
process.on('beforeExit', () => {
  const listener = beforeExitListener;
  beforeExitListener = undefined;
  listener?.();
});

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';

/**
 * Call the handler for one invocation and resolve with its outcome. Never
 * rejects: every failure (bad event JSON, bad context header, throw) is an
 * `error` outcome. Also sets `_X_AMZN_TRACE_ID` for the invoke.
 *
 * @example
 * ```ts
 * const outcome = await runInvocation(loaded, invocation, env);
 * if (outcome.kind === 'response') await client.postResponse(invocation.requestId, JSON.stringify(outcome.result ?? null));
 * ```
 */
export function runInvocation(loaded: LoadedHandler, invocation: Invocation, env: LambdaEnvironment): Promise<InvocationOutcome> {
  if (isPromiseOnlyRuntime(env)) return runPromiseOnly(loaded, invocation, env);
  return new Promise<InvocationOutcome>((resolve) => {
    let finished = false;
    const succeedNow = (result: unknown): void => {
      beforeExitListener = undefined;
      resolve({ kind: 'response', result });
    };
    const failNow = (error: unknown): void => {
      beforeExitListener = undefined;
      resolve({ kind: 'error', error });
    };
    const firstOnly = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A): void => {
      if (finished) return;
      finished = true;
      fn(...args);
    };
    const done = firstOnly((error?: unknown, result?: unknown) => {
      if (error !== undefined && error !== null) failNow(error);
      else succeedNow(result);
    });
    const succeed = firstOnly((result: unknown) => succeedNow(result));
    const fail = firstOnly((error: unknown) => failNow(error === undefined || error === null ? 'handled' : error));
    let waitsForEmptyEventLoop = (): boolean => true;
    const callback: Callback = firstOnly((error?: unknown, result?: unknown) => {
      if (error !== undefined && error !== null) failNow(error);
      else if (!waitsForEmptyEventLoop()) succeedNow(result);
      else beforeExitListener = () => setImmediate(() => succeedNow(result));
    });

    // The event loop emptied and nobody completed the invocation.
    beforeExitListener = () => {
      finished = true;
      if (loaded.isAsync) failNow(new NodeJsExitError());
      else succeedNow(null);
    };

    try {
      applyTraceId(invocation.traceId);
      const context = buildContext(invocation, env, { done, succeed, fail });
      waitsForEmptyEventLoop = () => context.callbackWaitsForEmptyEventLoop;
      const event: unknown = JSON.parse(invocation.body.toString('utf8'));
      const returned = loaded.handler(event, context, callback);
      if (isPromiseLike(returned)) returned.then(succeed, fail);
    } catch (error) {
      callback(error as Error);
    }
  });
}

/**
 * A rejection with null or undefined, as the 4.x client reports it: errorType `typeof value`,
 * errorMessage `String(value)`, no trace (toErrorResponse reads the name and message), and logged
 * as `Error: null` (intoError reads toString).
 */
function nullishRejection(value: null | undefined): { name: string; message: string; toString(): string } {
  return { name: typeof value, message: String(value), toString: () => String(value) };
}

/**
 * The Node.js 24+ rules: `await handler(event, context)`; its value is the answer, its throw or
 * rejection the error. A promise still pending when the event loop empties fails with
 * Runtime.NodeJsExit, as on Node 20/22 (the official 4.x client's process just ends there).
 */
function runPromiseOnly(loaded: LoadedHandler, invocation: Invocation, env: LambdaEnvironment): Promise<InvocationOutcome> {
  return new Promise<InvocationOutcome>((resolve) => {
    const settle = (outcome: InvocationOutcome): void => {
      beforeExitListener = undefined;
      resolve(outcome);
    };
    const fail = (error: unknown): void => settle({ kind: 'error', error: error ?? nullishRejection(error as null | undefined) });
    beforeExitListener = () => settle({ kind: 'error', error: new NodeJsExitError() });
    try {
      applyTraceId(invocation.traceId);
      const context = buildPromiseOnlyContext(invocation, env);
      const event: unknown = JSON.parse(invocation.body.toString('utf8'));
      const handler = loaded.handler as (event: unknown, context: unknown) => unknown;
      Promise.resolve(handler(event, context)).then(
        (result) => settle({ kind: 'response', result }),
        fail,
      );
    } catch (error) {
      fail(error);
    }
  });
}
