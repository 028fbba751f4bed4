/**
 * The runtime's main loop: init (define the `awslambda` global, load the handler, or report
 * `/init/error` and exit), then forever `GET /next` -> call the handler -> `POST /response`
 * (buffered or streamed) or `/error`. In managed mode (`AWS_LAMBDA_MAX_CONCURRENCY=N`) N such
 * lanes run side by side, each on its own keep-alive connection.
 *
 * Cold start matters: only what init needs is imported statically; the invocation machinery
 * (context, completion rules, streaming) is imported while the first `GET /next` is already
 * waiting, and managed mode's machinery only in managed mode.
 */
import { RuntimeApiClient, type Invocation } from '../api-client/runtime-api-client.js';
import { installAwsLambdaGlobal, streamingMetadata, type StreamingMetadata } from './awslambda-global.js';
import type { LambdaEnvironment } from './environment.js';
import { JsonStringifyError, PlatformError, UnhandledPromiseRejectionError, toErrorResponse } from './errors.js';
import { loadHandler, type LoadedHandler, type UserHandler } from './handler-loader.js';
import type { InvocationOutcome } from './invocation.js';
import { logError, setLogContext } from './logging.js';
import { isPromiseOnlyRuntime, refuseCallbackHandler, withOwnName } from './node-runtime.js';

/** Exit codes, as the official client uses them. */
export const EXIT_CODES = {
  /** The handler could not be loaded (reported with `/init/error`). */
  initError: 1,
  /** The Runtime API failed or `AWS_LAMBDA_RUNTIME_API` is missing. */
  runtimeApiError: 1,
  uncaughtException: 129,
  unhandledRejection: 128,
} as const;

/**
 * Serialise a handler result the way the official client does:
 * `undefined` becomes `null`; a value JSON cannot express fails with Runtime.JSONStringifyError;
 * a value JSON.stringify turns into nothing (a function, a symbol) fails with TypeError
 * "Wrong arguments", the error the official clients' native Runtime API client throws for it.
 *
 * @example
 * ```ts
 * serializeResult(undefined); // 'null'
 * serializeResult({ a: 1 }); // '{"a":1}'
 * serializeResult(() => 1); // throws TypeError: Wrong arguments
 * ```
 */
export function serializeResult(result: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new JsonStringifyError();
  }
  if (json === undefined) throw new TypeError('Wrong arguments');
  return json;
}

