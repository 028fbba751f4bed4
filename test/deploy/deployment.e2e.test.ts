/**
 * Deployments end to end, with real runtime processes: a Node hook function reports to the
 * embedded CodeDeploy endpoint with the real @aws-sdk/client-codedeploy (found through
 * AWS_ENDPOINT_URL_CODEDEPLOY), and invokes of the alias through the front door say
 * with X-Amz-Executed-Version which version ran while the traffic shifts.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionConfig } from '../../src/config/function-config.js';
import type { DeploymentType } from '../../src/config/deployment-preference.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { startDeployments, type StartedDeployments } from '../../src/deploy/serve-deployments.js';
import { updateLatest } from '../../src/registry/latest-changes.js';
import { customRuntimeFunction } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { value } from '../registry/registry-fixture.js';

/** A hook as people write it: the real CodeDeploy client, which finds the endpoint in AWS_ENDPOINT_URL_CODEDEPLOY. */
const HOOK = `
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
const codedeploy = new CodeDeployClient({ maxAttempts: 1 });
export const handler = async (event) => {
  const answer = await codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
    status: process.env.HOOK_STATUS,
  }));
  return { status: answer.$metadata.httpStatusCode, id: answer.lifecycleEventHookExecutionId };
};
`;

let dir = '';
let lamina: RunningLamina | undefined;
let deploying: StartedDeployments | undefined;
afterEach(async () => {
  await deploying?.stop();
  await lamina?.stop();
  lamina = undefined;
  deploying = undefined;
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function nodeFunction(name: string, source: string, overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  const codeDir = join(dir, name);
  mkdirSync(codeDir, { recursive: true });
  writeFileSync(join(codeDir, 'index.mjs'), source);
  // Lambda's Node runtimes carry the AWS SDK v3; here the hook finds the project's copy.
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(codeDir, 'node_modules'));
  return customRuntimeFunction(name, codeDir, { runtime: 'nodejs20.x', handler: 'index.handler', launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath }, timeout: 10, ...overrides });
}

async function start(type: DeploymentType, hookStatus: string, lines: string[]): Promise<{ lamina: RunningLamina; newCodeDir: string }> {
  dir = mkdtempSync(join(tmpdir(), 'lamina-deploy-'));
  const api = nodeFunction('api', 'export const handler = async () => "v1";\n', { publishedAlias: 'live', deployment: { type, preTraffic: 'CodeDeployHook_pre', alarms: [] } });
  const hook = nodeFunction('CodeDeployHook_pre', HOOK, { environment: { HOOK_STATUS: hookStatus } });
  const newCodeDir = join(dir, 'api-v2');
  mkdirSync(newCodeDir);
  writeFileSync(join(newCodeDir, 'index.mjs'), 'export const handler = async () => "v2";\n');
  // 0.01: the canary's five minutes take three seconds.
  deploying = await startDeployments([api, hook], { host: '127.0.0.1', port: 0, timeScale: 0.01, log: (line) => lines.push(line) });
  // Lambda always gives functions credentials; `lamina serve` passes the host's, this test its own dummies.
  const started = deploying;
  lamina = await startLamina([api, hook], { serviceEnvironment: (name) => started.environmentOf(name), credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: undefined } });
  deploying.attach(lamina.platform);
  return { lamina, newCodeDir };
}

async function invokeAlias(url: string): Promise<{ version: string; body: string }> {
  const response = await fetch(`${url}/2015-03-31/functions/api/invocations?Qualifier=live`, { method: 'POST', body: '{}' });
  return { version: response.headers.get('x-amz-executed-version') ?? '', body: await response.text() };
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a deployment with lamina\'s platform and a real hook function', () => {
  it('runs a canary: the hook reports with the CodeDeploy client, about 10% of invokes reach the new version, then all of them', async () => {
    const lines: string[] = [];
    const { lamina: running, newCodeDir } = await start('Canary10Percent5Minutes', 'Succeeded', lines);
    const registry = running.platform.registry;
    const before = await invokeAlias(running.url);
    expect(before).toEqual({ version: '1', body: '"v1"' });
    value(await updateLatest(registry, 'api', { code: { identity: { sha256: 'v2-digest', size: 1 }, codeDir: newCodeDir } }));
    await until(() => registry.alias('api', 'live')?.routing?.weight === 0.1, 'the canary step');
    const seen = { '1': 0, '2': 0 };
    for (let i = 0; i < 100 && registry.alias('api', 'live')?.routing !== undefined; i += 1) {
      const { version, body } = await invokeAlias(running.url);
      expect(body).toBe(version === '2' ? '"v2"' : '"v1"');
      if (version === '1' || version === '2') seen[version] += 1;
    }
    // 100 draws at 10%: none at all would happen once in 37,000 runs; 30 or more almost never.
    expect(seen['1'] + seen['2']).toBeGreaterThanOrEqual(50);
    expect(seen['2']).toBeGreaterThan(0);
    expect(seen['2'] / (seen['1'] + seen['2'])).toBeLessThan(0.3);
    await until(() => lines.some((line) => line.endsWith(': succeeded')), 'the end of the deployment');
    expect(await invokeAlias(running.url)).toEqual({ version: '2', body: '"v2"' });
    expect(registry.alias('api', 'live')).toMatchObject({ functionVersion: '2', routing: undefined });
    expect(lines.map((line) => line.split(': ').at(-1))).toEqual(['started', 'PreTraffic hook CodeDeployHook_pre invoked', 'PreTraffic hook CodeDeployHook_pre succeeded', '10% of traffic on version 2', 'alias on version 2', 'succeeded']);
  });

  it('rolls back when the hook reports Failed over HTTP: the alias stays on the old version', async () => {
    const lines: string[] = [];
    const { lamina: running, newCodeDir } = await start('Canary10Percent5Minutes', 'Failed', lines);
    value(await updateLatest(running.platform.registry, 'api', { code: { identity: { sha256: 'v2-digest', size: 1 }, codeDir: newCodeDir } }));
    await until(() => lines.some((line) => line.includes(': failed')), 'the rollback');
    expect(lines.at(-1)).toMatch(/failed \(PreTraffic hook CodeDeployHook_pre: the hook reported Failed\); rolled back to version 1$/);
    expect(running.platform.registry.alias('api', 'live')).toMatchObject({ functionVersion: '1', routing: undefined });
    for (let i = 0; i < 5; i += 1) expect(await invokeAlias(running.url)).toEqual({ version: '1', body: '"v1"' });
  });

  it('gives only hook functions the endpoint', () => {
    dir = mkdtempSync(join(tmpdir(), 'lamina-deploy-'));
    return startDeployments([nodeFunction('plain', HOOK)], { host: '127.0.0.1', port: 0, timeScale: 1, log: () => undefined }).then((started) => {
      deploying = started;
      expect(started.endpoint).toBeUndefined();
      expect(started.environmentOf('plain')).toBeUndefined();
    });
  });
});
