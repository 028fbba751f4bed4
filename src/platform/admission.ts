/**
 * Concurrency admission (docs/limits.md): the account limit is shared by all functions;
 * a function with reserved concurrency owns that many slots and can use no more; the others
 * share what is left (the unreserved pool).
 */
import type { FunctionConfig } from '../config/function-config.js';
import { ConfigError, type ThrottleReason } from '../errors.js';

/** Lambda keeps this much of the account's concurrency unreserved (docs/limits.md). */
export const UNRESERVED_MINIMUM = 100;

/**
 * @example
 * const admission = new Admission(1000, functions);
 * const refused = admission.tryAcquire(fn); // undefined when admitted
 * admission.release(fn);
 */
export class Admission {
  readonly accountLimit: number;
  readonly unreservedLimit: number;
  #unreservedInFlight = 0;
  #inFlight = new Map<string, number>();

  /**
   * @param unreservedMinimum what reservations must leave to the other functions (Lambda: 100).
   */
  constructor(accountLimit: number, functions: readonly FunctionConfig[], unreservedMinimum = UNRESERVED_MINIMUM) {
    if (!Number.isInteger(accountLimit) || accountLimit < 1) {
      throw new ConfigError(`Account concurrency limit must be a positive integer, got ${accountLimit}`);
    }
    const reserved = functions.reduce((sum, fn) => sum + (fn.reservedConcurrency ?? 0), 0);
    if (reserved > accountLimit - unreservedMinimum) {
      throw new ConfigError(
        `ReservedConcurrentExecutions add up to ${reserved}, more than the account concurrency limit of ${accountLimit} ` +
          `less the ${unreservedMinimum} that must stay unreserved`,
      );
    }
    this.accountLimit = accountLimit;
    this.unreservedLimit = accountLimit - reserved;
  }

  /** Take a slot for one invocation of `fn`, or say why it is throttled. */
  tryAcquire(fn: FunctionConfig): ThrottleReason | undefined {
    const inFlight = this.#inFlight.get(fn.name) ?? 0;
    if (fn.reservedConcurrency !== undefined) {
      if (inFlight >= fn.reservedConcurrency) return 'ReservedFunctionConcurrentInvocationLimitExceeded';
    } else {
      if (this.#unreservedInFlight >= this.unreservedLimit) return 'ConcurrentInvocationLimitExceeded';
      this.#unreservedInFlight += 1;
    }
    this.#inFlight.set(fn.name, inFlight + 1);
    return undefined;
  }

  release(fn: FunctionConfig): void {
    this.#inFlight.set(fn.name, (this.#inFlight.get(fn.name) ?? 1) - 1);
    if (fn.reservedConcurrency === undefined) this.#unreservedInFlight -= 1;
  }

  /** Invocations of `fn` in flight now. */
  inFlight(fn: FunctionConfig): number {
    return this.#inFlight.get(fn.name) ?? 0;
  }
}
