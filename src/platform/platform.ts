/**
 * The platform core: functions, their pools of environments, concurrency admission, and the
 * three invocation types. Implements the InvokePort that the front door speaks; it never
 * imports an HTTP layer.
 */
import type { FunctionConfig } from '../config/function-config.js';
import { ConfigError, ServiceError, type ThrottleReason } from '../errors.js';
import type { LogOutput } from '../observability/function-log.js';
import { Admission, UNRESERVED_MINIMUM } from './admission.js';
import type { FunctionCredentials } from './environment-variables.js';
import type { FunctionPool } from './function-pool.js';
import { type SandboxStarted, VersionPools, type PoolSettings } from './version-pools.js';
import { newRequestId, newTraceId } from './ids.js';
import type { AcceptedInvoke, InvocationResult, InvokeGate, InvokeOutcome, InvokePort, InvokeRequest } from './invoke-types.js';
import { Invocation } from './invocation.js';
import { standbyTarget, type SandboxLimits } from './sandbox-factory.js';
import { listenerKind } from '../runtime-api/runtime-api-server.js';
import type { TargetSender } from '../async/async-types.js';
import { EventQueue, type QueueMeasure } from '../async/event-queue.js';
import { MemoryStore } from '../async/memory-store.js';
import type { QueueStore } from '../async/queue-store.js';
import { type QueueHostParts, queueHost } from './queue-host.js';
import type { FunctionRegistry } from '../registry/function-registry.js';
import type { CodeHolder, ProvisionedPort } from '../control/api/control-context.js';
import { LATEST, type RegistryChange } from '../registry/registry-types.js';
import { registryFromState } from '../registry/template-load.js';
import type { CodeSnapshots } from '../control/snapshots/code-snapshots.js';
import type { RegistryStore } from '../registry/saved-state.js';
import { Observers } from '../observability/platform-observer.js';

/** One invocation's end: which version ran and whether it ended in a function error (deployments' health check). */
export interface InvocationEnd {
  readonly functionName: string;
  readonly version: string;
  readonly failed: boolean;
}

export interface PlatformOptions {
  readonly functions: readonly FunctionConfig[];
  /** Account concurrency limit shared by all functions (docs/limits.md: default 1000). */
  readonly accountConcurrency?: number;
  readonly idleTimeoutMs?: number;
  readonly shutdownGraceMs?: number;
  readonly initTimeoutMs?: number;
  /** Where function logs are printed; undefined keeps them quiet. */
  readonly logOutput?: LogOutput | undefined;
  /** Credentials handed to functions, when the platform has some. */
  readonly credentials?: FunctionCredentials | undefined;
  /**
   * Variables the platform adds to a function's environment at start (the embedded services'
   * endpoints: `AWS_ENDPOINT_URL_CODEDEPLOY` for hook functions), below the function's own
   * `Environment`, which wins. Not part of the function's configuration: not saved, not shown by
   * GetFunctionConfiguration, not in the template digest, so a new port at each start changes nothing.
   */
  readonly serviceEnvironment?: ((functionName: string) => Readonly<Record<string, string>> | undefined) | undefined;
  /** Concurrency that reservations must leave unreserved (Lambda: 100). */
  readonly unreservedMinimum?: number;
  /** Most new environments per function per window (default 1,000 per 10 s). */
  readonly scaleOut?: { readonly environments: number; readonly perMs: number };
  /** Kernel limits per environment (cgroups, open files); none when undefined. */
  readonly limits?: SandboxLimits | undefined;
  /** `lamina serve --debug`: debuggers of the functions' pools (docs/debugging.md). */
  readonly debug?: PoolSettings['debug'];
  /** Runtime API port of the first environment (RIE drop-in's `--runtime-api-address`). */
  readonly firstRuntimeApiPort?: number;
  /** The durable event queue of `Event` invokes (docs/async-invocation.md). */
  readonly events?: EventQueueSettings | undefined;
  /**
   * Where the registry's state is kept across restarts (`lamina serve`: the state directory's
   * control file, src/control/state/control-store.ts): loaded at start with the template on top,
   * and written before each change takes effect. Undefined: the template alone, in memory.
   */
  readonly store?: RegistryStore | undefined;
  /**
   * Template functions' directory code: its content digest, and a copy for every version published
   * from it (docs/control-plane.md, "Snapshots of directory code"). Without it a directory's
   * `CodeSha256` is a digest of its path and versions run from `$LATEST`'s directory.
   */
  readonly snapshots?: CodeSnapshots | undefined;
  /**
   * The observers to tell (docs/observability.md), when the caller attached some before the
   * platform starts: environments started by the constructor (provisioned ones) are heard from
   * their first line. A platform makes its own otherwise.
   */
  readonly observers?: Observers | undefined;
  /**
   * X-Ray's trace headers (docs/xray.md): the header an invocation runs with, from the caller's
   * (undefined: none), and a fresh one for a queued event without one (its sampling decision left
   * to the attempt). Undefined: the caller's header as it is, else a new unsampled one.
   */
  readonly traceHeaders?: TraceHeaders | undefined;
  /**
   * Told of every sandbox an environment starts in, with whether it has a network of its own
   * (X-Ray's relay into isolated environments, docs/xray.md). Called on the cold path only.
   */
  readonly sandboxStarted?: SandboxStarted | undefined;
}

