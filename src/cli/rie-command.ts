/**
 * `lamina rie`: a drop-in for AWS's aws-lambda-rie (same flags, defaults, environment knobs and
 * bootstrap search), with concurrency, proper error reporting and Event invokes. See src/rie/.
 */
import { readHostEnvironment } from './host-environment.js';
import { untilSignal, warnIfExposed } from './cli-support.js';
import { CLI_ERRORS } from '../errors.js';
import { BootstrapNotFoundError } from '../rie/bootstrap.js';
import { runningInContainer } from '../rie/container.js';
import { parseRieArgs, RIE_DEFAULTS, RIE_LOG_LEVELS } from '../rie/rie-args.js';
import { startRie, type RunningRie } from '../rie/rie.js';

export const RIE_USAGE = `Usage: lamina rie [options] [--] [bootstrap [args...]]

Runs one Lambda function like AWS's Runtime Interface Emulator (aws-lambda-rie) and answers
  POST http://<address>/2015-03-31/functions/function/invocations
(also under the function's name). Unlike aws-lambda-rie, concurrent invokes run in more copies of
the bootstrap, function errors carry X-Amz-Function-Error, crashes are reported as Lambda reports
them, and X-Amz-Invocation-Type: Event answers 202. A timeout answers aws-lambda-rie's plain text
'Task timed out after N.00 seconds'. aws-lambda-rie's own options are read after the bootstrap too
(before a '--'), as it reads them.

Options (before the bootstrap):
  --runtime-interface-emulator-address <host:port>
                           Invoke API address (default: ${RIE_DEFAULTS.emulatorAddress}; port 0 picks a free one).
                           0.0.0.0 is aws-lambda-rie's default, needed inside a container; the API has
                           no authentication, so on a bare host (no container detected) Lamina warns
                           and you should pass 127.0.0.1:8080.
  --runtime-api-address <host:port>
                           Runtime API of the first bootstrap copy (default: ${RIE_DEFAULTS.runtimeApiAddress}); later
                           copies get free ports. Lamina listens on 127.0.0.1 only.
  --log-level <level>      Lamina's own messages on stderr: ${RIE_LOG_LEVELS.join(', ')} (default: LOG_LEVEL, else ${RIE_DEFAULTS.logLevel}).
                           The function's log (START/END/REPORT and its output) always goes to stdout.
  --max-concurrency <n>    Most bootstrap copies at once; more concurrent invokes get 429
                           TooManyRequestsException (default: AWS_LAMBDA_MAX_CONCURRENCY, else ${RIE_DEFAULTS.maxConcurrency}).
                           Given (or that variable set): a timeout answers as aws-lambda-rie's concurrency
                           mode does, {"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after N.00 seconds"}.
  --enable-init-caching    Accepted for compatibility; ignored.
  --host-node              With AWS_EXECUTION_ENV=AWS_Lambda_nodejsNN.x, run on the node running Lamina
                           whatever its major (a warning names both). Default: Node NN, from the cache
                           (lamina runtimes) or installed now; its bin directory goes first on PATH.
  -h, --help               Show this help

Bootstrap: the first word is the program, the rest its arguments; with two or more words the last
one is the handler (_HANDLER), as aws-lambda-rie takes it (e.g. 'npx aws-lambda-ric index.handler').
Without one: /var/task/bootstrap, /opt/bootstrap, /var/runtime/bootstrap (first executable file).

Environment: AWS_LAMBDA_FUNCTION_NAME (default test_function), AWS_LAMBDA_FUNCTION_TIMEOUT (seconds,
default 300), AWS_LAMBDA_FUNCTION_MEMORY_SIZE (MB, default 3008), AWS_LAMBDA_FUNCTION_HANDLER or
_HANDLER, LOG_LEVEL, AWS_LAMBDA_MAX_CONCURRENCY. The whole environment is forwarded to the bootstrap, as aws-lambda-rie does.
The runtime's working directory and LAMBDA_TASK_ROOT: $LAMBDA_TASK_ROOT when set, else the current
directory (bootstrap given) or /var/task (bootstrap found).
The executables of /opt/extensions start before the runtime (external extensions), as aws-lambda-rie
starts them; the Extensions and Telemetry APIs are served.

Exit status: 0 after SIGINT/SIGTERM, 1 when no bootstrap can be run, 2 for bad options.
`;

/** What the command talks to; tests replace parts of it. */
export interface RieCommandIo {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Resolves when the command should stop (default: the first SIGINT or SIGTERM). */
  readonly untilStop?: () => Promise<string>;
  /** Called once the emulator is listening. */
  readonly onReady?: (rie: RunningRie) => void;
}

/**
 * @example
 * process.exitCode = await rieCommand(['--runtime-interface-emulator-address', '127.0.0.1:8080', '--', './bootstrap']);
 */
export async function rieCommand(args: string[], io: RieCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => process.stderr.write(text));
  const parsed = parseRieArgs(args);
  if (parsed.help) {
    stdout(RIE_USAGE);
    return 0;
  }
  const env = io.env ?? process.env;
  // Listen for signals before starting, so that an early SIGTERM still stops cleanly.
  const stop = (io.untilStop ?? untilSignal)();
  let rie: RunningRie;
  try {
    rie = await startRie({
      emulatorAddress: parsed.emulatorAddress,
      runtimeApiAddress: parsed.runtimeApiAddress,
      // Not given: AWS_LAMBDA_MAX_CONCURRENCY, else the default (src/rie/rie.ts).
      ...(parsed.concurrencyMode ? { maxConcurrency: parsed.maxConcurrency, concurrencyMode: true } : {}),
      ...(parsed.logLevel === undefined ? {} : { logLevel: parsed.logLevel }),
      bootstrap: parsed.bootstrap,
      hostNode: parsed.hostNode,
      env,
      ...(io.cwd === undefined ? {} : { cwd: io.cwd }),
      functionOutput: stdout,
      messageOutput: stderr,
    });
  } catch (error) {
    if (error instanceof BootstrapNotFoundError) {
      stderr(`lamina rie: ${error.message}\n`);
      return CLI_ERRORS.LAMINA_ERR_RIE_BOOTSTRAP_NOT_FOUND.exitCode;
    }
    throw error;
  }
  for (const option of parsed.ignored) rie.log.warn(`${option} is accepted for compatibility with aws-lambda-rie and ignored`);
  const host = readHostEnvironment(env);
  if (rie.log.enabled('warn') && !runningInContainer({ hint: host.rie.containerHint })) {
    warnIfExposed(parsed.emulatorAddress.host);
  }
  io.onReady?.(rie);
  const signal = await stop;
  rie.log.info(`${signal} received, stopping the bootstrap copies`);
  await rie.stop();
  return 0;
}
