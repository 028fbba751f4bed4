/**
 * `lamina rie` as a library: one function, configured from the environment the way AWS's
 * aws-lambda-rie configures it, served on RIE's single-function path
 * `POST /2015-03-31/functions/function/invocations` (and under its configured name) by the real
 * platform and front door.
 *
 * What the platform brings over AWS's RIE: concurrent invokes run in more copies of the bootstrap
 * (each with its own Runtime API port) up to `maxConcurrency`, then 429 TooManyRequestsException;
 * function errors and crashes are answered with `X-Amz-Function-Error: Unhandled` and Lambda's
 * error JSON, a timeout with AWS's RIE's plain text (src/rie/rie-invoke-port.ts); a timed-out or
 * crashed runtime is replaced; `X-Amz-Invocation-Type: Event` answers 202 and runs in the
 * background; `X-Amz-Log-Type: Tail` works.
 */
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { functionArn, type FunctionConfig } from '../config/function-config.js';
import { ConfigError } from '../errors.js';
import { createFrontDoor, listen } from '../invoke/front-door-server.js';
import { Platform, PLATFORM_DEFAULTS } from '../platform/platform.js';
import { withRuntimeNode } from './rie-node.js';
import { readHostEnvironment } from '../cli/host-environment.js';
import { resolveBootstrap } from './bootstrap.js';
import { findExternalExtensions } from '../platform/external-extensions.js';
import { RIE_DEFAULTS, parseHostPort, parseLogLevel, type HostPort, type RieLogLevel } from './rie-args.js';
import { RieLog, type MessageOutput } from './rie-log.js';
import { RIE_PATH_FUNCTION_NAME, RieInvokePort } from './rie-invoke-port.js';

export { RIE_PATH_FUNCTION_NAME };

/** Host variables kept as they are instead of the platform's Lambda defaults (AWS's RIE forwards them too). */
const HOST_KEPT = ['PATH', 'LANG', 'TZ', 'LD_LIBRARY_PATH'] as const;

export interface RieOptions {
  /** Invoke API address (default 0.0.0.0:8080; port 0 picks a free one). */
  readonly emulatorAddress?: HostPort;
  /** Runtime API address of the first environment (default 127.0.0.1:9001; port 0 picks a free one). */
  readonly runtimeApiAddress?: HostPort;
  /**
   * Most bootstrap copies running at once; more concurrent invokes get 429 (default
   * `AWS_LAMBDA_MAX_CONCURRENCY`, else 10).
   */
  readonly maxConcurrency?: number;
  /**
   * `--max-concurrency` was given: answer a timeout as the emulator's concurrency mode does (its
   * error object), as when `AWS_LAMBDA_MAX_CONCURRENCY` is set; otherwise its classic plain text.
   */
  readonly concurrencyMode?: boolean;
  /** Level of Lamina's own messages (default: `LOG_LEVEL`, else info). */
  readonly logLevel?: RieLogLevel;
  /** Bootstrap program and arguments; empty searches /var/task, /opt, /var/runtime. */
  readonly bootstrap?: readonly string[];
  /** The environment read for the RIE knobs and forwarded to the runtime (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Lamina's working directory (default process.cwd()). */
  readonly cwd?: string;
  /** Where the function's log goes (default stdout). */
  readonly functionOutput?: (text: string) => void;
  /** Where Lamina's own messages go (default stderr). */
  readonly messageOutput?: MessageOutput;
  /** SIGTERM to SIGKILL when stopping a runtime (default 2 s, like AWS's RIE's reset). */
  readonly shutdownGraceMs?: number;
  /** Default bootstrap locations (tests). */
  readonly bootstrapCandidates?: readonly string[];
  /** `--host-node`: a nodejsNN.x function runs on the node running Lamina, whatever its major. */
  readonly hostNode?: boolean;
  /**
   * The merged layers, whose `extensions/` executables start before the runtime as AWS's RIE
   * starts them (default /opt: the image's /opt inside a container; docs/rie.md).
   */
  readonly optDir?: string;
}

