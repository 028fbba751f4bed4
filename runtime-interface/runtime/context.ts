/**
 * The `context` object handed to the user's handler, built from the `/next`
 * answer and the environment, like the official Node.js client builds it.
 */
import type { ClientContext, CognitoIdentity, Context } from 'aws-lambda';
import type { Invocation } from '../api-client/runtime-api-client.js';
import type { LambdaEnvironment } from './environment.js';

/** The completion functions exposed as `context.done/succeed/fail` (deprecated, still used). */
export interface ContextCompletion {
  done(error?: unknown, result?: unknown): void;
  succeed(result: unknown): void;
  fail(error: unknown): void;
}

function parseJsonHeader<T>(raw: string | undefined, name: string): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch (error) {
    throw new Error(`Cannot parse ${name} as json: ${String(error)}`);
  }
}

/**
 * Set `process.env._X_AMZN_TRACE_ID` for this invoke, or delete it when the
 * invoke carries no trace header (so one invoke's id never leaks into the next).
 *
 * @example
 * ```ts
 * applyTraceId('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
 * applyTraceId(undefined); // deletes it
 * ```
 */
export function applyTraceId(traceId: string | undefined): void {
  if (traceId) process.env['_X_AMZN_TRACE_ID'] = traceId;
  else delete process.env['_X_AMZN_TRACE_ID'];
}

/**
 * Build the handler's context. Throws when the client-context or
 * cognito-identity header is not JSON (the invoke then fails with that error,
 * as in the official client).
 *
 * @example
 * ```ts
 * const context = buildContext(invocation, env, completion);
 * context.getRemainingTimeInMillis(); // invocation.deadlineMs - Date.now()
 * ```
 */
export function buildContext(invocation: Invocation, env: LambdaEnvironment, completion: ContextCompletion): Context {
  const deadlineMs = invocation.deadlineMs;
  let waitsForEmptyEventLoop = true;
  // The official Node.js 20/22 client's shape, key for key and in its order (it shows in
  // `console.log(context)` and `Object.keys(context)`): the callback part first, with
  // callbackWaitsForEmptyEventLoop as an accessor, then the environment, then the invoke headers.
  // `tenantId` is always present, undefined when the invoke has none.
  const context = {
    get callbackWaitsForEmptyEventLoop(): boolean {
      return waitsForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      waitsForEmptyEventLoop = value;
    },
    succeed: (result: unknown) => completion.succeed(result),
    fail: (error: unknown) => completion.fail(error),
    done: (error?: unknown, result?: unknown) => completion.done(error, result),
    functionVersion: env.functionVersion,
    functionName: env.functionName,
    memoryLimitInMB: env.memorySize,
    logGroupName: env.logGroupName,
    logStreamName: env.logStreamName,
    clientContext: parseJsonHeader<ClientContext>(invocation.clientContext, 'ClientContext'),
    identity: parseJsonHeader<CognitoIdentity>(invocation.cognitoIdentity, 'CognitoIdentity'),
    invokedFunctionArn: invocation.invokedFunctionArn,
    awsRequestId: invocation.requestId,
    tenantId: invocation.tenantId,
    getRemainingTimeInMillis: () => deadlineMs - Date.now(),
  };
  return context as Context;
}

/**
 * Build the context of the Node.js 24+ runtimes (docs/node-runtimes-behaviour.md): the official 4.x
 * client's shape, key for key and in its order: the invoke headers (with `xRayTraceId`), then the
 * environment; no callbackWaitsForEmptyEventLoop, succeed, fail or done. Throws on a bad
 * client-context or cognito-identity header like {@link buildContext}.
 *
 * @example
 * ```ts
 * const context = buildPromiseOnlyContext(invocation, env);
 * 'succeed' in context; // false
 * ```
 */
export function buildPromiseOnlyContext(invocation: Invocation, env: LambdaEnvironment): Context {
  const deadlineMs = invocation.deadlineMs;
  const context = {
    clientContext: parseJsonHeader<ClientContext>(invocation.clientContext, 'ClientContext'),
    identity: parseJsonHeader<CognitoIdentity>(invocation.cognitoIdentity, 'CognitoIdentity'),
    invokedFunctionArn: invocation.invokedFunctionArn,
    awsRequestId: invocation.requestId,
    tenantId: invocation.tenantId,
    xRayTraceId: invocation.traceId,
    getRemainingTimeInMillis: () => deadlineMs - Date.now(),
    functionName: env.functionName,
    functionVersion: env.functionVersion,
    memoryLimitInMB: env.memorySize,
    logGroupName: env.logGroupName,
    logStreamName: env.logStreamName,
  };
  // The `aws-lambda` types still describe the Node 20/22 context; the missing members are gone on purpose.
  return context as unknown as Context;
}
