/**
 * The platform's environments by function version (docs/control-plane.md): one `FunctionPool` per
 * (function, version) the registry resolves to, made at start for the template's versions and on
 * first use for a version published later. An environment only ever runs one version's code and
 * configuration. `$LATEST` changes: a pool is kept only while the record it was made from is still
 * the version's record (same `RevisionId`); a replaced or deleted version's pool drains (idle
 * environments end now, busy ones after their invocation) and the next invoke makes a new one.
 */
import { FunctionLog, type LogOutput } from '../observability/function-log.js';
import { LATEST, type VersionRecord } from '../registry/registry-types.js';
import type { FunctionCredentials } from './environment-variables.js';
import type { FunctionConfig } from '../config/function-config.js';
import { FunctionPool, type PoolDebugger, type PoolOptions } from './function-pool.js';
import { processSandboxFactory, type SandboxLimits } from './sandbox-factory.js';
import type { Sandbox } from '../sandbox/process-sandbox.js';
import type { SandboxFactory } from './environment-types.js';

/** Told of every sandbox an environment starts in (PlatformOptions.sandboxStarted). */
export type SandboxStarted = (fn: FunctionConfig, sandbox: Sandbox, privateNetwork: boolean) => void;

/** The same factory, telling `started` of each sandbox it makes. */
function observeSandboxes(factory: SandboxFactory, started: (sandbox: Sandbox) => void): SandboxFactory {
  const make = (...args: Parameters<SandboxFactory>): Sandbox => {
    const sandbox = factory(...args);
    started(sandbox);
    return sandbox;
  };
  // Its settings (privateRuntimeApi, replenish, dispose, ...) are the factory's.
  return Object.assign(make, factory);
}

/** What every pool shares: the platform's settings. */
/** A debugger for one pool's environments: its hooks and the interpreter's arguments (docs/debugging.md). */
export type FunctionDebugger = PoolDebugger & { readonly interpreterArgs: readonly string[] };

export interface PoolSettings extends Omit<PoolOptions, 'makeSandbox' | 'provisioned' | 'debug'> {
  readonly logOutput: LogOutput | undefined;
  /** A retired pool's last environment exited: no environment of it reads its code directory now. */
  readonly released?: (codeDir: string) => void;
  readonly credentials: FunctionCredentials | undefined;
  /** The platform's additions to a function's environment (PlatformOptions.serviceEnvironment). */
  readonly serviceEnvironment?: ((functionName: string) => Readonly<Record<string, string>> | undefined) | undefined;
  readonly limits: SandboxLimits | undefined;
  readonly sandboxStarted?: SandboxStarted | undefined;
  /** `lamina serve --debug`: the debugger of a function's new pool, or undefined (not debugged). */
  readonly debug?: ((fn: FunctionConfig, version: string) => FunctionDebugger | undefined) | undefined;
}

/**
 * @example
 * const pools = new VersionPools(settings);
 * const pool = pools.obtain(record); // the pool of record.config.name at record.version
 */
export class VersionPools {
  readonly #settings: PoolSettings;
  /** By function name, then version. */
  readonly #pools = new Map<string, Map<string, FunctionPool>>();
  /** The RevisionId of the record each live pool was made from. */
  readonly #revisions = new WeakMap<FunctionPool, string>();
  /** Provisioned concurrency asked for, by `name\0version`: kept across a pool's replacement. */
  readonly #provisioned = new Map<string, number>();
  /** Retired pools whose busy environments have not all exited yet. */
  readonly #draining = new Set<FunctionPool>();
  /** One log per function, shared by its versions (its lines carry the version). */
  readonly #logs = new Map<string, FunctionLog>();

  constructor(settings: PoolSettings) {
    this.#settings = settings;
  }

  get(name: string, version: string): FunctionPool | undefined {
    return this.#pools.get(name)?.get(version);
  }

  /** The pools of one function, by version. */
  of(name: string): ReadonlyMap<string, FunctionPool> | undefined {
    return this.#pools.get(name);
  }

