/**
 * The function registry (docs/control-plane.md): every function with its `$LATEST`, published
 * versions, aliases and reserved concurrency, the one place that says what an invoke runs.
 * Changes are serialised per function (and per account for reservations), checked with Lambda's
 * errors, answered as data, written through an optional store hook before they take effect, and
 * announced to listeners afterwards.
 */
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, functionArn, type FunctionConfig } from '../config/function-config.js';
import { type FunctionEntry, versionOf } from './function-entry.js';
import { KeyedSerial } from './keyed-serial.js';
import { type CodeSnapshotPort, type RegistryChange, type RegistryResult, type ResolvedTarget, type VersionRecord, type AliasRecord, ok, refuse, LATEST } from './registry-types.js';
import { Reservations, UNRESERVED_MINIMUM } from './reservations.js';
import { resolveTarget } from './resolve-target.js';

export interface RegistryOptions {
  /** Account concurrency limit (docs/limits.md: default 1000). */
  readonly accountConcurrency?: number;
  readonly unreservedMinimum?: number;
  /** Region and account of ARNs for functions that do not exist (not-found messages). */
  readonly region?: string;
  readonly accountId?: string;
  /** Numbers in [0, 1) for weighted aliases; tests pass a seeded one. */
  readonly random?: () => number;
  readonly now?: () => Date;
  /** An ARN naming another region or account is not found (default: those parts are ignored, as the invoke path does today). */
  readonly strictArns?: boolean;
  /**
   * Called inside the function's turn, after the checks and before the change takes effect, with
   * the function's new state (undefined once deleted) and its reservation when the change sets one
   * (a number) or clears it (null). A store writes here; if it rejects or throws, nothing changes
   * and the caller gets a ServiceException.
   */
  readonly beforeCommit?: (change: RegistryChange, entry: FunctionEntry | undefined, reservation: number | null | undefined) => Promise<void>;
  /** Template functions' code: its identity at start, and a copy of a live directory for every version published from it (none: versions share `$LATEST`'s directory). */
  readonly snapshots?: CodeSnapshotPort;
}

/** What one change decided: the new state, what to announce, and the answer. */
export interface Decision<T> {
  readonly entry: FunctionEntry | undefined;
  readonly change: RegistryChange | undefined;
  readonly value: T;
  /** A reservation to set (a number) or clear (null) with the change. */
  readonly reservation?: number | null;
}

export type Listener = (change: RegistryChange) => void;

const ACCOUNT_KEY = 'account';

/**
 * @example
 * const registry = registryFromFunctions(loadTemplate(path, opts).functions); // src/registry/template-load.ts
 * const target = registry.resolve('my-fn:live');
 * if (target.ok) run(target.value.record.config, target.value.version);
 */
export class FunctionRegistry {
  readonly reservations: Reservations;
  readonly #functions = new Map<string, FunctionEntry>();
  readonly #serial = new KeyedSerial();
  readonly #listeners = new Set<Listener>();
  readonly #options: RegistryOptions;
  readonly #random: () => number;
  readonly now: () => Date;
  readonly snapshots: CodeSnapshotPort | undefined;

