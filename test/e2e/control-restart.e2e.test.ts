/**
 * The control plane's state across restarts of the real `lamina serve` (docs/control-plane.md,
 * "Persistence"), through the management API with `@aws-sdk/client-lambda`: a first start takes a
 * function created from a zip, a new version and a weighted alias of a template function, a
 * reservation and tags; the template is edited while it is stopped; the second start finds all of
 * it (versions, aliases with weights, reservations, tags, the API-created function and its code)
 * and applies the template's edits.
 */
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  InvokeCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  TagResourceCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { yazlZip } from '../control/yazl-zip.js';
import { FIXTURES } from '../helpers/function-config.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { serveProject } from '../helpers/serve-process.js';

const project = serveProject('lamina-control-restart-');
const ECHO = join(FIXTURES, 'runtimes', 'echo');
const READY = /Functions, versions, aliases and settings are kept in/;
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const STABLE_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:Stable';

function template(edited: boolean): string {
  const fn = (name: string, extra: string): string => `  ${name}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: function.handler
      CodeUri: ${ECHO}
${extra}`;
  return `Transform: AWS::Serverless-2016-10-31
Resources:
${fn('Stable', '      AutoPublishAlias: live\n      ReservedConcurrentExecutions: 10\n')}${fn('Edited', `      AutoPublishAlias: live\n      MemorySize: ${edited ? 256 : 128}\n`)}${edited ? '' : fn('Dropped', '')}`;
}

async function executed(client: LambdaClient, name: string): Promise<string | undefined> {
  const answer = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"echo":"hi"}') }));
  expect(answer.FunctionError, name).toBeUndefined();
  expect(Buffer.from(answer.Payload ?? []).toString()).toBe('"hi"');
  return answer.ExecutedVersion;
}

function baseOf(output: string): string {
  const found = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
  if (found?.[1] === undefined) throw new Error(`no address in:\n${output}`);
  return found[1];
}

describe('lamina serve across restarts', () => {
  it('finds versions, aliases with weights, reservations, settings and API-created functions again, with the template edits applied', async () => {
    const args = ['--port', '0', '--no-limits', '--quiet'];
    const first = await project.start(template(false), args, READY);
    const firstClient = localLambdaClient(baseOf(first.output()));
    const before = await firstClient.send(new GetAccountSettingsCommand({}));
    expect(before.AccountLimit?.UnreservedConcurrentExecutions).toBe(990);
    expect(before.AccountUsage?.FunctionCount).toBe(3);
    expect(await executed(firstClient, 'Edited:live')).toBe('1');

    // Changes through the management API.
    const zip = await yazlZip([{ name: 'bootstrap', data: readFileSync(join(ECHO, 'bootstrap')), mode: 0o100755 }]);
    await firstClient.send(new CreateFunctionCommand({ FunctionName: 'Created', Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: firstClient, maxWaitTime: 30 }, { FunctionName: 'Created' });
    expect((await firstClient.send(new PublishVersionCommand({ FunctionName: 'Created' }))).Version).toBe('1');
    await firstClient.send(new CreateAliasCommand({ FunctionName: 'Created', Name: 'prod', FunctionVersion: '1' }));
    await firstClient.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'Stable', Timeout: 5 }));
    await waitUntilFunctionUpdatedV2({ client: firstClient, maxWaitTime: 30 }, { FunctionName: 'Stable' });
    expect((await firstClient.send(new PublishVersionCommand({ FunctionName: 'Stable' }))).Version).toBe('2');
    await firstClient.send(new CreateAliasCommand({ FunctionName: 'Stable', Name: 'canary', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } }));
    await firstClient.send(new PutFunctionConcurrencyCommand({ FunctionName: 'Stable', ReservedConcurrentExecutions: 25 }));
    await firstClient.send(new TagResourceCommand({ Resource: STABLE_ARN, Tags: { team: 'blue' } }));
    expect(await first.stop()).toBe(0);

    const second = await project.start(template(true), args, READY);
    const output = second.output();
    expect(output).toContain('lamina: control state: Edited: $LATEST updated from the template (versions and aliases kept)');
    expect(output).toContain('lamina: control state: Dropped: removed (no longer in the template)');
    expect(output).toContain('(1 function(s) created through the API: Created)');
    const client = localLambdaClient(baseOf(output));
    const after = await client.send(new GetAccountSettingsCommand({}));
    expect(after.AccountLimit?.UnreservedConcurrentExecutions).toBe(975);
    expect(after.AccountUsage?.FunctionCount).toBe(3);
    expect(await executed(client, 'Stable:2')).toBe('2');
    expect(await executed(client, 'Stable:live')).toBe('1');
    // The template's edit published Edited's new $LATEST as version 2 and moved its alias; version 1 stays.
    expect(await executed(client, 'Edited:live')).toBe('2');
    expect(await executed(client, 'Edited:1')).toBe('1');
    expect(await executed(client, 'Created')).toBe('$LATEST');
    expect(await executed(client, 'Created:prod')).toBe('1');
    expect((await client.send(new GetFunctionCommand({ FunctionName: 'Created' }))).Configuration).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
    const versions = await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'Stable' }));
    expect(versions.Versions?.map((version) => [version.Version, version.Timeout])).toEqual([['$LATEST', 5], ['1', 3], ['2', 5]]);
    expect((await client.send(new GetAliasCommand({ FunctionName: 'Stable', Name: 'canary' }))).RoutingConfig).toEqual({ AdditionalVersionWeights: { '2': 0.3 } });
    expect((await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'Stable' }))).ReservedConcurrentExecutions).toBe(25);
    expect((await client.send(new ListTagsCommand({ Resource: STABLE_ARN }))).Tags).toEqual({ team: 'blue' });
    await expect(client.send(new InvokeCommand({ FunctionName: 'Dropped' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    // The weighted alias routes as saved: 300 invokes at 30% land within 8.5 points (about 3 standard deviations).
    const executedVersions: Array<string | undefined> = [];
    for (let i = 0; i < 300; i += 1) executedVersions.push(await executed(client, 'Stable:canary'));
    expect(new Set(executedVersions)).toEqual(new Set(['1', '2']));
    const share = executedVersions.filter((version) => version === '2').length / executedVersions.length;
    expect(Math.abs(share - 0.3)).toBeLessThan(0.085);
    expect(await second.stop()).toBe(0);
  }, 120_000);
});
