/** The CodeDeploy endpoint on the wire: PutLifecycleEventHookExecutionStatus and CodeDeploy's refusals, in AWS JSON 1.1. */
import { afterEach, describe, expect, it } from 'vitest';
import { type CodeDeployServer, startCodeDeployServer } from '../../src/deploy/codedeploy-server.js';
import { scaledSleep } from '../../src/deploy/deploy-clock.js';
import { type HookOutcome, LifecycleHooks } from '../../src/deploy/lifecycle-hooks.js';

let server: CodeDeployServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TARGET = 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus';

async function call(body: unknown, target = TARGET, raw?: string): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(server?.endpoint ?? '', { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' }, body: raw ?? JSON.stringify(body) });
  return { status: response.status, type: response.headers.get('x-amzn-errortype'), body: (await response.json()) as Record<string, unknown> };
}

/** A hook waiting for its report; resolves with the event the hook function was given. */
async function waitingHook(): Promise<{ event: { DeploymentId: string; LifecycleEventHookExecutionId: string }; outcome: Promise<HookOutcome> }> {
  let given: ((payload: Buffer) => void) | undefined;
  const invoked = new Promise<Buffer>((resolve) => (given = resolve));
  const hooks = new LifecycleHooks(async (_name, payload) => (given?.(payload), 'ok'), 3_600_000, scaledSleep(1));
  server = await startCodeDeployServer(hooks, '127.0.0.1', 0);
  const outcome = hooks.run('d-ABCDEF123', 'hook');
  return { event: JSON.parse((await invoked).toString()) as { DeploymentId: string; LifecycleEventHookExecutionId: string }, outcome };
}

describe('the CodeDeploy endpoint', () => {
  it('takes a report, answers the execution id, and refuses a second one', async () => {
    const { event, outcome } = await waitingHook();
    const report = { deploymentId: event.DeploymentId, lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId, status: 'Succeeded' };
    expect(await call(report)).toEqual({ status: 200, type: null, body: { lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId } });
    expect(await outcome).toEqual({ status: 'Succeeded', reason: 'the hook reported Succeeded' });
    expect(await call(report)).toMatchObject({ status: 400, type: 'LifecycleEventAlreadyCompletedException' });
  });

  it('answers CodeDeploy\'s exceptions for bad ids, statuses, operations and bodies', async () => {
    const { event, outcome } = await waitingHook();
    const ids = { deploymentId: event.DeploymentId, lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId };
    const cases: Array<[Promise<{ status: number; type: string | null }>, string]> = [
      [call({ lifecycleEventHookExecutionId: 'x', status: 'Succeeded' }), 'DeploymentIdRequiredException'],
      [call({ ...ids, deploymentId: 'd-abc' }), 'InvalidDeploymentIdException'],
      [call({ ...ids, deploymentId: 'd-ZZZZZZZZZ', status: 'Succeeded' }), 'DeploymentDoesNotExistException'],
      [call({ deploymentId: ids.deploymentId, status: 'Succeeded' }), 'InvalidLifecycleEventHookExecutionIdException'],
      [call({ ...ids, lifecycleEventHookExecutionId: 'not-this-one', status: 'Succeeded' }), 'InvalidLifecycleEventHookExecutionIdException'],
      [call({ ...ids, status: 'Skipped' }), 'InvalidLifecycleEventHookExecutionStatusException'],
      [call({ ...ids, status: 'Succeeded' }, 'CodeDeploy_20141006.GetDeployment'), 'UnknownOperationException'],
      [call({}, TARGET, '{"deploymentId": '), 'SerializationException'],
      [call({}, TARGET, '[1]'), 'SerializationException'],
      [call({}, TARGET, JSON.stringify({ pad: 'x'.repeat(70_000) })), 'RequestEntityTooLargeException'],
    ];
    for (const [answer, type] of cases) expect((await answer).type).toBe(type);
    // None of them settled the hook: it still takes its real report.
    expect((await call({ ...ids, status: 'Failed' })).status).toBe(200);
    expect((await outcome).status).toBe('Failed');
  });
});
