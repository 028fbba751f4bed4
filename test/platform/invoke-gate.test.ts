/**
 * Invoke respects the function's State: a function still Pending (CreateFunction answered, its
 * readiness not yet checked) is refused with Lambda's ResourceConflictException, through the gate
 * the platform is handed (src/platform/invoke-types.ts `InvokeGate`); it runs once Active.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../src/control/api/control-plane.js';
import { statesOf } from '../../src/control/api/function-states.js';
import { MemorySettingsStore } from '../../src/control/settings-store.js';
import { ServiceError } from '../../src/errors.js';
import { Platform } from '../../src/platform/platform.js';
import { yazlZip } from '../control/yazl-zip.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

const PENDING = 'The operation cannot be performed at this time. The function is currently in the following state: Pending';
let platform: Platform | undefined;
let stateDir: string | undefined;

afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
  stateDir = undefined;
});

async function refusalOf(pending: Promise<unknown>): Promise<{ name: string; status: number; message: string }> {
  const error = await pending.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ServiceError);
  return { name: (error as ServiceError).spec.name, status: (error as ServiceError).spec.status, message: (error as ServiceError).message };
}

describe('Invoke and the function State', () => {
  it('refuses a Pending function (sync, Event, by ARN) with ResourceConflictException, and runs it once settled', async () => {
    platform = new Platform({ functions: [bootstrapFunction('fn')] });
    const states = statesOf(platform.registry);
    platform.gateInvokes(states);
    // The transition held back: Pending until the test settles it.
    states.created('fn');
    const conflict = { name: 'ResourceConflictException', status: 409, message: PENDING };
    expect(await refusalOf(platform.invoke(invokeRequest('fn', {})))).toEqual(conflict);
    expect(await refusalOf(Promise.resolve().then(() => platform?.accept(invokeRequest('fn', {}, { invocationType: 'Event' }))))).toEqual(conflict);
    expect(await refusalOf(platform.invoke(invokeRequest('arn:aws:lambda:us-east-1:123456789012:function:fn', {})))).toEqual(conflict);
    expect(platform.pool('fn')?.size ?? 0).toBe(0);
    await states.settle('fn', () => platform?.registry.version('fn', '$LATEST'));
    expect(states.of('fn').state).toBe('Active');
    const outcome = await platform.invoke(invokeRequest('fn', { n: 1 }));
    expect(outcome.result.kind).toBe('response');
  });

  it('an invoke right after CreateFunction answered (Pending) is refused; after the readiness check it runs', async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'lamina-gate-'));
    platform = new Platform({ functions: [] });
    platform.gateInvokes(statesOf(platform.registry));
    const control = new ControlPlane({ registry: platform.registry, region: 'us-east-1', accountId: '123456789012', stateDir, now: () => new Date(), settings: new MemorySettingsStore(), code: platform });
    const zip = await yazlZip([{ name: 'bootstrap', data: '#!/bin/sh\nset -e\nwhile true; do\n  h=$(mktemp)\n  curl -sS -D "$h" -o /dev/null "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next"\n  id=$(grep -i lambda-runtime-aws-request-id "$h" | tr -d "\\r" | cut -d" " -f2)\n  curl -sS -X POST -d \'{"ok":true}\' "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$id/response" >/dev/null\ndone\n', mode: 0o100755 }]);
    const created = await control.handle({ operation: 'CreateFunction', labels: {}, query: {}, queryAll: {}, successStatus: 201, body: { FunctionName: 'api', Runtime: 'provided.al2023', Handler: 'x', Role: 'arn:aws:iam::123456789012:role/r', Code: { ZipFile: zip.toString('base64') } } });
    expect(created.body).toMatchObject({ State: 'Pending' });
    // In the same turn as the answer: the readiness check has not run yet.
    expect(await refusalOf(platform.invoke(invokeRequest('api', {})))).toMatchObject({ name: 'ResourceConflictException', message: PENDING });
    await statesOf(platform.registry).settled();
    expect(statesOf(platform.registry).of('api').state).toBe('Active');
    const outcome = await platform.invoke(invokeRequest('api', {}));
    expect(outcome.result.kind).toBe('response');
  });
});
