/**
 * Concurrency admission (docs/limits.md): the account limit is shared by all functions;
 * a function with reserved concurrency owns that many slots and can use no more; the others
 * share what is left (the unreserved pool). Reservations are the registry's
 * (src/registry/reservations.ts) and are read at each admission, so a change takes effect at once.
 */
import type { FunctionConfig } from '../config/function-config.js';
import type { ThrottleReason } from '../errors.js';
import type { Reservations } from '../registry/reservations.js';

export { UNRESERVED_MINIMUM } from '../registry/reservations.js';

/**
 * @example
 * const admission = new Admission(registry.reservations);
 * const refused = admission.tryAcquire(fn); // undefined when admitted
 * admission.release(fn);
 */
export class Admission {
  readonly #reservations: Reservations;
  #unreservedInFlight = 0;
  #inFlight = new Map<string, number>();
  /** Of a function's invocations in flight, how many were charged to the unreserved pool. */
  #unreservedOf = new Map<string, number>();

  constructor(reservations: Reservations) {
    this.#reservations = reservations;
  }

  get accountLimit(): number {
    return this.#reservations.accountLimit;
  }

  /** What the functions without a reservation share: the account limit less every reservation. */
  get unreservedLimit(): number {
    return this.#reservations.unreserved;
  }

  /** Take a slot for one invocation of `fn`, or say why it is throttled. */
  tryAcquire(fn: FunctionConfig): ThrottleReason | undefined {
    const inFlight = this.#inFlight.get(fn.name) ?? 0;
    const reserved = this.#reservations.reservedFor(fn.name);
    if (reserved !== undefined) {
      if (inFlight >= reserved) return 'ReservedFunctionConcurrentInvocationLimitExceeded';
    } else {
      if (this.#unreservedInFlight >= this.unreservedLimit) return 'ConcurrentInvocationLimitExceeded';
      this.#unreservedInFlight += 1;
      this.#unreservedOf.set(fn.name, (this.#unreservedOf.get(fn.name) ?? 0) + 1);
    }
    this.#inFlight.set(fn.name, inFlight + 1);
    return undefined;
  }

  release(fn: FunctionConfig): void {
    const inFlight = (this.#inFlight.get(fn.name) ?? 1) - 1;
    this.#inFlight.set(fn.name, inFlight);
    // A reservation may have changed since this invocation was admitted: give the unreserved pool
    // back what this function took from it, and no more than it still holds.
    const unreserved = this.#unreservedOf.get(fn.name) ?? 0;
    const charged = this.#reservations.reservedFor(fn.name) === undefined || unreserved > inFlight;
    if (charged && unreserved > 0) {
      this.#unreservedOf.set(fn.name, unreserved - 1);
      this.#unreservedInFlight -= 1;
    }
  }

  /** Invocations of `fn` in flight now. */
  inFlight(fn: FunctionConfig): number {
    return this.#inFlight.get(fn.name) ?? 0;
  }
}
