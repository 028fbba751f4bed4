/**
 * The runtime's main loop: init (load the handler, or report
 * `/init/error` and exit), then forever `GET /next` -> call the handler ->
 * `POST /response` or `/error`.
 *
 * Cold start matters: only what init needs is imported statically; the
 * invocation machinery (context, completion rules) is imported while the
 * first `GET /next` is already waiting.
 */
import { RuntimeApiClient, type Invocation } from '../api-client/runtime-api-client.js';
import type { LambdaEnvironment } from './environment.js';
import { JsonStringifyError, PlatformError, UnhandledPromiseRejectionError, toErrorResponse } from './errors.js';
import { loadHandler, type LoadedHandler } from './handler-loader.js';
import type { InvocationOutcome } from './invocation.js';
import { logError, setLogContext } from './logging.js';

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
 * `undefined` becomes `null`; a value JSON cannot express fails with Runtime.JSONStringifyError.
 *
 * @example
 * ```ts
 * serializeResult(undefined); // 'null'
 * serializeResult({ a: 1 }); // '{"a":1}'
 * ```
 */
export function serializeResult(result: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new JsonStringifyError();
  }
  return json ?? 'null';
}

function fatal(message: string): never {
  process.stderr.write(`lamina-ric: ${message}\n`);
  process.exit(EXIT_CODES.runtimeApiError);
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
export async function start(env: LambdaEnvironment): Promise<void> {
  if (env.runtimeApi === undefined) fatal('AWS_LAMBDA_RUNTIME_API is not set');
  let client: RuntimeApiClient;
  try {
    client = new RuntimeApiClient(env.runtimeApi);
  } catch (error) {
    fatal(String(error));
  }

  // Before the first invoke a crash is an init error; afterwards it fails the invoke in flight (or the last one).
  let currentRequestId: string | undefined;
  let crashing = false;
  const crash = (label: string, error: unknown, exitCode: number): void => {
    if (crashing) return;
    crashing = true;
    logError(label, error);
    const body = toErrorResponse(error);
    // A fresh connection: the loop's connection may be held by a pending GET /next.
    const report = currentRequestId === undefined
      ? client.postInitError(body, { fresh: true })
      : client.postError(currentRequestId, body, { fresh: true });
    report.then(() => process.exit(exitCode), () => process.exit(exitCode));
  };
  process.on('uncaughtException', (error) => crash('Uncaught Exception', error, EXIT_CODES.uncaughtException));
  process.on('unhandledRejection', (reason) =>
    crash('Unhandled Promise Rejection', new UnhandledPromiseRejectionError(reason), EXIT_CODES.unhandledRejection));

  let loaded: LoadedHandler;
  try {
    if (env.handler === undefined) throw new PlatformError('_HANDLER environment variable is not set');
    loaded = await loadHandler(env.taskRoot, env.handler);
  } catch (error) {
    crashing = true;
    // The Node.js 20/22 runtimes log a failed init under this label too.
    logError('Uncaught Exception', error);
    await client.postInitError(toErrorResponse(error)).catch(() => undefined);
    process.exit(EXIT_CODES.initError);
  }

  let nextInvocation = client.next();
  const invocationModule = import('./invocation.js');
  for (;;) {
    let invocation: Invocation;
    try {
      invocation = await nextInvocation;
    } catch (error) {
      fatal(error instanceof Error ? error.message : String(error));
    }
    const { runInvocation } = await invocationModule;
    currentRequestId = invocation.requestId;
    setLogContext(invocation.requestId, invocation.tenantId);
    const outcome = await runInvocation(loaded, invocation, env);
    try {
      await report(client, invocation.requestId, outcome);
    } catch (error) {
      fatal(error instanceof Error ? error.message : String(error));
    }
    nextInvocation = client.next();
  }
}

function reportError(client: RuntimeApiClient, requestId: string, error: unknown): Promise<unknown> {
  logError('Invoke Error', error);
  return client.postError(requestId, toErrorResponse(error));
}

function report(client: RuntimeApiClient, requestId: string, outcome: InvocationOutcome): Promise<unknown> {
  if (outcome.kind === 'error') return reportError(client, requestId, outcome.error);
  let json: string;
  try {
    json = serializeResult(outcome.result);
  } catch (error) {
    return reportError(client, requestId, error);
  }
  return client.postResponse(requestId, json);
}
