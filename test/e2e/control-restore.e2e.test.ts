/**
 * Settings made through the management API that act again after `lamina serve` restarts
 * (docs/control-plane.md, "Persistence"), with @aws-sdk/client-lambda: a provisioned concurrency
 * config is applied again (READY once its environment is initialised), function URLs are served
 * again (on their port when it is free, else on a new one that the config records), and a
 * template function naming a layer version published through the API by ARN runs that layer.
 */
import { createServer, type Server } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  PublishLayerVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { yazlZip } from '../control/yazl-zip.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { serveProject } from '../helpers/serve-process.js';
import { shellBootstrap } from '../helpers/shell-bootstrap.js';

const settingsProject = serveProject('lamina-control-restore-');
const layerProject = serveProject('lamina-control-restore-layer-');
const READY = /Functions, versions, aliases and settings are kept in/;
const ARGS = ['--port', '0', '--url-port', '0', '--no-limits', '--quiet'];
const blockers: Server[] = [];

/** A template function whose shell bootstrap answers a function URL's shape. */
function writeShell(dir: string): void {
  mkdirSync(join(dir, 'shell'));
  writeFileSync(join(dir, 'shell', 'bootstrap'), shellBootstrap(`printf '{"statusCode":200,"body":"url-ok"}'`), { mode: 0o755 });
}

afterAll(async () => {
  await Promise.all(blockers.map((server) => new Promise((resolve) => server.close(resolve))));
});

function template(layerArn: string | undefined): string {
  const layered = layerArn === undefined ? '' : `  Layered:
    Type: AWS::Serverless::Function
    Properties: { Runtime: provided.al2023, Handler: x, CodeUri: layered, Layers: ['${layerArn}'] }
`;
  return `Transform: AWS::Serverless-2016-10-31
Resources:
  Shell:
    Type: AWS::Serverless::Function
    Properties: { Runtime: provided.al2023, Handler: x, CodeUri: shell, AutoPublishAlias: live }
${layered}`;
}

function baseOf(output: string): string {
  const found = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
  if (found?.[1] === undefined) throw new Error(`no address in:\n${output}`);
  return found[1];
}

async function provisionedStatus(client: LambdaClient): Promise<string | undefined> {
  return (await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'Shell', Qualifier: 'live' }))).Status;
}

async function urlAnswer(url: string): Promise<string> {
  const response = await fetch(url);
  return `${response.status} ${await response.text()}`;
}

function portOf(url: string | undefined): number {
  return Number(/:(\d+)\/$/.exec(url ?? '')?.[1]);
}

describe('API settings across a restart of lamina serve', () => {
  it('applies provisioned concurrency again and serves function URLs again, on a new port when the old one is taken', async () => {
    const project = settingsProject;
    writeShell(project.dir);
    const first = await project.start(template(undefined), ARGS, READY);
    const client = localLambdaClient(baseOf(first.output()));
    await client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'Shell', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    await expect.poll(() => provisionedStatus(client), { timeout: 20_000 }).toBe('READY');
    const latestUrl = (await client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'Shell', AuthType: 'NONE' }))).FunctionUrl ?? '';
    const aliasUrl = (await client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'Shell', Qualifier: 'live', AuthType: 'NONE' }))).FunctionUrl ?? '';
    expect(await urlAnswer(latestUrl)).toBe('200 url-ok');
    expect(await urlAnswer(aliasUrl)).toBe('200 url-ok');
    expect(await first.stop()).toBe(0);

    // While stopped, something else takes the $LATEST URL's port.
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(portOf(latestUrl), '127.0.0.1', resolve));

    const second = await project.start(template(undefined), ARGS, READY);
    const again = localLambdaClient(baseOf(second.output()));
    await expect.poll(() => provisionedStatus(again), { timeout: 20_000 }).toBe('READY');
    const aliasAfter = (await again.send(new GetFunctionUrlConfigCommand({ FunctionName: 'Shell', Qualifier: 'live' }))).FunctionUrl;
    expect(aliasAfter).toBe(aliasUrl);
    expect(await urlAnswer(aliasUrl)).toBe('200 url-ok');
    const latestAfter = (await again.send(new GetFunctionUrlConfigCommand({ FunctionName: 'Shell' }))).FunctionUrl ?? '';
    expect(portOf(latestAfter)).not.toBe(portOf(latestUrl));
    expect(await urlAnswer(latestAfter)).toBe('200 url-ok');
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it('runs a template function naming a layer version published through the API before the restart', async () => {
    const project = layerProject;
    writeShell(project.dir);
    mkdirSync(join(project.dir, 'layered'));
    writeFileSync(join(project.dir, 'layered', 'README'), 'the runtime is in the layer\n');
    const first = await project.start(template(undefined), ARGS, READY);
    const client = localLambdaClient(baseOf(first.output()));
    const layerZip = await yazlZip([{ name: 'bootstrap', data: shellBootstrap(`printf '{"from":"layer"}'`), mode: 0o100755 }]);
    const layer = await client.send(new PublishLayerVersionCommand({ LayerName: 'runtime', Content: { ZipFile: layerZip } }));
    expect(await first.stop()).toBe(0);

    const second = await project.start(template(layer.LayerVersionArn), ARGS, READY);
    const output = second.output();
    expect(output).not.toMatch(/warning: .*Layers/);
    const invoked = await localLambdaClient(baseOf(output)).send(new InvokeCommand({ FunctionName: 'Layered', Payload: Buffer.from('{}') }));
    expect(invoked.FunctionError).toBeUndefined();
    expect(Buffer.from(invoked.Payload ?? []).toString()).toBe('{"from":"layer"}');
    expect(await second.stop()).toBe(0);
  }, 120_000);
});