/** How invocations get their X-Ray trace header (PlatformOptions.traceHeaders). */
export interface TraceHeaders {
  invocation(caller: string | undefined, fn: FunctionConfig): string;
  fresh(): string;
}

/** Where and how `Event` invokes are queued. */
export interface EventQueueSettings {
  /**
   * Where events are kept: `lamina serve` gives the durable file of its state directory
   * (src/async/event-store.ts); undefined keeps them in memory (`lamina rie`, code and tests).
   */
  readonly store?: QueueStore | undefined;
  /** Multiplies retry delays, backoffs and maximum event ages (default 1). */
  readonly timeScale?: number | undefined;
  /** Delivers to SQS, SNS and EventBridge destinations. */
  readonly sender?: TargetSender | undefined;
  /** EventInvokeConfigs set through the management API (src/control/api/event-invoke-store.ts), read on every attempt. */
  readonly eventInvokeConfig?: QueueHostParts['eventInvokeConfig'];
  /** Told of the queue's measurements (`/metrics`, docs/metrics.md). */
  readonly measure?: QueueMeasure | undefined;
}

export const PLATFORM_DEFAULTS = {
  accountConcurrency: 1000,
  idleTimeoutMs: 10 * 60_000,
  // Lambda: no SIGTERM without extensions (docs/environment.md); `--shutdown-grace` asks for one.
  shutdownGraceMs: 0,
  initTimeoutMs: 10_000,
} as const;


/**
 * @example
 * const platform = new Platform({ functions: loadTemplate('template.yaml', opts).functions });
 * const outcome = await platform.invoke(request);
 * await platform.stop();
 */
export class Platform implements InvokePort, ProvisionedPort, CodeHolder {
  readonly admission: Admission;
  /** Which functions, versions, aliases and reservations exist (docs/control-plane.md). */
  readonly registry: FunctionRegistry;
  /** What loading the saved state did: functions removed, skipped or updated from the template. */
  readonly startReport: readonly string[];
  /** Code directories of saved functions not loaded at start: kept for when they can be. */
  readonly #skippedCodeDirs: ReadonlySet<string>;
  readonly #releaseListeners = new Set<(codeDir: string) => void>();
  /** Asked before each Invoke (`gateInvokes`): none until the control plane hands one. */
  #gate: InvokeGate | undefined;
  /** One pool per function version that has environments. */
  readonly #pools: VersionPools;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  readonly #events: EventQueue;
  readonly #endListeners = new Set<(end: InvocationEnd) => void>();
  readonly #traceHeaders: TraceHeaders | undefined;
  /** Who hears every phase record, log line, environment state and throttle (docs/observability.md). */
  readonly observers: Observers;
  /** Runtimes live in their own process groups: if this process exits, take them along. */
  readonly #onExit = (): void => {
    for (const pool of this.#allPools()) pool.killAllNow();
  };

