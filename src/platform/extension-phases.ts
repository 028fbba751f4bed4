/**
 * The environment's extension participants and their part of the phase machine
 * (docs/extensions.md). The runtime is the environment's own business; this class knows the
 * extensions: who registered, who waits at `event/next`, who still works on an event. The
 * environment asks it whether a phase can end and is told when the last extension is back.
 *
 *   registered --next--> ready --event--> busy --next--> ready ...
 */
import { randomUUID } from 'node:crypto';
import type {
  ExtensionApiTarget,
  ExtensionEvent,
  ExtensionEventType,
  ExtensionEventWaiter,
  ExtensionRefusal,
  ExtensionRegistered,
} from '../runtime-api/extension-api-target.js';

/** Lambda's limit on extensions per function, external and internal together. */
export const MAX_EXTENSIONS = 10;

interface Participant {
  readonly id: string;
  readonly name: string;
  /** Started by the platform from /opt/extensions; else registered from inside the runtime. */
  readonly external: boolean;
  readonly events: ReadonlySet<ExtensionEventType>;
  state: 'registered' | 'ready' | 'busy';
  /** The type an `init/error` reported (Lambda's `InitError` state). */
  initErrorType: string | undefined;
  /** The type an `exit/error` reported (the emulator's `ExitError` state): it is on its way out. */
  exitErrorType: string | undefined;
  /** Its process has ended (an external extension's crash): it gets no further event. */
  gone: boolean;
  waiter: ExtensionEventWaiter | undefined;
  /** Events that came while the extension was not waiting, oldest first. */
  readonly pending: ExtensionEvent[];
}

export interface ExtensionPhaseHooks {
  /** Every participant known at init end is ready: init may end once the runtime is too. */
  ready(): void;
  /** Every external extension of /opt/extensions has registered: the runtime may start (Lambda's order). */
  externalRegistered(): void;
  /** The last INVOKE subscriber came back to `event/next`. */
  invokeDone(): void;
  /** An extension reported `init/error` during init: the environment's init fails. */
  initError(name: string, errorType: string, payload: Buffer): void;
  /** An external extension's process ended while the environment lives (Lambda's `Extension.Crash`). */
  crashed(name: string, status: number): void;
  /** An extension reported `exit/error`: it leaves the phases (docs/extensions.md). */
  exitError(name: string, errorType: string): void;
}

/** One extension at the end of init, as Lambda's `EXTENSION` line and `platform.extension` record show it. */
export interface ExtensionInitState {
  readonly name: string;
  /** Lambda's agent states: `Started` (launched, never registered), `Registered`, `Ready`, `InitError`, `ExitError`. */
  readonly state: 'Started' | 'Registered' | 'Ready' | 'InitError' | 'ExitError';
  readonly events: readonly ExtensionEventType[];
  readonly errorType?: string;
}

export interface FunctionMetadata {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly handler: string;
  readonly accountId: string;
}

/** Neither on its way out (`exit/error`) nor gone: it still gets events. */
function takesPart(participant: Participant): boolean {
  return participant.exitErrorType === undefined && !participant.gone;
}

/**
 * @example
 * const phases = new ExtensionPhases(metadata, ['my-extension'], hooks);
 * phases.register('my-extension', ['INVOKE']); // { id, functionName, ... }
 * phases.ready; // false until it calls event/next
 */
export class ExtensionPhases implements ExtensionApiTarget {
  readonly #metadata: FunctionMetadata;
  /** Executable names in /opt/extensions: each must register and reach `next` before init ends. */
  readonly #expected: ReadonlySet<string>;
  readonly #hooks: ExtensionPhaseHooks;
  readonly #byId = new Map<string, Participant>();
  readonly #byName = new Map<string, Participant>();
  #registrationOpen = true;

  constructor(metadata: FunctionMetadata, externalNames: readonly string[], hooks: ExtensionPhaseHooks) {
    this.#metadata = metadata;
    this.#expected = new Set(externalNames);
    this.#hooks = hooks;
  }

