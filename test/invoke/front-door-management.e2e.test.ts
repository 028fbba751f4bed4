import { GetAccountSettingsCommand, GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../src/control/api/control-plane.js';
import { MemorySettingsStore } from '../../src/control/settings-store.js';
import { createFrontDoor, listen } from '../../src/invoke/front-door-server.js';
import type { InvokePort } from '../../src/platform/invoke-types.js';
import { registryFromFunctions } from '../../src/registry/template-load.js';
import { detectAwsCli, makeAwsCliHome, runAwsCli } from '../helpers/aws-cli.js';

/** The management routes never invoke: an invoke reaching this port is a routing bug. */
const NO_INVOKES: InvokePort = {
  invoke: () => Promise.reject(new Error('the management API must not invoke')),
  accept: () => Promise.reject(new Error('the management API must not invoke')),
};

function controlPlane(handlers?: ConstructorParameters<typeof ControlPlane>[1]): ControlPlane {
  const registry = registryFromFunctions([], { accountConcurrency: 400 });
  const context = { registry, region: 'us-east-1', accountId: '123456789012', stateDir: '/nonexistent', now: () => new Date(), settings: new MemorySettingsStore() };
  return handlers === undefined ? new ControlPlane(context) : new ControlPlane(context, handlers);
}

async function serve(server: Server): Promise<{ endpoint: string; close: () => void }> {
  const address = await listen(server, '127.0.0.1', 0);
  return { endpoint: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

function client(endpoint: string): LambdaClient {
  return new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
}

describe('the management API behind the front door', () => {
  let plain: { endpoint: string; close: () => void };
  let bare: { endpoint: string; close: () => void };
  let signed: { endpoint: string; close: () => void };

  beforeAll(async () => {
    plain = await serve(createFrontDoor(NO_INVOKES, { management: controlPlane() }));
    bare = await serve(createFrontDoor(NO_INVOKES, { management: controlPlane({}) }));
    signed = await serve(createFrontDoor(NO_INVOKES, { management: controlPlane(), verifySignatures: { credentials: [{ accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' }] } }));
  });
  afterAll(() => {
    plain.close();
    bare.close();
    signed.close();
  });

  it('answers GetAccountSettings to the AWS SDK with the registry’s concurrency figures', async () => {
    const answer = await client(plain.endpoint).send(new GetAccountSettingsCommand({}));
    expect(answer.AccountLimit?.ConcurrentExecutions).toBe(400);
    expect(answer.AccountLimit?.UnreservedConcurrentExecutions).toBe(400);
    expect(answer.AccountUsage?.FunctionCount).toBe(0);
    expect(answer.$metadata.httpStatusCode).toBe(200);
    expect(answer.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('names an operation it routes but does not implement, in Lambda’s error shape', async () => {
    const error = await client(bare.endpoint).send(new GetPolicyCommand({ FunctionName: 'f' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 404 } });
    expect(String((error as Error).message)).toContain('GetPolicy');
  });

  it('refuses a management call with a wrong signature before reading it, as it does invokes', async () => {
    const error = await client(signed.endpoint).send(new GetAccountSettingsCommand({})).catch((e: unknown) => e);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });

  it('answers 405 to a known path with another method, and not-JSON bodies with InvalidRequestContentException', async () => {
    const patch = await fetch(`${plain.endpoint}/2016-08-19/account-settings`, { method: 'DELETE' });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('x-amzn-errortype')).toBe('MethodNotAllowedException');
    const bad = await fetch(`${plain.endpoint}/2015-03-31/functions`, { method: 'POST', body: '{"FunctionName":' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
  });

  const found = detectAwsCli();
  it.skipIf(found.cli === undefined)(`answers the AWS CLI (${found.cli?.version ?? found.unavailable ?? ''})`, async () => {
    const home = makeAwsCliHome();
    try {
      const result = await runAwsCli(['lambda', 'get-account-settings', '--endpoint-url', plain.endpoint], home);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toMatchObject({ AccountLimit: { ConcurrentExecutions: 400 } });
    } finally {
      home.remove();
    }
  });
});
