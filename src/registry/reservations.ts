/**
 * Reserved concurrency as changeable account state (docs/control-plane.md, docs/limits.md): each
 * function may reserve part of the account limit, and the reservations together must leave at
 * least `unreservedMinimum` (Lambda: 100) to the functions without one.
 */
import { ConfigError } from '../errors.js';
import { validationMessage } from './function-ref.js';
import { type RegistryResult, ok, refuse } from './registry-types.js';

/** Lambda keeps this much of the account's concurrency unreserved (docs/limits.md). */
export const UNRESERVED_MINIMUM = 100;

/**
 * @example
 * const reservations = new Reservations(1000);
 * reservations.put('f', 50); // { ok: true, value: 50 }
 * reservations.unreserved; // 950
 */
export class Reservations {
  readonly accountLimit: number;
  readonly unreservedMinimum: number;
  #reserved = new Map<string, number>();
  #total = 0;

  /** @param initial reservations the template asks for; too many is a configuration error, as at start today. */
  constructor(accountLimit: number, unreservedMinimum = UNRESERVED_MINIMUM, initial: ReadonlyMap<string, number> = new Map()) {
    if (!Number.isInteger(accountLimit) || accountLimit < 1) {
      throw new ConfigError(`Account concurrency limit must be a positive integer, got ${accountLimit}`);
    }
    this.accountLimit = accountLimit;
    this.unreservedMinimum = unreservedMinimum;
    for (const [name, reserved] of initial) {
      this.#reserved.set(name, reserved);
      this.#total += reserved;
    }
    if (this.#total > accountLimit - unreservedMinimum) {
      throw new ConfigError(
        `ReservedConcurrentExecutions add up to ${this.#total}, more than the account concurrency limit of ${accountLimit} ` +
          `less the ${unreservedMinimum} that must stay unreserved`,
      );
    }
  }

  /** Lambda's `UnreservedConcurrentExecution`: the account limit less every reservation. */
  get unreserved(): number {
    return this.accountLimit - this.#total;
  }

  /** The function's reservation, or undefined when it shares the unreserved pool. */
  reservedFor(name: string): number | undefined {
    return this.#reserved.get(name);
  }

  /** Would `put(name, reserved)` be accepted? The refusal, or undefined. */
  check(name: string, reserved: number): RegistryResult<number> {
    if (!Number.isInteger(reserved) || reserved < 0) {
      return refuse('LAMINA_ERR_VALIDATION', validationMessage(String(reserved), 'reservedConcurrentExecutions', 'Member must have value greater than or equal to 0'));
    }
    const others = this.#total - (this.#reserved.get(name) ?? 0);
    if (others + reserved > this.accountLimit - this.unreservedMinimum) {
      return refuse(
        'LAMINA_ERR_INVALID_PARAMETER',
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.unreservedMinimum}].`,
      );
    }
    return ok(reserved);
  }

  /** Set a function's reservation (0 stops it from running at all, as on Lambda). */
  put(name: string, reserved: number): RegistryResult<number> {
    const checked = this.check(name, reserved);
    if (!checked.ok) return checked;
    this.#total += reserved - (this.#reserved.get(name) ?? 0);
    this.#reserved.set(name, reserved);
    return checked;
  }

  /** The function goes back to the unreserved pool; true when it had a reservation. */
  delete(name: string): boolean {
    const had = this.#reserved.get(name);
    if (had === undefined) return false;
    this.#total -= had;
    this.#reserved.delete(name);
    return true;
  }
}