  constructor(options: PlatformOptions) {
    // Experiments chosen by environment variable are checked once, here, not at the first start.
    listenerKind();
    standbyTarget();
    this.observers = options.observers ?? new Observers();
    const timings = {
      initTimeoutMs: options.initTimeoutMs ?? PLATFORM_DEFAULTS.initTimeoutMs,
      shutdownGraceMs: options.shutdownGraceMs ?? PLATFORM_DEFAULTS.shutdownGraceMs,
    };
    const first = options.functions[0];
    const started = registryFromState(options.functions, {
      accountConcurrency: options.accountConcurrency ?? PLATFORM_DEFAULTS.accountConcurrency,
      unreservedMinimum: options.unreservedMinimum ?? UNRESERVED_MINIMUM,
      ...(first === undefined ? {} : { region: first.region, accountId: first.accountId }),
      ...(options.snapshots === undefined ? {} : { snapshots: options.snapshots }),
    }, options.store);
    if (options.snapshots !== undefined) {
      const registry = started.registry;
      options.snapshots.sweepSync(new Set(registry.names.flatMap((name) => registry.versions(name) ?? []).map((record) => record.config.codeDir)));
      options.snapshots.saveCache();
    }
    this.#traceHeaders = options.traceHeaders;
    this.registry = started.registry;
    this.startReport = started.start.report;
    this.#skippedCodeDirs = new Set(started.start.skippedCodeDirs);
    this.admission = new Admission(this.registry.reservations);
    for (const fn of options.functions) {
      if ((fn.provisionedConcurrency ?? 0) > (fn.reservedConcurrency ?? Number.POSITIVE_INFINITY)) {
        throw new ConfigError(`Function ${fn.name}: ProvisionedConcurrentExecutions (${fn.provisionedConcurrency}) exceeds its ReservedConcurrentExecutions (${fn.reservedConcurrency})`);
      }
    }
    this.#pools = new VersionPools({
      timings,
      idleTimeoutMs: options.idleTimeoutMs ?? PLATFORM_DEFAULTS.idleTimeoutMs,
      logOutput: options.logOutput,
      credentials: options.credentials,
      serviceEnvironment: options.serviceEnvironment,
      limits: options.limits,
      sandboxStarted: options.sandboxStarted,
      observers: this.observers,
      debug: options.debug,
      released: (codeDir) => {
        for (const listener of this.#releaseListeners) listener(codeDir);
      },
      ...(options.firstRuntimeApiPort === undefined ? {} : { firstRuntimeApiPort: options.firstRuntimeApiPort }),
      ...(options.scaleOut === undefined ? {} : { scaleOut: options.scaleOut }),
    });
    // Pools for $LATEST and the version AutoPublishAlias points at, where provisioned concurrency
    // lives. Other versions (published through the API, or saved from an earlier run) get theirs on first use.
    for (const fn of options.functions) {
      const latest = this.registry.version(fn.name, LATEST);
      if (latest !== undefined) this.#pools.obtain(latest);
      const aliased = fn.publishedAlias === undefined ? undefined : this.registry.alias(fn.name, fn.publishedAlias)?.functionVersion;
      const record = aliased === undefined ? undefined : this.registry.version(fn.name, aliased);
      if (record === undefined) continue;
      const provisioned = fn.provisionedConcurrency ?? 0;
      // Its readiness is `ready()`'s: the pool's provisionedReady.
      if (provisioned > 0) void this.#pools.setProvisioned(record, provisioned);
      else this.#pools.obtain(record);
    }
    this.registry.onChange((change) => this.#changed(change));
    const log = options.logOutput;
    this.#events = new EventQueue({
      store: options.events?.store ?? new MemoryStore(),
      host: queueHost({
        pool: (name, qualifier) => this.#poolOf(name, qualifier),
        tryStart: (pool, request, requestId) => this.#tryStart(pool, request, requestId),
        log: (name, line) => log?.(`[${name}] ${line}\n`),
        eventInvokeConfig: options.events?.eventInvokeConfig,
        ...(options.traceHeaders === undefined ? {} : { newTraceId: options.traceHeaders.fresh.bind(options.traceHeaders) }),
      }),
      sender: options.events?.sender,
      measure: options.events?.measure,
      ...(options.events?.timeScale === undefined ? {} : { timeScale: options.events.timeScale }),
    });
    process.on('exit', this.#onExit);
    this.#events.resume();
  }

  /**
   * Hear of every invocation's end (direct, queued or from an event source), with the version it
   * ran: how a deployment watches the new version's error rate (docs/deployments.md).
   * @returns a function that stops listening.
   */
  onInvocationEnd(listener: (end: InvocationEnd) => void): () => void {
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }

  readonly #capacityFreed = (): void => this.#events.capacityFreed();

  #ended(functionName: string, version: string, result: InvocationResult): void {
    if (this.#endListeners.size === 0) return;
    const outcome = result.kind === 'stream' ? result.stream.completion.then((error) => error !== undefined) : Promise.resolve(result.kind === 'function-error');
    void outcome.then((failed) => {
      for (const listener of this.#endListeners) listener({ functionName, version, failed });
    }, () => undefined);
  }

  /** The durable queue of `Event` invokes, for status and tests. */
  get events(): EventQueue {
    return this.#events;
  }

  /** Settles once every provisioned environment has been initialised. */
  async ready(): Promise<void> {
    await Promise.all(this.#allPools().map((pool) => pool.provisionedReady));
  }

  /** The pool of a function's published version (AutoPublishAlias), for status and tests. */
  publishedPool(name: string): FunctionPool | undefined {
    return [...(this.#pools.of(name)?.entries() ?? [])].find(([version]) => version !== LATEST)?.[1];
  }

  #allPools(): FunctionPool[] {
    return this.#pools.all();
  }

  /** The functions this platform serves. */
  get functions(): FunctionConfig[] {
    return this.registry.functions;
  }

  /**
   * Keep `count` initialised environments of a function version (PutProvisionedConcurrencyConfig;
   * 0 for its delete): more are started now, surplus ones retire without failing an invocation.
   * Environments that fail to start are retried; `readyProvisioned` says how many are ready.
   *
   * @example
   * platform.setProvisioned('fn', '1', 5);
   * platform.readyProvisioned('fn', '1'); // 0 now, 5 once their inits are done
   */
  setProvisioned(functionName: string, version: string, count: number): void {
    const record = this.registry.version(functionName, version);
    if (record === undefined) throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${this.registry.arnOf(functionName)}:${version}`);
    if (this.#stopping) return;
    // A start that fails is the keeper's to retry or give up; the caller reads readyProvisioned.
    this.#pools.setProvisioned(record, count).catch(() => undefined);
  }

  /** How many provisioned environments of the version are initialised now. */
  readyProvisioned(functionName: string, version: string): number {
    return this.#pools.get(functionName, version)?.provisionedCount ?? 0;
  }

  /** Retired pools whose busy environments are still finishing, for status and tests. */
  get drainingPools(): readonly FunctionPool[] {
    return this.#pools.draining;
  }

  /**
   * The registry changed (docs/control-plane.md): a replaced `$LATEST`, a deleted version or a
   * deleted function's pools drain; the next invoke makes the pool of what the registry holds
   * now. A new function, a new version or a moved alias needs nothing: pools are made on first use.
   */
  /**
   * The code directories environments may still read (live pools and draining ones) and those of
   * saved functions not loaded at start (CodeHolder, src/control/api/control-context.ts).
   *
   * @example
   * platform.heldCodeDirs().has(record.config.codeDir); // true while a replaced environment drains
   */
  heldCodeDirs(): ReadonlySet<string> {
    const held = this.#pools.codeDirs();
    for (const dir of this.#skippedCodeDirs) held.add(dir);
    return held;
  }

  /** Told the code directory of each retired pool once its last environment has exited. */
  onCodeReleased(listener: (codeDir: string) => void): void {
    this.#releaseListeners.add(listener);
  }

  #changed(change: RegistryChange): void {
    if (change.kind === 'latest-updated') void this.#pools.retire(change.functionName, LATEST);
    else if (change.kind === 'version-deleted') void this.#pools.retire(change.functionName, change.version);
    else if (change.kind === 'function-deleted') void this.#pools.retire(change.functionName);
  }

  /** The pool of a function, for status and tests. */
  pool(name: string): FunctionPool | undefined {
    return this.#pools.get(name, LATEST);
  }

  /**
   * Consult `gate` before every Invoke from now on (a function still Pending is refused).
   *
   * @example platform.gateInvokes(statesOf(platform.registry));
   */
  gateInvokes(gate: InvokeGate): void {
    this.#gate = gate;
  }

  async invoke(request: InvokeRequest): Promise<InvokeOutcome> {
    const pool = this.#resolve(request, true);
    const invocation = this.#admit(pool, request);
    const result = await invocation.result;
    return { requestId: invocation.requestId, executedVersion: pool.version, result, logs: () => invocation.logText() };
  }

  accept(request: InvokeRequest): AcceptedInvoke | Promise<AcceptedInvoke> {
    const pool = this.#resolve(request, true);
    if (request.invocationType !== 'Event') return { requestId: newRequestId(), executedVersion: pool.version };
    if (this.#stopping) throw new ServiceError('LAMINA_ERR_SERVICE', 'Lamina is stopping: the event was not queued');
    const event = { functionName: request.functionName, qualifier: request.qualifier, payload: request.payload, clientContext: request.clientContext, traceId: request.traceId, tenantId: request.tenantId };
    return this.#events.accept(event, pool.fn.arn).then(
      (requestId) => ({ requestId, executedVersion: pool.version }),
      (error: unknown) => {
        throw new ServiceError('LAMINA_ERR_SERVICE', `The event could not be queued: ${(error as Error).message}`);
      },
    );
  }

  /** Stop the event queue (events in flight run again at the next start), retire every environment and wait for them to exit. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    process.off('exit', this.#onExit);
    const closing = this.#events.stop();
    await Promise.all(this.#allPools().map((pool) => pool.retireAll()));
    await closing;
  }

  /** The pool of a function and qualifier, or undefined (the queue's view: no errors). */
  #poolOf(name: string, qualifier: string | undefined): FunctionPool | undefined {
    try {
      return this.#resolve({ functionName: name, qualifier });
    } catch {
      return undefined;
    }
  }

  /** The pool an invoke runs in; `gated`: a caller's Invoke, which the gate may refuse (queued events were accepted already). */
  #resolve(request: Pick<InvokeRequest, 'functionName' | 'qualifier'>, gated = false): FunctionPool {
    const target = this.registry.resolve(request.functionName, request.qualifier);
    if (!target.ok) throw new ServiceError(target.error.code, target.error.message);
    const refusal = gated ? this.#gate?.refusal(target.value.record.config.name) : undefined;
    if (refusal !== undefined) throw new ServiceError(refusal.code, refusal.message);
    return this.#pools.obtain(target.value.record);
  }

  #admit(pool: FunctionPool, request: InvokeRequest, requestId = newRequestId()): Invocation {
    const invocation = this.#tryStart(pool, request, requestId);
    if (typeof invocation === 'string') {
      throw new ServiceError('LAMINA_ERR_TOO_MANY_REQUESTS', 'Rate Exceeded.', invocation);
    }
    return invocation;
  }

  /** Admit and start one invocation, or say why it is throttled. */
  #tryStart(pool: FunctionPool, request: InvokeRequest, requestId: string): Invocation | ThrottleReason {
    const fn = pool.fn;
    const refused = this.admission.tryAcquire(fn);
    if (refused !== undefined) {
      this.observers.throttled({ functionName: fn.name, version: pool.version, qualifier: request.qualifier, reason: refused, queued: request.invocationType === 'Event' });
      return refused;
    }
    const traceId = this.#traceHeaders === undefined ? (request.traceId ?? newTraceId(Date.now())) : this.#traceHeaders.invocation(request.traceId, fn);
    const invocation = new Invocation(fn, request, requestId, traceId);
    invocation.onFinished = () => {
      this.admission.release(fn);
      // A freed slot may let a throttled event start: after the environment's work in hand.
      queueMicrotask(this.#capacityFreed);
    };
    invocation.onSettled = (result) => this.#ended(fn.name, pool.version, result);
    pool.start(invocation);
    return invocation;
  }
}
