/**
 * Versions and weighted aliases through the management API of a real `lamina serve`, with the
 * AWS SDK for JavaScript v3 and the AWS CLI v2: two published versions, an alias sending 30% of
 * invokes to the other (1,000 invokes land within 3 percentage points, by X-Amz-Executed-Version),
 * RevisionId conflicts, and the CLI's alias commands.
 */
import { join } from 'node:path';
import {
  CreateAliasCommand,
  GetAliasCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PreconditionFailedException,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  GetFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAwsCli, makeAwsCliHome, runAwsCli, type AwsCliHome } from '../helpers/aws-cli.js';
import { FIXTURES } from '../helpers/function-config.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { serveProject } from '../helpers/serve-process.js';

const project = serveProject('lamina-versions-');
const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Weighted:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: weighted
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${join(FIXTURES, 'runtimes', 'echo')}
      Timeout: 3
`;

let endpoint = '';

beforeAll(async () => {
  const serve = await project.start(TEMPLATE, ['--port', '0', '--no-limits'], /on (http:\/\/\S+)\n/);
  endpoint = /on (http:\/\/[^\s]+)\n/.exec(serve.output())?.[1] ?? '';
}, 60_000);

describe('versions and a weighted alias through the SDK', () => {
  it('publishes two versions, routes 30% of 1,000 alias invokes to the additional one, and refuses stale RevisionIds', async () => {
    const lambda = localLambdaClient(endpoint);
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'weighted', Description: 'three seconds' }));
    expect(v1.Version).toBe('1');
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'weighted', Timeout: 5 }));
    await expect.poll(async () => (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'weighted' }))).LastUpdateStatus, { timeout: 10_000 }).toBe('Successful');
    const latest = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'weighted' }));
    // A stale RevisionId is refused; the current one publishes version 2.
    await expect(lambda.send(new PublishVersionCommand({ FunctionName: 'weighted', RevisionId: v1.RevisionId }))).rejects.toBeInstanceOf(PreconditionFailedException);
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: 'weighted', RevisionId: latest.RevisionId, CodeSha256: latest.CodeSha256 }));
    expect(v2).toMatchObject({ Version: '2', Timeout: 5, FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:weighted:2' });
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'weighted' }));
    expect(versions.Versions?.map((v) => [v.Version, v.Timeout])).toEqual([['$LATEST', 5], ['1', 3], ['2', 5]]);

    const alias = await lambda.send(new CreateAliasCommand({ FunctionName: 'weighted', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } }));
    expect(alias).toMatchObject({ Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } });
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i += 1) {
      const answer = await lambda.send(new InvokeCommand({ FunctionName: 'weighted', Qualifier: 'live', Payload: new TextEncoder().encode(`{"echo":${i}}`) }));
      expect(answer.StatusCode).toBe(200);
      counts.set(answer.ExecutedVersion ?? '?', (counts.get(answer.ExecutedVersion ?? '?') ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['1', '2']);
    expect(Math.abs((counts.get('2') ?? 0) / 1000 - 0.3)).toBeLessThanOrEqual(0.03);

    await expect(lambda.send(new UpdateAliasCommand({ FunctionName: 'weighted', Name: 'live', FunctionVersion: '2', RevisionId: 'stale' }))).rejects.toBeInstanceOf(PreconditionFailedException);
    const moved = await lambda.send(new UpdateAliasCommand({ FunctionName: 'weighted', Name: 'live', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: alias.RevisionId }));
    expect(moved.RoutingConfig).toBeUndefined();
    const all = new Set<string>();
    for (let i = 0; i < 20; i += 1) all.add((await lambda.send(new InvokeCommand({ FunctionName: 'weighted:live' }))).ExecutedVersion ?? '?');
    expect([...all]).toEqual(['2']);
    expect((await lambda.send(new GetAliasCommand({ FunctionName: 'weighted', Name: 'live' }))).FunctionVersion).toBe('2');
    expect((await lambda.send(new ListAliasesCommand({ FunctionName: 'weighted', FunctionVersion: '1' }))).Aliases).toEqual([]);
  }, 120_000);
});

const detected = detectAwsCli();
if (detected.unavailable !== undefined) console.warn(`[versions-aliases.e2e] AWS CLI part skipped: ${detected.unavailable}`);

describe.skipIf(detected.cli === undefined)(`alias commands of the AWS CLI (${detected.cli?.version ?? 'missing'})`, () => {
  let home: AwsCliHome;
  beforeAll(() => {
    home = makeAwsCliHome();
  });
  afterAll(() => home?.remove());

  const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
    const result = await runAwsCli(['lambda', ...args, '--endpoint-url', endpoint, '--region', 'us-east-1'], home);
    if (result.code !== 0) throw new Error(`aws lambda ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout.trim() === '' ? {} : (JSON.parse(result.stdout) as Record<string, unknown>);
  };

  it('creates, reads, updates, lists and deletes an alias; a stale revision is PreconditionFailed', async () => {
    // The SDK test above published versions 1 and 2 (vitest runs a file's tests in order).
    const created = await aws('create-alias', '--function-name', 'weighted', '--name', 'cli', '--function-version', '1', '--routing-config', 'AdditionalVersionWeights={2=0.1}', '--description', 'from the CLI');
    expect(created).toMatchObject({ AliasArn: 'arn:aws:lambda:us-east-1:000000000000:function:weighted:cli', Name: 'cli', FunctionVersion: '1', Description: 'from the CLI', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } });
    expect(await aws('get-alias', '--function-name', 'weighted', '--name', 'cli')).toEqual(created);
    const updated = await aws('update-alias', '--function-name', 'weighted', '--name', 'cli', '--function-version', '2', '--routing-config', 'AdditionalVersionWeights={}', '--revision-id', String(created['RevisionId']));
    expect(updated).toMatchObject({ FunctionVersion: '2' });
    expect(updated['RoutingConfig']).toBeUndefined();
    const stale = await runAwsCli(['lambda', 'update-alias', '--function-name', 'weighted', '--name', 'cli', '--description', 'x', '--revision-id', String(created['RevisionId']), '--endpoint-url', endpoint, '--region', 'us-east-1'], home);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('PreconditionFailedException');
    const listed = await aws('list-aliases', '--function-name', 'weighted');
    expect((listed['Aliases'] as { Name: string }[]).map((a) => a.Name)).toEqual(['live', 'cli']);
    await aws('delete-alias', '--function-name', 'weighted', '--name', 'cli');
    const missing = await runAwsCli(['lambda', 'get-alias', '--function-name', 'weighted', '--name', 'cli', '--endpoint-url', endpoint, '--region', 'us-east-1'], home);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  }, 60_000);
});
