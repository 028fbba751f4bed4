/**
 * Progressive deployment through `lamina serve`, as a user drives it (docs/deployments.md): a
 * template edit between two starts, and UpdateFunctionCode through @aws-sdk/client-lambda. The
 * PreTraffic hook reports with the real @aws-sdk/client-codedeploy; the alias is read with GetAlias
 * and the invokes' X-Amz-Executed-Version; the outcome survives a restart, and a stop during a
 * deployment rolls it back for good.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetAliasCommand, type LambdaClient, ListVersionsByFunctionCommand, UpdateFunctionCodeCommand, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { yazlZip } from '../control/yazl-zip.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { type ServeProcess, type ServeProject, serveProject } from '../helpers/serve-process.js';

/** The hook as people write it; it reports what the file STATUS_FILE says (Succeeded or Failed). */
const HOOK = `
import { readFileSync } from 'node:fs';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
const codedeploy = new CodeDeployClient({ maxAttempts: 1 });
export const handler = async (event) => {
  await codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
    status: readFileSync(process.env.STATUS_FILE, 'utf8').trim(),
  }));
  return 'reported';
};
`;

const apiSource = (answer: string): string => `export const handler = async () => ${JSON.stringify(answer)};\n`;

function template(dir: string, apiCodeUri: string): string {
  return `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: api
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: ${apiCodeUri}
      AutoPublishAlias: live
      DeploymentPreference: { Type: Canary10Percent5Minutes, Hooks: { PreTraffic: !Ref PreHook } }
  PreHook:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: CodeDeployHook_pre
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: hook/
      Timeout: 10
      Environment: { Variables: { STATUS_FILE: ${join(dir, 'hook-status')} } }
`;
}

/** The project's code: the API's first answer in api-1/, the hook with the project's node_modules (Lambda's runtimes carry the SDK). */
function writeProject(project: ServeProject, status: string): void {
  for (const [name, source] of [['api-1', apiSource('v1')], ['api-2', apiSource('v2')], ['hook', HOOK]] as const) {
    mkdirSync(join(project.dir, name), { recursive: true });
    writeFileSync(join(project.dir, name, 'index.mjs'), source);
  }
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(project.dir, 'hook', 'node_modules'));
  setHook(project, status);
}

function setHook(project: ServeProject, status: string): void {
  writeFileSync(join(project.dir, 'hook-status'), status);
}

// 0.01: the canary's five minutes take three seconds. --no-limits: the hook must reach the
// CodeDeploy endpoint on 127.0.0.1, which an isolated environment cannot (docs/deployments.md).
const ARGS = ['--port', '0', '--host-node', '--no-limits', '--quiet', '--deploy-time-scale', '0.01', '--sqs-port', '0', '--events-port', '0', '--s3-port', '0', '--kinesis-port', '0', '--codedeploy-port', '0'];
const READY = /Functions, versions, aliases and settings are kept in/;

function endpointOf(serve: ServeProcess): string {
  return /serving \d+ function\(s\) from \S+ on (http:\S+)/.exec(serve.output())?.[1] ?? '';
}

async function invokeAlias(endpoint: string): Promise<{ version: string; body: string }> {
  const response = await fetch(`${endpoint}/2015-03-31/functions/api/invocations?Qualifier=live`, { method: 'POST', body: '{}' });
  return { version: response.headers.get('x-amz-executed-version') ?? '', body: await response.text() };
}

async function until(check: () => boolean | Promise<boolean>, what: string, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Invoke the alias while its routing shifts; the answers by version, each body checked against its version. */
async function invokeDuringShift(endpoint: string, answers: Record<string, string>, shifting: () => Promise<boolean>): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  while (await shifting()) {
    const { version, body } = await invokeAlias(endpoint);
    expect(body).toBe(JSON.stringify(answers[version]));
    seen[version] = (seen[version] ?? 0) + 1;
  }
  return seen;
}

async function aliasOf(client: LambdaClient): Promise<{ version: string | undefined; weights: Record<string, number> | undefined }> {
  const alias = await client.send(new GetAliasCommand({ FunctionName: 'api', Name: 'live' }));
  return { version: alias.FunctionVersion, weights: alias.RoutingConfig?.AdditionalVersionWeights };
}

/** Lines of the deployment log, from `from` on in the output, without the deployment's id. */
function deploymentLines(output: string): string[] {
  return output.split('\n').filter((line) => line.startsWith('Deployment d-')).map((line) => line.replace(/^Deployment d-\w+ /, ''));
}