  /** How many extensions registered. */
  get count(): number {
    return this.#byId.size;
  }

  /** True when some registered extension is a process of its own (shutdown budgets differ). */
  get hasExternal(): boolean {
    return [...this.#byId.values()].some((participant) => participant.external);
  }

  /** How many registered extensions subscribed to `eventType`. */
  subscribers(eventType: ExtensionEventType): number {
    let count = 0;
    for (const participant of this.#byId.values()) if (participant.events.has(eventType) && takesPart(participant)) count += 1;
    return count;
  }

  /** Every expected external extension registered and every registered one waits at `next`. */
  get ready(): boolean {
    for (const name of this.#expected) if (!this.#byName.has(name)) return false;
    for (const participant of this.#byId.values()) if (participant.state !== 'ready') return false;
    return true;
  }

  /** Some extension still works on an event. */
  get busy(): boolean {
    for (const participant of this.#byId.values()) if (participant.state === 'busy') return true;
    return false;
  }

  /** The name of the extension registered as `identifier` (the Telemetry API lets only those subscribe). */
  nameOf(identifier: string): string | undefined {
    return this.#byId.get(identifier)?.name;
  }

  /** Init is over: later registrations are refused. */
  closeRegistration(): void {
    this.#registrationOpen = false;
  }

  register(name: string, events: readonly ExtensionEventType[]): ExtensionRegistered | ExtensionRefusal {
    const external = this.#expected.has(name);
    // Internal extensions live in the runtime process, which is gone before SHUTDOWN could be sent.
    if (!external && events.includes('SHUTDOWN')) {
      return { code: 'LAMINA_ERR_EXTENSION_INVALID_EVENT_TYPE', message: 'SHUTDOWN: internal extensions cannot subscribe to SHUTDOWN' };
    }
    if (!this.#registrationOpen) return { code: 'LAMINA_ERR_EXTENSION_REGISTRATION_CLOSED', message: 'Extension registration closed already' };
    if (this.#byName.has(name)) return { code: 'LAMINA_ERR_EXTENSION_INVALID_STATE', message: 'Extension with this name already registered' };
    // Expected external extensions keep their place: only internal ones can exceed the limit.
    const unregisteredExternal = [...this.#expected].filter((expected) => !this.#byName.has(expected)).length;
    if (!external && this.#byId.size + unregisteredExternal >= MAX_EXTENSIONS) {
      return { code: 'LAMINA_ERR_EXTENSION_TOO_MANY', message: `Extension limit (${MAX_EXTENSIONS}) reached` };
    }
    const participant: Participant = { id: randomUUID(), name, external, events: new Set(events), state: 'registered', initErrorType: undefined, exitErrorType: undefined, gone: false, waiter: undefined, pending: [] };
    this.#byId.set(participant.id, participant);
    this.#byName.set(name, participant);
    if (external && [...this.#expected].every((expected) => this.#byName.has(expected))) this.#hooks.externalRegistered();
    return { id: participant.id, ...this.#metadata };
  }

  next(id: string, waiter: ExtensionEventWaiter): ExtensionRefusal | undefined {
    const participant = this.#byId.get(id);
    if (participant === undefined) return { code: 'LAMINA_ERR_EXTENSION_UNKNOWN', message: `Unknown extension ${id}` };
    if (participant.waiter !== undefined && !participant.waiter.closed) {
      return { code: 'LAMINA_ERR_EXTENSION_INVALID_STATE', message: `Extension ${participant.name} is already waiting for its next event` };
    }
    const wasBusy = participant.state === 'busy';
    const pending = participant.pending.shift();
    if (pending !== undefined) {
      participant.state = 'busy';
      participant.waiter = undefined;
      waiter.deliver(pending);
      return undefined;
    }
    participant.state = 'ready';
    participant.waiter = waiter;
    if (this.#registrationOpen) {
      if (this.ready) this.#hooks.ready();
    } else if (wasBusy && !this.busy) {
      this.#hooks.invokeDone();
    }
    return undefined;
  }

  reportError(id: string, phase: 'init' | 'exit', errorType: string, payload: Buffer): ExtensionRefusal | undefined {
    const participant = this.#byId.get(id);
    if (participant === undefined) return { code: 'LAMINA_ERR_EXTENSION_UNKNOWN', message: 'Unknown Lambda-Extension-Identifier' };
    if (phase === 'init') {
      if (!this.#registrationOpen) return { code: 'LAMINA_ERR_EXTENSION_INVALID_STATE', message: `Extension ${participant.name} cannot report an init error after init` };
      participant.initErrorType = errorType;
      this.#hooks.initError(participant.name, errorType, payload);
      return undefined;
    }
    // docs/extensions.md: it is on its way out. It holds no phase any longer (an invoke or a
    // shutdown does not wait for it to come back), and its exit is `Extension.ExitError`.
    if (participant.exitErrorType !== undefined) return undefined;
    participant.exitErrorType = errorType;
    const wasBusy = participant.state === 'busy';
    participant.state = 'ready';
    participant.pending.length = 0;
    this.#hooks.exitError(participant.name, errorType);
    if (!this.#registrationOpen && wasBusy && !this.busy) this.#hooks.invokeDone();
    return undefined;
  }

  /**
   * The wrapper reports that the external extension `name` exited with `status`. An unknown name
   * (a forged line from the function's own output) is not one: false, and the caller logs the line.
   */
  exited(name: string, status: number): boolean {
    if (!this.isExternal(name)) return false;
    const participant = this.#byName.get(name);
    if (participant !== undefined) {
      // Out of the phases before the environment reacts: the others' SHUTDOWN does not wait for it.
      participant.gone = true;
      participant.state = 'ready';
      participant.waiter = undefined;
      participant.pending.length = 0;
    }
    this.#hooks.crashed(name, status);
    return true;
  }

  /** The type `name` reported with `exit/error`, if it did. */
  exitErrorOf(name: string): string | undefined {
    return this.#byName.get(name)?.exitErrorType;
  }

  /** `name` is an executable of /opt/extensions (started by the platform). */
  isExternal(name: string): boolean {
    return this.#expected.has(name);
  }

  /**
   * Every extension at the end of init, registered ones first (in registration order), then the
   * external ones that never registered.
   *
   * @example phases.initStates() // [{ name: 'otel', state: 'Ready', events: ['INVOKE', 'SHUTDOWN'] }]
   */
  initStates(): ExtensionInitState[] {
    const states: ExtensionInitState[] = [];
    for (const participant of this.#byId.values()) {
      const events = [...participant.events];
      if (participant.initErrorType !== undefined) {
        states.push({ name: participant.name, state: 'InitError', events, errorType: participant.initErrorType });
      } else if (participant.exitErrorType !== undefined) {
        states.push({ name: participant.name, state: 'ExitError', events, errorType: participant.exitErrorType });
      } else {
        states.push({ name: participant.name, state: participant.state === 'registered' ? 'Registered' : 'Ready', events });
      }
    }
    for (const name of this.#expected) if (!this.#byName.has(name)) states.push({ name, state: 'Started', events: [] });
    return states;
  }

  /** Send `event` to every extension subscribed to its type. Returns how many get it. */
  dispatch(event: ExtensionEvent): number {
    let count = 0;
    for (const participant of this.#byId.values()) {
      if (!participant.events.has(event.eventType) || !takesPart(participant)) continue;
      count += 1;
      participant.state = 'busy';
      const waiter = participant.waiter;
      participant.waiter = undefined;
      if (waiter !== undefined && !waiter.closed) waiter.deliver(event);
      else participant.pending.push(event);
    }
    return count;
  }
}
