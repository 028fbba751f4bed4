/**
 * CodeDeploy's lifecycle hooks for Lambda (docs/deployments.md): a hook function is invoked with
 * `{"DeploymentId", "LifecycleEventHookExecutionId"}` and must report `Succeeded` or `Failed`
 * with PutLifecycleEventHookExecutionStatus before the hook's timeout (CodeDeploy: one hour).
 * This module keeps the executions waiting for their report and checks each report as
 * CodeDeploy does.
 */
import { randomBytes } from 'node:crypto';
import { CodeDeployError } from './codedeploy-errors.js';
import type { Sleep } from './deploy-clock.js';

export type HookStatus = 'Succeeded' | 'Failed';

/** How one hook ended: its report, or why it never came. */
export type HookOutcome = { readonly status: HookStatus; readonly reason: string };

/** CodeDeploy's deployment ids: `d-` and nine capitals or digits. */
export const DEPLOYMENT_ID_PATTERN = /^d-[A-Z0-9]{9}$/;

/** @example newDeploymentId() // 'd-7Q2M0X9KD' */
export function newDeploymentId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return `d-${[...randomBytes(9)].map((byte) => alphabet[byte % alphabet.length]).join('')}`;
}

/** What a hook function does when invoked: 'error' when it failed (a function error, or not run at all). */
export type HookInvoker = (functionName: string, payload: Buffer) => Promise<'ok' | 'error'>;

interface Pending {
  readonly deploymentId: string;
  readonly settle: (outcome: HookOutcome) => void;
}

/**
 * @example
 * const hooks = new LifecycleHooks(invoke, 3_600_000, scaledSleep(1));
 * const outcome = await hooks.run('d-ABCDEF123', 'pre-hook'); // after the function reported
 */
export class LifecycleHooks {
  readonly #pending = new Map<string, Pending>();
  readonly #completed = new Set<string>();
  readonly #deployments = new Set<string>();

  constructor(
    private readonly invoke: HookInvoker,
    /** How long a hook may take to report, before the time scale of `sleep`. */
    private readonly timeoutMs: number,
    private readonly sleep: Sleep,
  ) {}

  /** A deployment the endpoint knows of (a report naming another is DeploymentDoesNotExist). */
  open(deploymentId: string): void {
    this.#deployments.add(deploymentId);
  }

  /**
   * Invoke `functionName` for one lifecycle event and wait for its report. A hook that fails to
   * run, or ends with a function error before reporting, is Failed at once (CodeDeploy would wait
   * for the timeout); one that never reports is Failed after the timeout.
   */
  run(deploymentId: string, functionName: string): Promise<HookOutcome> {
    this.open(deploymentId);
    const executionId = randomBytes(48).toString('base64url');
    const timer = new AbortController();
    return new Promise<HookOutcome>((resolve) => {
      const settle = (outcome: HookOutcome): void => {
        if (!this.#pending.delete(executionId)) return;
        this.#completed.add(executionId);
        timer.abort();
        resolve(outcome);
      };
      this.#pending.set(executionId, { deploymentId, settle });
      void this.sleep(this.timeoutMs, timer.signal).then(() => settle({ status: 'Failed', reason: `${functionName} did not report a status within its timeout (${this.timeoutMs / 1000} s before the time scale)` }), () => undefined);
      const payload = Buffer.from(JSON.stringify({ DeploymentId: deploymentId, LifecycleEventHookExecutionId: executionId }));
      this.invoke(functionName, payload).then(
        (result) => {
          if (result === 'error') settle({ status: 'Failed', reason: `${functionName} failed before reporting a status` });
        },
        (error: unknown) => settle({ status: 'Failed', reason: `${functionName} could not be invoked: ${(error as Error).message}` }),
      );
    });
  }

  /** End a stopped deployment's waiting hooks (Failed), so that no timer outlives it. */
  cancel(deploymentId: string): void {
    for (const pending of [...this.#pending.values()]) if (pending.deploymentId === deploymentId) pending.settle({ status: 'Failed', reason: 'the deployment was stopped' });
  }

  /**
   * PutLifecycleEventHookExecutionStatus, checked as CodeDeploy checks it.
   *
   * @throws CodeDeployError with CodeDeploy's exception for a missing, malformed or unknown id, a
   *   status other than Succeeded or Failed, or an execution that already ended.
   */
  report(deploymentId: unknown, executionId: unknown, status: unknown): string {
    if (deploymentId === undefined || deploymentId === null || deploymentId === '') throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_DEPLOYMENT_ID_REQUIRED', 'Deployment ID is required.');
    if (typeof deploymentId !== 'string' || !DEPLOYMENT_ID_PATTERN.test(deploymentId)) throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_INVALID_DEPLOYMENT_ID', `Specified DeploymentId is not in the valid format: ${String(deploymentId)}`);
    if (!this.#deployments.has(deploymentId)) throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_DEPLOYMENT_NOT_FOUND', `The deployment ${deploymentId} does not exist.`);
    if (typeof executionId !== 'string' || executionId === '') throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_INVALID_HOOK_EXECUTION_ID', 'LifecycleEventHookExecutionId is required.');
    if (this.#completed.has(executionId)) throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_HOOK_ALREADY_COMPLETED', `The lifecycle event hook execution ${executionId} has already completed.`);
    const pending = this.#pending.get(executionId);
    if (pending === undefined || pending.deploymentId !== deploymentId) throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_INVALID_HOOK_EXECUTION_ID', `The lifecycle event hook execution ${executionId} does not belong to deployment ${deploymentId}.`);
    if (status !== 'Succeeded' && status !== 'Failed') throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_INVALID_HOOK_STATUS', `The status must be Succeeded or Failed, got ${JSON.stringify(status) ?? 'nothing'}.`);
    pending.settle({ status, reason: `the hook reported ${status}` });
    return executionId;
  }
}