  /** Every pool with environments: the live ones and those still draining (platform stop). */
  all(): FunctionPool[] {
    return [...[...this.#pools.values()].flatMap((pools) => [...pools.values()]), ...this.#draining];
  }

  /** Retired pools not yet empty, for status and tests. */
  get draining(): readonly FunctionPool[] {
    return [...this.#draining];
  }

  /**
   * Retire the pool of one version, or of every version of the function, without failing any
   * invocation in flight. @returns the retired pools' drains.
   *
   * @example
   * await pools.retire('fn', '$LATEST'); // after UpdateFunctionCode; the next invoke makes a new pool
   */
  retire(name: string, version?: string): Promise<void> {
    const versions = this.#pools.get(name);
    if (versions === undefined) return Promise.resolve();
    const retired = version === undefined ? [...versions.values()] : [versions.get(version)].filter((pool) => pool !== undefined);
    if (version === undefined) this.#pools.delete(name);
    else versions.delete(version);
    // A deleted version or function takes its provisioned concurrency with it ($LATEST keeps it).
    for (const pool of retired) if (version === undefined || version !== LATEST) this.#provisioned.delete(provisionedKey(name, pool.version));
    return Promise.all(retired.map((pool) => this.#drain(pool))).then(() => undefined);
  }

  #drain(pool: FunctionPool): Promise<void> {
    this.#draining.add(pool);
    return pool.drain().finally(() => {
      this.#draining.delete(pool);
      this.#settings.released?.(pool.fn.codeDir);
    });
  }

  /** The code directories of every pool with environments, live or draining. */
  codeDirs(): Set<string> {
    return new Set(this.all().map((pool) => pool.fn.codeDir));
  }

  /**
   * Keep `count` initialised environments of the record's version (0 retires them, draining);
   * a pool made for the version later starts with them too.
   * @returns settles once the environments started for it are initialised.
   *
   * @example
   * await pools.setProvisioned(registry.version('fn', '1'), 2);
   */
  setProvisioned(record: VersionRecord, count: number): Promise<void> {
    const key = provisionedKey(record.config.name, record.version);
    if (count === 0) this.#provisioned.delete(key);
    else this.#provisioned.set(key, count);
    const existing = this.get(record.config.name, record.version);
    // A new pool starts them itself; an existing one (made from this record) changes its count.
    if (existing === undefined || this.#revisions.get(existing) !== record.revisionId) return this.obtain(record).provisionedReady;
    return existing.setProvisioned(count);
  }

  /** Provisioned concurrency asked for a version (0 when none). */
  provisionedOf(name: string, version: string): number {
    return this.#provisioned.get(provisionedKey(name, version)) ?? 0;
  }

  /** The version's pool, made now if it has none, with the version's provisioned environments. */
  obtain(record: VersionRecord): FunctionPool {
    const fn = record.config;
    const existing = this.get(fn.name, record.version);
    if (existing !== undefined && this.#revisions.get(existing) === record.revisionId) return existing;
    // Made from a record the version no longer has (a change not yet heard of): never reuse it.
    if (existing !== undefined) void this.#drain(existing);
    let log = this.#logs.get(fn.name);
    if (log === undefined) {
      log = new FunctionLog(fn.name, this.#settings.logOutput);
      this.#logs.set(fn.name, log);
    }
    const { logOutput: _output, credentials, limits, serviceEnvironment, released: _released, sandboxStarted, debug: debugOf, ...options } = this.#settings;
    // Below the function's own Environment in the runtime's (environment-variables.ts): its own
    // value wins. Read at each environment's start: services may start after the platform.
    const added = serviceEnvironment === undefined ? undefined : () => serviceEnvironment(fn.name);
    const debug = debugOf?.(fn, record.version);
    const made = processSandboxFactory(fn, record.version, credentials, limits, debug?.interpreterArgs, added);
    const pool = new FunctionPool(fn, record.version, log, {
      ...options,
      makeSandbox: sandboxStarted === undefined ? made : observeSandboxes(made, (sandbox) => sandboxStarted(fn, sandbox, made.privateRuntimeApi === true)),
      provisioned: this.provisionedOf(fn.name, record.version),
      debug,
    });
    let versions = this.#pools.get(fn.name);
    if (versions === undefined) {
      versions = new Map();
      this.#pools.set(fn.name, versions);
    }
    versions.set(record.version, pool);
    this.#revisions.set(pool, record.revisionId);
    return pool;
  }
}

function provisionedKey(name: string, version: string): string {
  return `${name}\0${version}`;
}
