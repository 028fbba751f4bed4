/**
 * Entry point of Lamina's Node.js runtime interface client.
 *
 * The platform starts it as `node dist/runtime-interface/bootstrap/index.js`
 * with the Lambda environment (`AWS_LAMBDA_RUNTIME_API`, `_HANDLER`,
 * `LAMBDA_TASK_ROOT`, ...). It patches the console, loads the handler and
 * serves invocations until the platform stops it.
 *
 * @example
 * ```sh
 * AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 _HANDLER=index.handler LAMBDA_TASK_ROOT=/var/task \
 *   node dist/runtime-interface/bootstrap/index.js
 * ```
 */
import { readEnvironment } from '../runtime/environment.js';
import { patchConsole } from '../runtime/logging.js';
import { start } from '../runtime/loop.js';

const env = readEnvironment();
patchConsole(env);
// No top-level await: a pending top-level await would turn an emptied event
// loop (callback handlers wait for one) into exit code 13.
start(env).catch((error: unknown) => {
  process.stderr.write(`lamina-ric: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
