/**
 * A typed entry point for single-file bundles, in the spirit of aws-lambda-rust-runtime's
 * `lambda_runtime::run(service_fn(handler))`: the bundle's own code is the handler, so nothing
 * is looked up through `_HANDLER`.
 *
 * Importing this module defines the `awslambda` global at once (the module's code runs before
 * the importer's), so `run(awslambda.streamifyResponse(...))` works at the top of a bundle too.
 */
import type { Context, Handler, StreamifyHandler } from 'aws-lambda';
import { installAwsLambdaGlobal, type StreamingHandler } from './runtime/awslambda-global.js';
import { readEnvironment } from './runtime/environment.js';
import type { UserHandler } from './runtime/handler-loader.js';
import { patchConsole } from './runtime/logging.js';
import { start } from './runtime/loop.js';

installAwsLambdaGlobal(readEnvironment());

/**
 * Serve `handler` with Lamina's runtime loop: patch the console, then `GET /next` -> handler ->
 * `POST /response` forever (buffered, or streamed for a `streamifyResponse` handler; managed
 * mode with `AWS_LAMBDA_MAX_CONCURRENCY`). Returns at once; the loop keeps the process alive.
 *
 * @example
 * ```ts
 * import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
 * import { run } from 'lamina/runtime-interface';
 *
 * run<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(async (event, context) => ({
 *   statusCode: 200,
 *   body: `${event.rawPath} served by ${context.functionName}`,
 * }));
 * ```
 */
export function run<TEvent = unknown, TResult = unknown>(handler: Handler<TEvent, TResult>): void;
export function run<TEvent = unknown>(handler: StreamingHandler<TEvent>): void;
export function run<TEvent = unknown, TResult = unknown>(handler: StreamifyHandler<TEvent, TResult>): void;
export function run(handler: (event: never, second: never, third: never) => unknown): void {
  const env = readEnvironment();
  patchConsole(env);
  // No top-level await (see bootstrap/index.ts): the loop is left running.
  start(env, { handler: handler as unknown as UserHandler }).catch((error: unknown) => {
    process.stderr.write(`lamina-ric: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

/** A buffered handler's context, re-exported for `run`'s callers. */
export type { Context };
