/**
 * The settings areas of the management API through the AWS SDK for JavaScript v3 against a real
 * `lamina serve`: every answer must deserialise into the SDK's shapes. Reserved concurrency that
 * throttles the next invoke, an event invoke config that stops retries of a queued event,
 * provisioned concurrency configs, tags, a resource policy, and a function URL that is served.
 */
import { join } from 'node:path';
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionEventInvokeConfigCommand,
  GetPolicyCommand,
  InvokeCommand,
  ListFunctionEventInvokeConfigsCommand,
  ListFunctionUrlConfigsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListTagsCommand,
  ProvisionedConcurrencyConfigNotFoundException,
  GetProvisionedConcurrencyConfigCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  ResourceConflictException,
  InvalidParameterValueException,
  TagResourceCommand,
  TooManyRequestsException,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/function-config.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { serveProject, type ServeProcess } from '../helpers/serve-process.js';

const project = serveProject('lamina-mgmt-settings-');
const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Target:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: target
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${join(FIXTURES, 'runtimes', 'recorder')}
`;
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:target';

let serve: ServeProcess;
let endpoint = '';

beforeAll(async () => {
  serve = await project.start(TEMPLATE, ['--port', '0', '--no-limits', '--url-port', '0', '--async-time-scale', '0.001'], /Event invokes are queued durably/);
  endpoint = /on (http:\/\/[^\s]+)\n/.exec(serve.output())?.[1] ?? '';
}, 60_000);

describe('settings through the SDK', () => {
  it('a reservation of 0 throttles the next invoke; deleting it lets invokes through again', async () => {
    const lambda = localLambdaClient(endpoint);
    expect(await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'target', ReservedConcurrentExecutions: 0 }))).toMatchObject({ ReservedConcurrentExecutions: 0 });
    expect((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'target' }))).ReservedConcurrentExecutions).toBe(0);
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'target', Payload: new TextEncoder().encode('{}') }))).rejects.toBeInstanceOf(TooManyRequestsException);
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'target' }));
    expect((await lambda.send(new InvokeCommand({ FunctionName: 'target', Payload: new TextEncoder().encode('{"ok":1}') }))).StatusCode).toBe(200);
  }, 30_000);

  it('an event invoke config with MaximumRetryAttempts 0 is obeyed by a queued event', async () => {
    const lambda = localLambdaClient(endpoint);
    const put = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'target', MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 600 }));
    expect(put).toMatchObject({ FunctionArn: `${ARN}:$LATEST`, MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 600 });
    expect(put.LastModified).toBeInstanceOf(Date);
    expect((await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'target' }))).MaximumRetryAttempts).toBe(0);
    expect((await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'target' }))).FunctionEventInvokeConfigs).toHaveLength(1);
    const queued = await lambda.send(new InvokeCommand({ FunctionName: 'target', InvocationType: 'Event', Payload: new TextEncoder().encode('{"fail":"no retry"}') }));
    expect(queued.StatusCode).toBe(202);
    await expect.poll(() => serve.output(), { timeout: 20_000 }).toMatch(/dropped \(RetriesExhausted after 1 attempt\(s\)/);
    expect(serve.output().match(/RECEIVED \S+ \S+ \{"fail":"no retry"\}/g)).toHaveLength(1);
  }, 40_000);

  it('provisioned concurrency configs: refused on $LATEST, IN_PROGRESS then READY on a version as the platform initialises it, no Init Duration on its invoke', async () => {
    const lambda = localLambdaClient(endpoint);
    const version = await lambda.send(new PublishVersionCommand({ FunctionName: 'target' }));
    await expect(lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'target', Qualifier: '$LATEST', ProvisionedConcurrentExecutions: 1 }))).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'target', Qualifier: version.Version }))).rejects.toBeInstanceOf(ProvisionedConcurrencyConfigNotFoundException);
    const put = await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'target', Qualifier: version.Version, ProvisionedConcurrentExecutions: 2 }));
    expect(put).toMatchObject({ RequestedProvisionedConcurrentExecutions: 2 });
    expect(put.Status).toBe('IN_PROGRESS');
    // The platform initialises two environments of the version; the config turns READY when they are.
    await expect
      .poll(async () => (await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'target', Qualifier: version.Version }))).Status, { timeout: 20_000 })
      .toBe('READY');
    const listed = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'target' }));
    expect(listed.ProvisionedConcurrencyConfigs?.[0]).toMatchObject({ FunctionArn: `${ARN}:${version.Version ?? ''}`, RequestedProvisionedConcurrentExecutions: 2, AvailableProvisionedConcurrentExecutions: 2, Status: 'READY' });
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'target', Qualifier: version.Version, Payload: new TextEncoder().encode('{"warm":true}'), LogType: 'Tail' }));
    expect(invoked.ExecutedVersion).toBe(version.Version);
    // A provisioned environment was initialised beforehand: its REPORT has no Init Duration.
    expect(Buffer.from(invoked.LogResult ?? '', 'base64').toString()).not.toContain('Init Duration');
    await lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'target', Qualifier: version.Version }));
    expect((await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'target' }))).ProvisionedConcurrencyConfigs).toEqual([]);
  }, 30_000);

  it('tags, a resource policy and a served function URL', async () => {
    const lambda = localLambdaClient(endpoint);
    await lambda.send(new TagResourceCommand({ Resource: ARN, Tags: { team: 'lamina', stage: 'dev' } }));
    await lambda.send(new UntagResourceCommand({ Resource: ARN, TagKeys: ['stage'] }));
    expect((await lambda.send(new ListTagsCommand({ Resource: ARN }))).Tags).toEqual({ team: 'lamina' });

    const added = await lambda.send(new AddPermissionCommand({ FunctionName: 'target', StatementId: 'events', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: 'arn:aws:events:us-east-1:000000000000:rule/r' }));
    expect(JSON.parse(added.Statement ?? '{}')).toMatchObject({ Sid: 'events', Principal: { Service: 'events.amazonaws.com' }, Resource: ARN });
    await expect(lambda.send(new AddPermissionCommand({ FunctionName: 'target', StatementId: 'events', Action: 'lambda:InvokeFunction', Principal: '*' }))).rejects.toBeInstanceOf(ResourceConflictException);
    const policy = await lambda.send(new GetPolicyCommand({ FunctionName: 'target' }));
    expect(JSON.parse(policy.Policy ?? '{}')).toMatchObject({ Version: '2012-10-17', Statement: [{ Sid: 'events' }] });

    const url = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'target', AuthType: 'NONE' }));
    expect(url).toMatchObject({ FunctionArn: ARN, AuthType: 'NONE', InvokeMode: 'BUFFERED' });
    expect(url.FunctionUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const answer = await fetch(`${url.FunctionUrl ?? ''}hello?name=url`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(await answer.text())).toMatchObject({ rawPath: '/hello', rawQueryString: 'name=url' });
    expect((await lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'target' }))).FunctionUrlConfigs).toHaveLength(1);
  }, 30_000);
});
