/**
 * The control plane's state across restarts of the real `lamina serve` (docs/control-plane.md,
 * "Persistence"): a first start saves the template's functions in `<stateDir>/control.sqlite`;
 * between two starts, changes are made through the registry with the file as its store (the same
 * path the management API's handlers take: a registry operation whose `beforeCommit` writes the
 * file), and the template is edited; the second start finds the versions, aliases with weights,
 * reservations, settings and the API-created function, and applies the template's edits.
 */
import { InvokeCommand, GetAccountSettingsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlStore } from '../../src/control/state/control-store.js';
import { createAlias, putReservedConcurrency } from '../../src/registry/alias-changes.js';
import { FunctionRegistry } from '../../src/registry/function-registry.js';
import { createFunction, publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { serveProject } from '../helpers/serve-process.js';
import { code, value } from '../registry/registry-fixture.js';

const project = serveProject('lamina-control-restart-');
const ECHO = join(FIXTURES, 'runtimes', 'echo');
const READY = /Functions, versions, aliases and settings are kept in/;

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

/** The registry of a stopped server's saved state, writing through its file as the API would. */
function savedRegistry(store: ControlStore): FunctionRegistry {
  const registry = new FunctionRegistry({ beforeCommit: (change, entry, reservation) => Promise.resolve(store.commit(change, entry, reservation)) }, store.reservations());
  for (const saved of store.functions()) registry.load(saved.name, saved.entry);
  return registry;
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
    const stateDir = join(project.dir, 'state');
    const args = ['--port', '0', '--no-limits', '--quiet'];
    const first = await project.start(template(false), args, READY);
    const firstClient = localLambdaClient(baseOf(first.output()));
    const before = await firstClient.send(new GetAccountSettingsCommand({}));
    expect(before.AccountLimit?.UnreservedConcurrentExecutions).toBe(990);
    expect(before.AccountUsage?.FunctionCount).toBe(3);
    expect(await executed(firstClient, 'Edited:live')).toBe('1');
    expect(await first.stop()).toBe(0);

    // Changes made while it is stopped, through the registry writing to the state file.
    const store = ControlStore.open(stateDir);
    const registry = savedRegistry(store);
    expect(registry.names).toEqual(['Stable', 'Edited', 'Dropped']);
    value(await updateLatest(registry, 'Stable', { config: { timeout: 5 } }));
    expect(value(await publishVersion(registry, 'Stable')).version).toBe('2');
    value(await createAlias(registry, 'Stable', 'canary', { functionVersion: '1', routing: { version: '2', weight: 0.3 } }));
    value(await putReservedConcurrency(registry, 'Stable', 25));
    const createdDir = join(stateDir, 'code', 'Created');
    mkdirSync(createdDir, { recursive: true });
    copyFileSync(join(ECHO, 'bootstrap'), join(createdDir, 'bootstrap'));
    value(await createFunction(registry, customRuntimeFunction('Created', createdDir), code('created')));
    await store.settings.put('tags', registry.arnOf('Stable'), { team: 'blue' });
    store.close();

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
    await expect(client.send(new InvokeCommand({ FunctionName: 'Dropped' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    // The weighted alias routes as saved: 300 invokes at 30% land within 8.5 points (about 3 standard deviations).
    const versions: Array<string | undefined> = [];
    for (let i = 0; i < 300; i += 1) versions.push(await executed(client, 'Stable:canary'));
    expect(new Set(versions)).toEqual(new Set(['1', '2']));
    const share = versions.filter((version) => version === '2').length / versions.length;
    expect(Math.abs(share - 0.3)).toBeLessThan(0.085);
    expect(await second.stop()).toBe(0);

    const reopened = ControlStore.open(stateDir);
    expect(reopened.settings.get('tags', 'arn:aws:lambda:us-east-1:000000000000:function:Stable')).toEqual({ team: 'blue' });
    expect(reopened.functions().map((saved) => saved.name)).toEqual(['Stable', 'Edited', 'Created']);
    reopened.close();
  }, 120_000);
});
