/**
 * The story told with the AWS CLI alone, against the real `lamina serve`: deploy a zip,
 * invoke, update the code, publish two versions, route an alias between them by weight, restart
 * the server, and find everything again. Limits and isolation stay on, as `lamina serve` starts by default.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAwsCli, makeAwsCliHome, payloadArgs, runAwsCli, type AwsCliHome } from '../helpers/aws-cli.js';
import { serveProject } from '../helpers/serve-process.js';
import { shellBootstrap } from '../helpers/shell-bootstrap.js';
import { yazlZip } from '../control/yazl-zip.js';

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources: {}
`;
const ROLE = 'arn:aws:iam::123456789012:role/lambda-role';
const READY = /serving \d+ function\(s\) from \S+ on (http:\S+)/;

const cli = detectAwsCli();
const project = serveProject('lamina-cli-story-');
let home: AwsCliHome;
let endpoint = '';

async function start(): Promise<void> {
  const serve = await project.start(TEMPLATE, ['--port', '0', '--quiet'], READY);
  endpoint = READY.exec(serve.output())?.[1] ?? '';
}

/** `aws lambda ARGS` against Lamina; the parsed JSON answer (or {} for none). */
async function lambda(...args: string[]): Promise<Record<string, unknown>> {
  const result = await runAwsCli(['lambda', ...args, '--endpoint-url', endpoint, '--region', 'us-east-1'], home, 60_000);
  expect(result.code, `aws lambda ${args[0] ?? ''}: ${result.stderr}`).toBe(0);
  return result.stdout.trim() === '' ? {} : (JSON.parse(result.stdout) as Record<string, unknown>);
}

async function invoke(qualifier?: string): Promise<{ body: unknown; version: unknown }> {
  const answer = await lambda('invoke', '--function-name', 'story', ...(qualifier === undefined ? [] : ['--qualifier', qualifier]), ...payloadArgs(cli.cli!, '{}'), 'out.json');
  return { body: JSON.parse(readFileSync(join(home.dir, 'out.json'), 'utf8')), version: answer['ExecutedVersion'] };
}

async function writeZip(file: string, version: number): Promise<void> {
  writeFileSync(join(home.dir, file), await yazlZip([{ name: 'bootstrap', data: shellBootstrap(`echo '{"v":${version}}'`), mode: 0o100755 }]));
}

describe.skipIf(cli.cli === undefined)(`the control plane with the AWS CLI (${cli.cli?.version ?? cli.unavailable ?? ''})`, () => {
  beforeAll(async () => {
    home = makeAwsCliHome();
    await start();
  }, 120_000);
  afterAll(() => home?.remove());

  it('create-function from a zip, wait, invoke', async () => {
    await writeZip('v1.zip', 1);
    const created = await lambda('create-function', '--function-name', 'story', '--runtime', 'provided.al2023', '--handler', 'x', '--role', ROLE, '--zip-file', 'fileb://v1.zip');
    expect(created).toMatchObject({ FunctionName: 'story', State: 'Pending', PackageType: 'Zip' });
    await lambda('wait', 'function-active-v2', '--function-name', 'story');
    expect(await invoke()).toEqual({ body: { v: 1 }, version: '$LATEST' });
  }, 120_000);

  it('publish-version, update-function-code, wait function-updated-v2, publish again', async () => {
    expect(await lambda('publish-version', '--function-name', 'story', '--description', 'first')).toMatchObject({ Version: '1', Description: 'first' });
    await writeZip('v2.zip', 2);
    expect(await lambda('update-function-code', '--function-name', 'story', '--zip-file', 'fileb://v2.zip')).toMatchObject({ LastUpdateStatus: 'InProgress' });
    await lambda('wait', 'function-updated-v2', '--function-name', 'story');
    expect(await invoke()).toEqual({ body: { v: 2 }, version: '$LATEST' });
    expect(await lambda('publish-version', '--function-name', 'story')).toMatchObject({ Version: '2' });
    const versions = await lambda('list-versions-by-function', '--function-name', 'story');
    expect((versions['Versions'] as { Version: string }[]).map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    expect(await invoke('1')).toEqual({ body: { v: 1 }, version: '1' });
  }, 120_000);

  it('an alias with routing-config sends invokes to both versions and says which ran', async () => {
    const alias = await lambda('create-alias', '--function-name', 'story', '--name', 'live', '--function-version', '1', '--routing-config', '{"AdditionalVersionWeights":{"2":0.5}}');
    expect(alias).toMatchObject({ Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } });
    const seen = new Set<unknown>();
    // Twenty draws at one half: both versions come up except once in about 500,000 runs.
    for (let i = 0; i < 20 && seen.size < 2; i += 1) {
      const { body, version } = await invoke('live');
      expect(body).toEqual({ v: Number(version) });
      seen.add(version);
    }
    expect([...seen].sort()).toEqual(['1', '2']);
  }, 120_000);

  it('after a restart the function, its versions and the weighted alias are all there', async () => {
    expect(await project.serve?.stop()).toBe(0);
    await start();
    const alias = await lambda('get-alias', '--function-name', 'story', '--name', 'live');
    expect(alias).toMatchObject({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } });
    const versions = await lambda('list-versions-by-function', '--function-name', 'story');
    expect((versions['Versions'] as { Version: string }[]).map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    expect(await invoke('2')).toEqual({ body: { v: 2 }, version: '2' });
    expect(await invoke()).toEqual({ body: { v: 2 }, version: '$LATEST' });
  }, 120_000);
});
