/**
 * Lambda Managed Instances mode (`AWS_LAMBDA_MAX_CONCURRENCY=N`): one process serves up to N
 * invocations at once, so "the current request id" can no longer be a global. Each invocation
 * runs inside an AsyncLocalStorage scope, and the log lines read their request id (and tenant
 * id) from it: the registered symbols `logging.ts` reads become getters over the scope.
 *
 * Like the official client, the scope is also published as `awslambda.InvokeStore` (the shape
 * of `@aws/lambda-invoke-store`), which the AWS SDK and Powertools use to find the request and
 * X-Ray trace ids when `_X_AMZN_TRACE_ID` cannot be set per invocation. Callback-style handlers
 * are refused at init (they rely on an empty event loop, which a shared process never has; see
 * node-runtime.ts).
 *
 * Imported lazily, only in managed mode.
 */
import type { Invocation } from '../api-client/runtime-api-client.js';

const { AsyncLocalStorage } = process.getBuiltinModule('node:async_hooks');

/** The keys of an invocation's scope, shared with `@aws/lambda-invoke-store`. */
export const PROTECTED_KEYS = {
  REQUEST_ID: Symbol.for('_AWS_LAMBDA_REQUEST_ID'),
  X_RAY_TRACE_ID: Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID'),
  TENANT_ID: Symbol.for('_AWS_LAMBDA_TENANT_ID'),
} as const;

type Scope = Record<string | symbol, unknown>;

/** Runs a function inside an invocation's scope. */
export type InvocationScope = <T>(invocation: Invocation, fn: () => T) => T;

function invokeStore(storage: InstanceType<typeof AsyncLocalStorage<Scope>>): Record<string, unknown> {
  const isProtectedKey = (key: string | symbol): boolean => Object.values<symbol>(PROTECTED_KEYS).includes(key as symbol);
  const get = (key: string | symbol): unknown => storage.getStore()?.[key];
  return {
    PROTECTED_KEYS,
    isProtectedKey,
    getContext: () => storage.getStore(),
    hasContext: () => storage.getStore() !== undefined,
    get,
    getRequestId: () => get(PROTECTED_KEYS.REQUEST_ID) ?? '-',
    getXRayTraceId: () => get(PROTECTED_KEYS.X_RAY_TRACE_ID),
    getTenantId: () => get(PROTECTED_KEYS.TENANT_ID),
    set(key: string | symbol, value: unknown): void {
      if (isProtectedKey(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
      const store = storage.getStore();
      if (store === undefined) throw new Error('No context available');
      store[key] = value;
    },
    run: <T>(context: Scope, fn: () => T): T => storage.run(context, fn),
  };
}

/**
 * Switch the process to concurrent invocations: install the scope-reading log context and
 * `awslambda.InvokeStore`, and return the function that runs an invocation in its scope.
 *
 * @example
 * ```ts
 * const inScope = enterManagedMode();
 * await inScope(invocation, () => runInvocation(loaded, invocation, env));
 * ```
 */
export function enterManagedMode(): InvocationScope {
  const storage = new AsyncLocalStorage<Scope>();
  const fromScope = (key: symbol) => ({
    get: () => storage.getStore()?.[key],
    set: () => {}, // setLogContext's writes have no meaning here
    configurable: true,
  });
  // The slots logging.ts reads for each line.
  Object.defineProperty(globalThis, Symbol.for('aws.lambda.runtime.requestId'), fromScope(PROTECTED_KEYS.REQUEST_ID));
  Object.defineProperty(globalThis, Symbol.for('aws.lambda.runtime.tenantId'), fromScope(PROTECTED_KEYS.TENANT_ID));
  const holder = globalThis as unknown as { awslambda?: Record<string, unknown> };
  if (holder.awslambda !== undefined && holder.awslambda['InvokeStore'] === undefined) holder.awslambda['InvokeStore'] = invokeStore(storage);
  return (invocation, fn) =>
    storage.run(
      {
        [PROTECTED_KEYS.REQUEST_ID]: invocation.requestId,
        [PROTECTED_KEYS.X_RAY_TRACE_ID]: invocation.traceId,
        [PROTECTED_KEYS.TENANT_ID]: invocation.tenantId,
      },
      fn,
    );
}
