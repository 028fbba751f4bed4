import * as lambda from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import { MANAGEMENT_ROUTES, type ManagementOperation } from '../../src/management/management-routes.js';
import { matchManagementRoute, toManagementCall } from '../../src/management/match-route.js';

/** The smallest input the SDK accepts for each operation (required members only). */
const INPUTS: Record<ManagementOperation, Record<string, unknown>> = {
  CreateFunction: { FunctionName: 'f', Role: 'arn:aws:iam::123456789012:role/r', Code: {} },
  ListFunctions: {},
  GetFunction: { FunctionName: 'f' },
  GetFunctionConfiguration: { FunctionName: 'f', Qualifier: '1' },
  DeleteFunction: { FunctionName: 'f' },
  UpdateFunctionCode: { FunctionName: 'f' },
  UpdateFunctionConfiguration: { FunctionName: 'f' },
  PublishVersion: { FunctionName: 'f' },
  ListVersionsByFunction: { FunctionName: 'f' },
  CreateAlias: { FunctionName: 'f', Name: 'live', FunctionVersion: '1' },
  ListAliases: { FunctionName: 'f' },
  GetAlias: { FunctionName: 'f', Name: 'live' },
  UpdateAlias: { FunctionName: 'f', Name: 'live' },
  DeleteAlias: { FunctionName: 'f', Name: 'live' },
  PutFunctionConcurrency: { FunctionName: 'f', ReservedConcurrentExecutions: 1 },
  GetFunctionConcurrency: { FunctionName: 'f' },
  DeleteFunctionConcurrency: { FunctionName: 'f' },
  PutProvisionedConcurrencyConfig: { FunctionName: 'f', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 },
  GetProvisionedConcurrencyConfig: { FunctionName: 'f', Qualifier: 'live' },
  DeleteProvisionedConcurrencyConfig: { FunctionName: 'f', Qualifier: 'live' },
  ListProvisionedConcurrencyConfigs: { FunctionName: 'f' },
  PutFunctionEventInvokeConfig: { FunctionName: 'f' },
  GetFunctionEventInvokeConfig: { FunctionName: 'f' },
  UpdateFunctionEventInvokeConfig: { FunctionName: 'f' },
  DeleteFunctionEventInvokeConfig: { FunctionName: 'f' },
  ListFunctionEventInvokeConfigs: { FunctionName: 'f' },
  PublishLayerVersion: { LayerName: 'l', Content: {} },
  GetLayerVersion: { LayerName: 'l', VersionNumber: 1 },
  GetLayerVersionByArn: { Arn: 'arn:aws:lambda:us-east-1:123456789012:layer:l:1' },
  ListLayers: {},
  ListLayerVersions: { LayerName: 'l' },
  DeleteLayerVersion: { LayerName: 'l', VersionNumber: 1 },
  AddPermission: { FunctionName: 'f', StatementId: 's', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' },
  RemovePermission: { FunctionName: 'f', StatementId: 's' },
  GetPolicy: { FunctionName: 'f' },
  GetAccountSettings: {},
  TagResource: { Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f', Tags: { a: 'b' } },
  UntagResource: { Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f', TagKeys: ['a', 'b'] },
  ListTags: { Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f' },
  CreateFunctionUrlConfig: { FunctionName: 'f', AuthType: 'NONE' },
  GetFunctionUrlConfig: { FunctionName: 'f' },
  UpdateFunctionUrlConfig: { FunctionName: 'f' },
  DeleteFunctionUrlConfig: { FunctionName: 'f' },
  ListFunctionUrlConfigs: { FunctionName: 'f' },
};

interface Captured {
  readonly method: string;
  readonly url: string;
}

/** Let the real SDK serialise the operation and keep the request line instead of sending it. */
async function requestLineOf(operation: ManagementOperation): Promise<Captured> {
  let captured: Captured | undefined;
  const client = new lambda.LambdaClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
    requestHandler: {
      handle: (request: { method: string; path: string; query?: Record<string, string | string[] | null> }) => {
        const query = new URLSearchParams();
        for (const [key, value] of Object.entries(request.query ?? {})) {
          for (const one of Array.isArray(value) ? value : [value ?? '']) query.append(key, one);
        }
        const text = query.toString();
        captured = { method: request.method, url: `${request.path}${text === '' ? '' : `?${text}`}` };
        return Promise.reject(new Error('captured'));
      },
    },
  });
  const Command = (lambda as unknown as Record<string, new (input: unknown) => Parameters<typeof client.send>[0]>)[`${operation}Command`];
  if (Command === undefined) throw new Error(`no ${operation}Command in @aws-sdk/client-lambda`);
  await client.send(new Command(INPUTS[operation])).catch(() => undefined);
  if (captured === undefined) throw new Error(`${operation} was not sent`);
  return captured;
}

describe('management routes', () => {
  it.each(MANAGEMENT_ROUTES.map((route) => route.operation))('%s: the request the AWS SDK sends matches its own route', async (operation) => {
    const line = await requestLineOf(operation);
    const match = matchManagementRoute(line.method, line.url);
    expect(match?.route.operation).toBe(operation);
  });

  it('decodes labels and keeps every value of a repeated query parameter', async () => {
    const line = await requestLineOf('UntagResource');
    const match = matchManagementRoute(line.method, line.url);
    expect(match?.labels['Resource']).toBe('arn:aws:lambda:us-east-1:123456789012:function:f');
    expect(match?.queryAll['tagKeys']).toEqual(['a', 'b']);
  });

  it('answers undefined for paths it does not know and 405 for a known path with another method', () => {
    expect(matchManagementRoute('GET', '/2015-03-31/nothing')).toBeUndefined();
    expect(() => matchManagementRoute('PATCH', '/2015-03-31/functions/f')).toThrow(ServiceError);
  });

  it('refuses a body that is not a JSON object', () => {
    const match = matchManagementRoute('POST', '/2015-03-31/functions');
    if (match === undefined) throw new Error('no match');
    expect(toManagementCall(match, Buffer.alloc(0)).body).toEqual({});
    for (const bad of ['[1]', '"x"', 'null', '{']) {
      expect(() => toManagementCall(match, Buffer.from(bad))).toThrow(/Could not parse request body/);
    }
  });
});