describe('lamina serve: a template edit between two starts', () => {
  const project = serveProject('lamina-progressive-restart-');

  it('publishes the new version, leaves the alias on the old one, and shifts it on the schedule', async () => {
    writeProject(project, 'Succeeded');
    const first = await project.start(template(project.dir, 'api-1/'), ARGS, READY);
    expect(await invokeAlias(endpointOf(first))).toEqual({ version: '1', body: '"v1"' });
    // The first start creates the alias on version 1: no deployment.
    expect(deploymentLines(first.output())).toEqual([]);
    expect(await first.stop()).toBe(0);

    const second = await project.start(template(project.dir, 'api-2/'), ARGS, READY);
    const endpoint = endpointOf(second);
    const client = localLambdaClient(endpoint);
    try {
      await until(() => second.output().includes('10% of traffic on version 2'), 'the canary step', () => second.output());
      expect(await aliasOf(client)).toEqual({ version: '1', weights: { '2': 0.1 } });
      const seen = await invokeDuringShift(endpoint, { '1': 'v1', '2': 'v2' }, async () => !second.output().includes('alias on version 2'));
      const total = (seen['1'] ?? 0) + (seen['2'] ?? 0);
      // Three seconds of invokes at 10%: at least a few dozen draws; none on version 2 would be rarer than 1 in 10,000.
      expect(total).toBeGreaterThanOrEqual(30);
      expect(seen['2']).toBeGreaterThan(0);
      expect((seen['2'] ?? 0) / total).toBeLessThan(0.35);
      await until(() => second.output().includes(': succeeded'), 'the end of the deployment', () => second.output());
      expect(await aliasOf(client)).toEqual({ version: '2', weights: undefined });
      expect(await invokeAlias(endpoint)).toEqual({ version: '2', body: '"v2"' });
      expect(deploymentLines(second.output())).toEqual([
        'of api:live (1 -> 2, Canary10Percent5Minutes): started',
        'of api:live (1 -> 2, Canary10Percent5Minutes): PreTraffic hook CodeDeployHook_pre invoked',
        'of api:live (1 -> 2, Canary10Percent5Minutes): PreTraffic hook CodeDeployHook_pre succeeded',
        'of api:live (1 -> 2, Canary10Percent5Minutes): 10% of traffic on version 2',
        'of api:live (1 -> 2, Canary10Percent5Minutes): alias on version 2',
        'of api:live (1 -> 2, Canary10Percent5Minutes): succeeded',
      ]);
    } finally {
      client.destroy();
    }
  }, 120_000);
});

describe('lamina serve: UpdateFunctionCode on a function with a DeploymentPreference', () => {
  const project = serveProject('lamina-progressive-api-');

  async function update(client: LambdaClient, answer: string): Promise<void> {
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'api', ZipFile: await yazlZip([{ name: 'index.mjs', data: apiSource(answer) }]) }));
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: 'api' });
  }

  it('deploys, rolls back on a Failed hook, keeps the outcome across a restart, and rolls back at a stop', async () => {
    writeProject(project, 'Succeeded');
    let serve = await project.start(template(project.dir, 'api-1/'), ARGS, READY);
    let client = localLambdaClient(endpointOf(serve));
    const current = (): ServeProcess => serve;
    try {
      // A deployment that succeeds: version 2 from the zip, shifted as the canary says.
      await update(client, 'zip-2');
      await until(() => current().output().includes('10% of traffic on version 2'), 'the canary step', () => current().output());
      expect(await aliasOf(client)).toEqual({ version: '1', weights: { '2': 0.1 } });
      await until(() => current().output().includes('(1 -> 2, Canary10Percent5Minutes): succeeded'), 'the first deployment', () => current().output());
      expect(await aliasOf(client)).toEqual({ version: '2', weights: undefined });
      expect(await invokeAlias(endpointOf(serve))).toEqual({ version: '2', body: '"zip-2"' });

      // The PreTraffic hook reports Failed: version 3 never gets traffic.
      setHook(project, 'Failed');
      await update(client, 'zip-3');
      await until(() => current().output().includes('(2 -> 3, Canary10Percent5Minutes): failed'), 'the rollback', () => current().output());
      expect(deploymentLines(serve.output()).at(-1)).toBe('of api:live (2 -> 3, Canary10Percent5Minutes): failed (PreTraffic hook CodeDeployHook_pre: the hook reported Failed); rolled back to version 2');
      expect(await aliasOf(client)).toEqual({ version: '2', weights: undefined });
      expect(await invokeAlias(endpointOf(serve))).toEqual({ version: '2', body: '"zip-2"' });

      // A restart: the alias is where the deployment left it, and the failed version is not deployed again.
      expect(await serve.stop()).toBe(0);
      client.destroy();
      setHook(project, 'Succeeded');
      serve = await project.start(template(project.dir, 'api-1/'), ARGS, READY);
      client = localLambdaClient(endpointOf(serve));
      const versions = await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'api' }));
      expect(versions.Versions?.map((version) => version.Version)).toEqual(['$LATEST', '1', '2', '3']);
      expect(await aliasOf(client)).toEqual({ version: '2', weights: undefined });
      expect(await invokeAlias(endpointOf(serve))).toEqual({ version: '2', body: '"zip-2"' });
      expect(deploymentLines(serve.output())).toEqual([]);
      // The endpoint (a new port at each start) is added at run time, not to the hook's definition: unchanged.
      expect(serve.output()).not.toContain('CodeDeployHook_pre: $LATEST updated');

      // A stop during a deployment rolls it back, and the next start finds it rolled back.
      await update(client, 'zip-4');
      await until(() => current().output().includes('10% of traffic on version 4'), 'the canary step of version 4', () => current().output());
      expect(await aliasOf(client)).toEqual({ version: '2', weights: { '4': 0.1 } });
      expect(await serve.stop()).toBe(0);
      expect(deploymentLines(serve.output()).at(-1)).toBe('of api:live (2 -> 4, Canary10Percent5Minutes): stopped (Lamina is stopping); rolled back to version 2');
      client.destroy();
      serve = await project.start(template(project.dir, 'api-1/'), ARGS, READY);
      client = localLambdaClient(endpointOf(serve));
      expect(await aliasOf(client)).toEqual({ version: '2', weights: undefined });
      expect(await invokeAlias(endpointOf(serve))).toEqual({ version: '2', body: '"zip-2"' });
      expect(deploymentLines(serve.output())).toEqual([]);
    } finally {
      client.destroy();
    }
  }, 180_000);
});
