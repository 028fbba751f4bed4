/**
 * The platform's environments by function version (docs/control-plane.md): one `FunctionPool` per
 * (function, version) the registry resolves to, made at start for the template's versions and on
 * first use for a version published later. An environment only ever runs one version's code and
 * configuration.
 */
import { FunctionLog, type LogOutput } from '../observability/function-log.js';
import type { VersionRecord } from '../registry/registry-types.js';
import type { FunctionCredentials } from './environment-variables.js';
import { FunctionPool, type PoolOptions } from './function-pool.js';
import { processSandboxFactory, type SandboxLimits } from './sandbox-factory.js';

/** What every pool shares: the platform's settings. */
export interface PoolSettings extends Omit<PoolOptions, 'makeSandbox' | 'provisioned'> {
  readonly logOutput: LogOutput | undefined;
  readonly credentials: FunctionCredentials | undefined;
  readonly limits: SandboxLimits | undefined;
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

  all(): FunctionPool[] {
    return [...this.#pools.values()].flatMap((pools) => [...pools.values()]);
  }

  /** The version's pool, made now if it has none; `provisioned` environments only for a new pool. */
  obtain(record: VersionRecord, provisioned = 0): FunctionPool {
    const fn = record.config;
    const existing = this.get(fn.name, record.version);
    if (existing !== undefined) return existing;
    let log = this.#logs.get(fn.name);
    if (log === undefined) {
      log = new FunctionLog(fn.name, this.#settings.logOutput);
      this.#logs.set(fn.name, log);
    }
    const { logOutput: _output, credentials, limits, ...options } = this.#settings;
    const pool = new FunctionPool(fn, record.version, log, {
      ...options,
      makeSandbox: processSandboxFactory(fn, record.version, credentials, limits),
      provisioned,
    });
    let versions = this.#pools.get(fn.name);
    if (versions === undefined) {
      versions = new Map();
      this.#pools.set(fn.name, versions);
    }
    versions.set(record.version, pool);
    return pool;
  }
}
