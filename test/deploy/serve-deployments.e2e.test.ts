/** `lamina serve` with a DeploymentPreference: the banner, the CodeDeploy endpoint, and the hook function's AWS_ENDPOINT_URL_CODEDEPLOY. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServeProcess, startServe } from '../helpers/serve-process.js';

let serve: ServeProcess | undefined;
let dir = '';
afterEach(async () => {
  if (serve !== undefined) expect(await serve.stop()).toBe(0);
  serve = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: ., AutoPublishAlias: live, DeploymentPreference: { Type: Linear10PercentEvery2Minutes, Hooks: { PostTraffic: !Ref Hook } } }
  Hook:
    Type: AWS::Serverless::Function
    Properties: { FunctionName: CodeDeployHook_post, Runtime: nodejs20.x, Handler: index.handler, CodeUri: . }
`;

describe('lamina serve with a DeploymentPreference', () => {
  it('serves the CodeDeploy endpoint and names it to the hook function only', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lamina-serve-deploy-'));
    writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => process.env.AWS_ENDPOINT_URL_CODEDEPLOY ?? "none";\n');
    writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
    const started = await startServe(['--template', 'template.yaml', '--port', '0', '--host-node', '--no-limits', '--deploy-time-scale', '0.01', '--state-dir', join(dir, 'state'), '--sqs-port', '0', '--events-port', '0', '--s3-port', '0', '--kinesis-port', '0'], dir, /CodeDeploy hook endpoint \(PutLifecycleEventHookExecutionStatus\): (http:\S+)/);
    serve = started.serve;
    const endpoint = started.match;
    expect(serve.output()).toContain('Api:live deploys new versions Linear10PercentEvery2Minutes (time scale 0.01)');
    const base = /on (http:\/\/\S+)\n/.exec(serve.output())?.[1] ?? '';
    const invoke = async (name: string): Promise<string> => (await (await fetch(`${base}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: '{}' })).json()) as string;
    expect(await invoke('CodeDeployHook_post')).toBe(endpoint);
    expect(await invoke('Api')).toBe('none');
    const answer = await fetch(endpoint, { method: 'POST', headers: { 'x-amz-target': 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus' }, body: JSON.stringify({ deploymentId: 'd-AAAAAAAAA', lifecycleEventHookExecutionId: 'x', status: 'Succeeded' }) });
    expect([answer.status, answer.headers.get('x-amzn-errortype')]).toEqual([400, 'DeploymentDoesNotExistException']);
  });
});