  constructor(options: RegistryOptions = {}, initialReservations: ReadonlyMap<string, number> = new Map()) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
    this.snapshots = options.snapshots;
    this.reservations = new Reservations(options.accountConcurrency ?? 1000, options.unreservedMinimum ?? UNRESERVED_MINIMUM, initialReservations);
  }

  /** Called after every change that took effect. @returns a function that removes the listener. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Put an entry in place without a turn or a store write: loading a template or a saved state at start. */
  load(name: string, entry: FunctionEntry): void {
    this.#functions.set(name, entry);
  }

  entry(name: string): FunctionEntry | undefined {
    return this.#functions.get(name);
  }

  get names(): string[] {
    return [...this.#functions.keys()];
  }

  /** Every function's `$LATEST`, in creation order (ListFunctions). */
  get functions(): FunctionConfig[] {
    return [...this.#functions.values()].map((entry) => entry.latest.config);
  }

  /** The ARN a function has or would have. */
  arnOf(name: string): string {
    const known = this.#functions.get(name)?.latest.config.arn;
    return known ?? functionArn(this.#options.region ?? DEFAULT_REGION, this.#options.accountId ?? DEFAULT_ACCOUNT_ID, name);
  }

  /** The version an invoke of `reference` (with Invoke's optional `Qualifier`) runs now. */
  resolve(reference: string, qualifier?: string): RegistryResult<ResolvedTarget> {
    const context = { entry: (name: string) => this.#functions.get(name), arnOf: (name: string) => this.arnOf(name), random: this.#random, strictArns: this.#options.strictArns ?? false };
    return resolveTarget(context, reference, qualifier);
  }

  /** `$LATEST` or a published version, without routing (GetFunctionConfiguration with a version). */
  version(name: string, version: string): VersionRecord | undefined {
    const entry = this.#functions.get(name);
    return entry === undefined ? undefined : versionOf(entry, version);
  }

  /** `$LATEST` then the published versions in number order (ListVersionsByFunction). */
  versions(name: string): VersionRecord[] | undefined {
    const entry = this.#functions.get(name);
    if (entry === undefined) return undefined;
    return [entry.latest, ...[...entry.versions.values()].sort((a, b) => Number(a.version) - Number(b.version))];
  }

  alias(name: string, alias: string): AliasRecord | undefined {
    return this.#functions.get(name)?.aliases.get(alias);
  }

  aliases(name: string): AliasRecord[] | undefined {
    const entry = this.#functions.get(name);
    return entry === undefined ? undefined : [...entry.aliases.values()];
  }

  /** GetAccountSettings' concurrency figures. */
  accountConcurrency(): { ConcurrentExecutions: number; UnreservedConcurrentExecution: number } {
    return { ConcurrentExecutions: this.reservations.accountLimit, UnreservedConcurrentExecution: this.reservations.unreserved };
  }

  notFound<T>(name: string, qualifier?: string): RegistryResult<T> {
    return refuse('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${this.arnOf(name)}${qualifier === undefined ? '' : `:${qualifier}`}`);
  }

  /**
   * Run one change in the function's turn: `decide` reads the current entry and answers a refusal
   * or a decision (possibly after awaiting work of its own, such as a code snapshot, still in the
   * turn); the store hook writes it; then it takes effect and listeners hear of it.
   */
  change<T>(name: string, decide: (entry: FunctionEntry | undefined) => RegistryResult<Decision<T>> | Promise<RegistryResult<Decision<T>>>, account = false): Promise<RegistryResult<T>> {
    const keys = account ? [ACCOUNT_KEY, `fn:${name}`] : [`fn:${name}`];
    return this.#serial.run(keys, async () => {
      const decided = await decide(this.#functions.get(name));
      if (!decided.ok) return decided;
      const { entry, change, value, reservation } = decided.value;
      if (change === undefined) return ok(value);
      if (reservation !== undefined && reservation !== null) {
        const checked = this.reservations.check(name, reservation);
        if (!checked.ok) return checked;
      }
      try {
        await this.#options.beforeCommit?.(change, entry, reservation);
      } catch (error) {
        return refuse('LAMINA_ERR_SERVICE', `The change was not saved: ${(error as Error).message}`);
      }
      if (entry === undefined) this.#functions.delete(name);
      else this.#functions.set(name, entry);
      if (reservation === null) this.reservations.delete(name);
      else if (reservation !== undefined) this.reservations.put(name, reservation);
      this.#emit(change);
      return ok(value);
    });
  }

  #emit(change: RegistryChange): void {
    for (const listener of this.#listeners) {
      // A listener's failure is its own: the change has happened and the others must hear of it.
      try {
        listener(change);
      } catch {
        /* ignored on purpose */
      }
    }
  }

}

export { LATEST };
