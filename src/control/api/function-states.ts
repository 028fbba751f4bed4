/**
 * Lambda's `State` and `LastUpdateStatus` of each function (docs/management-api.md, "Functions").
 * CreateFunction answers `Pending`; UpdateFunctionCode and UpdateFunctionConfiguration answer
 * `InProgress`. The function becomes `Active` / `Successful` once its new `$LATEST` is checked
 * ready to run (its code directory and its interpreter are in place), or `Failed` with the reason.
 * While a function is Pending or InProgress, another create or update of it is refused with
 * Lambda's ResourceConflictException. Template functions were ready before serving: Active.
 */
import { access, constants, stat } from 'node:fs/promises';
import { ServiceError } from '../../errors.js';
import type { FunctionRegistry } from '../../registry/function-registry.js';
import type { VersionRecord } from '../../registry/registry-types.js';

export interface FunctionStatus {
  readonly state: 'Pending' | 'Active' | 'Failed';
  readonly lastUpdateStatus: 'InProgress' | 'Successful' | 'Failed';
  readonly reason?: string;
  readonly reasonCode?: string;
}

const READY: FunctionStatus = { state: 'Active', lastUpdateStatus: 'Successful' };

/**
 * Why a `$LATEST` cannot run, or undefined when it can: its code directory must exist, and the
 * interpreter it names must be executable. A missing `bootstrap` is not checked: Lambda accepts
 * such a package too, and the invoke fails at init as on Lambda.
 */
export async function notReadyReason(record: VersionRecord): Promise<{ reason: string; code: string } | undefined> {
  if (record.config.image !== undefined) return undefined;
  const dir = await stat(record.config.codeDir).catch(() => undefined);
  if (dir?.isDirectory() !== true) return { reason: `The function's code directory ${record.config.codeDir} is missing.`, code: 'InvalidZipFileException' };
  const launch = record.config.launch;
  const interpreter = launch.kind === 'node-ric' ? launch.node : launch.kind === 'python-ric' ? launch.python : undefined;
  if (interpreter === undefined) return undefined;
  const runnable = await access(interpreter, constants.X_OK).then(() => true, () => false);
  return runnable ? undefined : { reason: `The runtime's interpreter ${interpreter === '' ? '(none installed)' : interpreter} cannot be run.`, code: 'InvalidRuntime' };
}

/** Lambda's answer to an operation on a function in `state`. */
function stateConflict(state: string): string {
  return `The operation cannot be performed at this time. The function is currently in the following state: ${state}`;
}

/**
 * The states of one registry's functions. It is the platform's invoke gate (`InvokeGate`,
 * src/platform/invoke-types.ts): a Pending function's Invoke is refused with Lambda's
 * ResourceConflictException, as Lambda does until its new function is ready.
 */
export class FunctionStates {
  readonly #by = new Map<string, FunctionStatus>();
  /** Settlements running, so tests and shutdown can wait for them. */
  readonly #running = new Set<Promise<void>>();

  of(name: string): FunctionStatus {
    return this.#by.get(name) ?? READY;
  }

  /**
   * The invoke gate: a function still Pending cannot be invoked.
   *
   * @example platform.gateInvokes(statesOf(platform.registry));
   */
  refusal(name: string): { readonly code: 'LAMINA_ERR_RESOURCE_CONFLICT'; readonly message: string } | undefined {
    return this.of(name).state === 'Pending' ? { code: 'LAMINA_ERR_RESOURCE_CONFLICT', message: stateConflict('Pending') } : undefined;
  }

  /**
   * Claim the function for a change; refused while a create or an update is still settling.
   *
   * @returns the status to restore if the change is then refused.
   */
  claim(name: string, arn: string): FunctionStatus {
    const current = this.of(name);
    if (current.state === 'Pending') throw new ServiceError('LAMINA_ERR_RESOURCE_CONFLICT', stateConflict('Pending'));
    if (current.lastUpdateStatus === 'InProgress') throw new ServiceError('LAMINA_ERR_RESOURCE_CONFLICT', `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`);
    this.#by.set(name, { state: current.state, lastUpdateStatus: 'InProgress' });
    return current;
  }

  /** Give a claim back unchanged (the change was refused). */
  restore(name: string, previous: FunctionStatus): void {
    if (previous === READY) this.#by.delete(name);
    else this.#by.set(name, previous);
  }

  /** A new function: Pending until `settle`. */
  created(name: string): void {
    this.#by.set(name, { state: 'Pending', lastUpdateStatus: 'InProgress' });
  }

  forget(name: string): void {
    this.#by.delete(name);
  }

  /**
   * Check the new `$LATEST` (read when the check runs, so a later change is what is judged) and
   * end the Pending or InProgress status.
   */
  settle(name: string, latest: () => VersionRecord | undefined): Promise<void> {
    const run = (async () => {
      // After the answer that says Pending or InProgress has been handed back.
      await new Promise((resolve) => setImmediate(resolve));
      const record = latest();
      if (record === undefined) return void this.#by.delete(name);
      const failed = await notReadyReason(record);
      const creating = this.of(name).state === 'Pending';
      if (failed === undefined) return void this.#by.delete(name);
      this.#by.set(name, creating ? { state: 'Failed', lastUpdateStatus: 'Failed', reason: failed.reason, reasonCode: failed.code } : { state: 'Active', lastUpdateStatus: 'Failed', reason: failed.reason, reasonCode: failed.code });
    })();
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
    return run;
  }

  /** Resolves once every settlement started so far has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.#running]);
  }
}

const byRegistry = new WeakMap<FunctionRegistry, FunctionStates>();

/** The states kept for a registry (one per `lamina serve`). */
export function statesOf(registry: FunctionRegistry): FunctionStates {
  let states = byRegistry.get(registry);
  if (states === undefined) {
    states = new FunctionStates();
    byRegistry.set(registry, states);
  }
  return states;
}