function fatal(message: string): never {
  process.stderr.write(`lamina-ric: ${message}\n`);
  process.exit(EXIT_CODES.runtimeApiError);
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Options of {@link start}. */
export interface StartOptions {
  /** Serve this handler instead of loading `_HANDLER` (see `run.ts`). */
  handler?: UserHandler;
}

/** Fails an invocation in flight (the process is crashing). */
type Abort = (error: unknown) => Promise<unknown>;
/** Runs one invocation to its reported end. */
type Runner = (invocation: Invocation, client: RuntimeApiClient, setAbort: (abort: Abort) => void) => Promise<void>;
type Scope = <T>(invocation: Invocation, fn: () => T) => T;

async function postError(client: RuntimeApiClient, requestId: string, error: unknown, fresh = false): Promise<unknown> {
  const { formatXRayCause } = await import('./xray-cause.js');
  return client.postError(requestId, toErrorResponse(error), { fresh, xrayCause: formatXRayCause(error) });
}

/**
 * Run the runtime until the process ends. Never resolves in normal operation.
 *
 * @example
 * ```ts
 * patchConsole(env);
 * void start(readEnvironment());
 * ```
 */
export async function start(env: LambdaEnvironment, options: StartOptions = {}): Promise<void> {
  if (env.runtimeApi === undefined) fatal('AWS_LAMBDA_RUNTIME_API is not set');
  const runtimeApi = env.runtimeApi;
  const managed = env.maxConcurrency !== undefined;
  let clients: RuntimeApiClient[];
  try {
    // One client per lane: each holds its own keep-alive connection for its GET /next.
    clients = Array.from({ length: env.maxConcurrency ?? 1 }, () => new RuntimeApiClient(runtimeApi));
  } catch (error) {
    fatal(String(error));
  }
  const client = clients[0] as RuntimeApiClient;
  const promiseOnly = isPromiseOnlyRuntime(env);
  // The 4.x client's log lines before the first invoke carry its InvokeStore's default request id.
  if (promiseOnly && !managed) setLogContext('-', undefined);

  // Before the first invoke a crash is an init error; afterwards it fails the invokes in flight (or the last one).
  const inFlight = new Map<string, Abort>();
  let lastRequestId: string | undefined;
  let crashing = false;
  const crash = (label: string, error: unknown, exitCode: number): void => {
    if (crashing) return;
    crashing = true;
    logError(label, error);
    // Fresh connections: the lanes' connections may be held by pending GET /next calls.
    const reports =
      inFlight.size > 0 ? [...inFlight.values()].map((abort) => abort(error))
      : lastRequestId !== undefined ? [postError(client, lastRequestId, error, true)]
      : [client.postInitError(toErrorResponse(error), { fresh: true })];
    Promise.allSettled(reports).then(() => process.exit(exitCode));
  };
  process.on('uncaughtException', (error) => crash('Uncaught Exception', error, EXIT_CODES.uncaughtException));
  process.on('unhandledRejection', (reason) =>
    crash('Unhandled Promise Rejection', new UnhandledPromiseRejectionError(reason), EXIT_CODES.unhandledRejection));

  let loaded: LoadedHandler;
  let metadata: StreamingMetadata;
  let scope: Scope = (invocation, fn) => {
    setLogContext(invocation.requestId, invocation.tenantId);
    return fn();
  };
  try {
    installAwsLambdaGlobal(env);
    // Managed mode's scope (and awslambda.InvokeStore) must exist before the user's module runs.
    const managedMode = managed ? await import('./managed-instances.js') : undefined;
    if (managedMode !== undefined) scope = managedMode.enterManagedMode();
    if (options.handler !== undefined) {
      loaded = { handler: options.handler, isAsync: options.handler.constructor?.name === 'AsyncFunction' };
    } else {
      if (env.handler === undefined) throw new PlatformError('_HANDLER environment variable is not set');
      loaded = await loadHandler(env.taskRoot, env.handler);
    }
    metadata = streamingMetadata(loaded.handler);
    refuseCallbackHandler(loaded.handler, metadata.streaming, env);
  } catch (error) {
    crashing = true;
    // The Node.js 20/22 runtimes log a failed init as an uncaught exception (their init is a
    // top-level await); the 4.x client of Node.js 24+ catches it and says so.
    if (promiseOnly) withOwnName(error);
    logError(promiseOnly ? 'Init Error' : 'Uncaught Exception', error);
    await client.postInitError(toErrorResponse(error)).catch(() => undefined);
    process.exit(EXIT_CODES.initError);
  }

  const runner = metadata.streaming ? streamingRunner(loaded.handler, env, metadata, !managed) : bufferedRunner(loaded, env, managed);
  const lane = async (laneClient: RuntimeApiClient): Promise<never> => {
    let nextInvocation = laneClient.next();
    for (;;) {
      let invocation: Invocation;
      try {
        invocation = await nextInvocation;
      } catch (error) {
        fatal(describe(error));
      }
      const requestId = invocation.requestId;
      lastRequestId = requestId;
      inFlight.set(requestId, (error) => postError(laneClient, requestId, error, true));
      try {
        await scope(invocation, async () => (await runner)(invocation, laneClient, (abort) => inFlight.set(requestId, abort)));
      } catch (error) {
        fatal(describe(error));
      } finally {
        inFlight.delete(requestId);
      }
      nextInvocation = laneClient.next();
    }
  };
  await Promise.all(clients.map(lane));
}

/** Buffered handlers: run with the completion rules of invocation.ts, then post the result or error. */
async function bufferedRunner(loaded: LoadedHandler, env: LambdaEnvironment, managed: boolean): Promise<Runner> {
  const { runInvocation } = await import('./invocation.js');
  return async (invocation, client) => {
    // Overlapping invocations cannot share _X_AMZN_TRACE_ID: managed mode leaves it unset (the
    // trace id is in awslambda.InvokeStore), as the official client does.
    const outcome = await runInvocation(loaded, managed ? { ...invocation, traceId: undefined } : invocation, env);
    await report(client, invocation.requestId, outcome, isPromiseOnlyRuntime(env));
  };
}

async function streamingRunner(handler: UserHandler, env: LambdaEnvironment, metadata: StreamingMetadata, setTraceEnv: boolean): Promise<Runner> {
  const { runStreamingInvocation } = await import('./streaming.js');
  return (invocation, client, setAbort) =>
    runStreamingInvocation(invocation, { handler, client, env, highWaterMark: metadata.highWaterMark, setTraceEnv, onAbortable: setAbort });
}

function reportError(client: RuntimeApiClient, requestId: string, error: unknown): Promise<unknown> {
  logError('Invoke Error', error);
  return postError(client, requestId, error);
}

function report(client: RuntimeApiClient, requestId: string, outcome: InvocationOutcome, promiseOnly: boolean): Promise<unknown> {
  if (outcome.kind === 'error') return reportError(client, requestId, outcome.error);
  let json: string;
  try {
    json = serializeResult(outcome.result);
  } catch (error) {
    return reportError(client, requestId, promiseOnly ? withOwnName(error) : error);
  }
  return client.postResponse(requestId, json);
}