export interface RunningRie {
  /** Base URL of the Invoke API (a wildcard bind is shown as loopback). */
  readonly url: string;
  /** `url` + `/2015-03-31/functions/function/invocations`. */
  readonly invokeUrl: string;
  readonly address: AddressInfo;
  /** `host:port` the first environment's Runtime API uses (port 0: chosen when it starts). */
  readonly runtimeApi: string;
  readonly fn: FunctionConfig;
  readonly platform: Platform;
  readonly log: RieLog;
  /** Stop taking invokes and retire every bootstrap copy. */
  stop(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Fail at start-up, not at the first invoke, when the Runtime API port is taken. */
function checkPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ConfigError(`cannot use --runtime-api-address ${host}:${port}: ${error.code ?? error.message}`)),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} must be a positive number, got ${value}`);
  return value;
}

/**
 * @example
 * const rie = await startRie({ emulatorAddress: { host: '127.0.0.1', port: 0 }, bootstrap: ['./bootstrap'] });
 * await fetch(rie.invokeUrl, { method: 'POST', body: '{}' });
 * await rie.stop();
 */
export async function startRie(options: RieOptions = {}): Promise<RunningRie> {
  const host = readHostEnvironment(options.env ?? process.env);
  // `--log-level`, else `LOG_LEVEL` (a bad value is a configuration error, as in AWS's RIE), else info.
  const level = options.logLevel ?? (host.rie.logLevel === undefined ? RIE_DEFAULTS.logLevel : parseLogLevel('LOG_LEVEL', host.rie.logLevel));
  const log = new RieLog(level, options.messageOutput ?? ((text) => process.stderr.write(text)));
  const emulator = options.emulatorAddress ?? parseHostPort('--runtime-interface-emulator-address', RIE_DEFAULTS.emulatorAddress);
  const runtimeApi = options.runtimeApiAddress ?? parseHostPort('--runtime-api-address', RIE_DEFAULTS.runtimeApiAddress);
  const fromEnv = host.rie.maxConcurrency;
  const maxConcurrency = options.maxConcurrency ?? (fromEnv === undefined || fromEnv === '' ? RIE_DEFAULTS.maxConcurrency : Number(fromEnv));
  // The emulator picks its concurrency mode by the variable's presence (docs/rie.md).
  const concurrencyMode = options.concurrencyMode === true || fromEnv !== undefined;
  if (!Number.isSafeInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new ConfigError(`${options.maxConcurrency === undefined ? 'AWS_LAMBDA_MAX_CONCURRENCY' : '--max-concurrency'} must be a positive integer, got ${options.maxConcurrency ?? fromEnv}`);
  }
  const timeout = positive('AWS_LAMBDA_FUNCTION_TIMEOUT', host.rie.timeoutSeconds);
  const memorySize = positive('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', host.rie.memorySizeMb);
  if (timeout > 900) log.warn(`AWS_LAMBDA_FUNCTION_TIMEOUT=${timeout} is over Lambda's 900 s limit; using it anyway`);
  if (memorySize < 128 || memorySize > 10_240) log.warn(`AWS_LAMBDA_FUNCTION_MEMORY_SIZE=${memorySize} is outside Lambda's 128 to 10240 MB; using it anyway`);
  if (host.rie.functionVersion !== '$LATEST') {
    log.warn(`AWS_LAMBDA_FUNCTION_VERSION=${host.rie.functionVersion}: Lamina reports version $LATEST`);
  }
  if (!isLoopback(runtimeApi.host)) {
    log.warn(`--runtime-api-address host ${runtimeApi.host}: Lamina's Runtime API listens on 127.0.0.1 only; using 127.0.0.1:${runtimeApi.port}`);
  }

  const cwd = options.cwd ?? process.cwd();
  const bootstrap = resolveBootstrap({
    args: options.bootstrap ?? [],
    cwd,
    envHandler: host.rie.handler,
    taskRoot: host.rie.taskRoot,
    path: host.forwarded.PATH,
    ...(options.bootstrapCandidates === undefined ? {} : { candidates: options.bootstrapCandidates }),
  });
  const kept: Record<string, string> = {};
  for (const name of HOST_KEPT) {
    const value = host.forwarded[name];
    if (value !== undefined) kept[name] = value;
  }
  const execution = /^AWS_Lambda_(.+)$/.exec(host.rie.executionEnv ?? '');
  // AWS's RIE starts every executable of /opt/extensions; the platform does the same for a layer.
  const optDir = options.optDir ?? '/opt';
  const extensions = findExternalExtensions([optDir]).map((extension) => extension.name);
  const plain: FunctionConfig = {
    name: host.rie.functionName,
    arn: functionArn(host.region, host.rie.accountId, host.rie.functionName),
    region: host.region,
    accountId: host.rie.accountId,
    runtime: execution?.[1] ?? 'provided',
    handler: bootstrap.handler,
    codeDir: bootstrap.codeDir,
    launch: { kind: 'bootstrap', command: bootstrap.command, args: bootstrap.args },
    memorySize,
    timeout,
    environment: kept,
    reservedConcurrency: maxConcurrency,
    logFormat: host.rie.logFormat === 'JSON' ? 'JSON' : 'Text',
    logLevel: host.rie.functionLogLevel,
    inheritedEnvironment: host.forwarded,
    ...(extensions.length === 0 ? {} : { layers: [optDir] }),
  };
  const runtimeNode = await withRuntimeNode(plain, { hostNode: options.hostNode === true });
  const fn = runtimeNode.fn;
  if (runtimeNode.warning !== undefined) log.warn(runtimeNode.warning);
  if (runtimeNode.node !== undefined) log.info(`${fn.runtime}: node v${runtimeNode.node.version} (${runtimeNode.node.path}) first on the bootstrap's PATH`);
  log.info(`exec '${fn.launch.kind === 'bootstrap' ? fn.launch.command : bootstrap.command}' (cwd=${fn.codeDir}, handler=${fn.handler})`);
  if (bootstrap.handlerSource === 'argument') log.debug(`handler '${fn.handler}' is the last bootstrap argument, as AWS's RIE takes it`);
  if (extensions.length > 0) log.info(`external extensions in ${optDir}/extensions, started before the runtime: ${extensions.join(', ')}`);
  if (fn.codeDir !== cwd) log.info(`the runtime's working directory and LAMBDA_TASK_ROOT is ${fn.codeDir}`);

  if (runtimeApi.port !== 0) await checkPortFree('127.0.0.1', runtimeApi.port);
  const functionOutput = options.functionOutput ?? ((text: string) => process.stdout.write(text));
  const prefix = `[${fn.name}] `;
  const platform = new Platform({
    functions: [fn],
    accountConcurrency: Math.max(PLATFORM_DEFAULTS.accountConcurrency, maxConcurrency),
    // One function: its reservation is the whole account, nothing else needs unreserved slots.
    unreservedMinimum: 0,
    shutdownGraceMs: options.shutdownGraceMs ?? 0,
    // AWS's RIE prints the function's log as it is, without Lamina's per-function prefix.
    logOutput: (text) => functionOutput(text.startsWith(prefix) ? text.slice(prefix.length) : text),
    credentials: host.credentials,
    firstRuntimeApiPort: runtimeApi.port,
  });
  const server = createFrontDoor(new RieInvokePort(platform, fn, log, concurrencyMode ? 'concurrent' : 'classic'), {
    onInternalError: (error) => log.error(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  });
  let address: AddressInfo;
  try {
    address = await listen(server, emulator.host, emulator.port);
  } catch (error) {
    await platform.stop();
    throw new ConfigError(`cannot listen on ${emulator.host}:${emulator.port}: ${(error as Error).message}`);
  }
  const url = `http://${urlHost(emulator.host)}:${address.port}`;
  const invokeUrl = `${url}/2015-03-31/functions/${RIE_PATH_FUNCTION_NAME}/invocations`;
  log.info(`listening on ${emulator.host}:${address.port}: POST ${invokeUrl}` + (fn.name === RIE_PATH_FUNCTION_NAME ? '' : ` (or .../functions/${fn.name}/invocations)`));
  log.info(`function ${fn.name}: timeout ${fn.timeout} s, memory ${fn.memorySize} MB, up to ${maxConcurrency} concurrent bootstrap copies`);
  let stopped: Promise<void> | undefined;
  return {
    url,
    invokeUrl,
    address,
    runtimeApi: `127.0.0.1:${runtimeApi.port}`,
    fn,
    platform,
    log,
    stop() {
      stopped ??= (async () => {
        server.close();
        server.closeAllConnections();
        await platform.stop();
      })();
      return stopped;
    },
  };
}
