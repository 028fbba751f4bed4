/**
 * The function operations of the management API against the real `lamina serve`: deploy zips with
 * @aws-sdk/client-lambda and the AWS CLI, wait for the states, invoke the deployed code, update,
 * list, delete, and hostile input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  paginateListFunctions,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAwsCli, makeAwsCliHome, payloadArgs, runAwsCli } from '../helpers/aws-cli.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { serveProject } from '../helpers/serve-process.js';
import { startSeeded, TEST_ROLE } from '../helpers/seeded-serve.js';
import { shellBootstrap } from '../helpers/shell-bootstrap.js';
import { rawZip } from '../control/raw-zip.js';
import { yazlZip } from '../control/yazl-zip.js';

const ROLE = TEST_ROLE;

const project = serveProject('lamina-mgmt-fn-');
let endpoint: string;
let client: LambdaClient;

const shellZip = (answer: string): Promise<Buffer> => yazlZip([{ name: 'bootstrap', data: shellBootstrap(answer), mode: 0o100755 }]);
const nodeZip = (text: string): Promise<Buffer> => yazlZip([{ name: 'index.mjs', data: `export const handler = async (event) => ({ says: ${JSON.stringify(text)}, got: event });\n` }]);

async function invoke(name: string, payload = '{}'): Promise<string> {
  const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(payload) }));
  expect(out.FunctionError).toBeUndefined();
  return Buffer.from(out.Payload ?? new Uint8Array()).toString();
}

function shellInput(name: string, zip: Buffer): CreateFunctionCommandInput {
  return { FunctionName: name, Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: zip } };
}

async function createActive(input: CreateFunctionCommandInput): Promise<void> {
  const created = await client.send(new CreateFunctionCommand(input));
  expect(created.State).toBe('Pending');
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { FunctionName: input.FunctionName });
}

beforeAll(async () => {
  endpoint = await startSeeded(project, 'echo seed');
  client = localLambdaClient(endpoint);
}, 120_000);

afterAll(() => client?.destroy());

describe('deploy with @aws-sdk/client-lambda', () => {
  it('creates a provided.al2023 function from a zip, waits Active and invokes it', async () => {
    await createActive(shellInput('shell-fn', await shellZip('echo "{\\"v\\":1}"')));
    expect(JSON.parse(await invoke('shell-fn'))).toEqual({ v: 1 });
  });

  it('creates a nodejs20.x function from a zip and invokes it', async () => {
    await createActive({ FunctionName: 'node-fn', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await nodeZip('hello') }, Environment: { Variables: { STAGE: 'e2e' } } });
    expect(JSON.parse(await invoke('node-fn', '{"n":2}'))).toEqual({ says: 'hello', got: { n: 2 } });
  });

  it('UpdateFunctionCode answers InProgress, the waiter sees Successful, and the digest is the new zip', async () => {
    const zip = await shellZip('echo "{\\"v\\":2}"');
    const updated = await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'shell-fn', ZipFile: zip }));
    expect(updated.LastUpdateStatus).toBe('InProgress');
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { FunctionName: 'shell-fn' });
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'shell-fn' }));
    expect(got.Configuration?.LastUpdateStatus).toBe('Successful');
    expect(got.Configuration?.CodeSha256).toBe(updated.CodeSha256);
  });

  // The platform retires $LATEST's warm environments on the registry's `latest-updated` (merged
  // from i16-platform); without that, the old code's warm environment would answer here.
  it('the next invoke after UpdateFunctionCode runs the new code', async () => {
    expect(JSON.parse(await invoke('shell-fn'))).toEqual({ v: 2 });
  });

  it('ListFunctions pages through every function, GetFunction answers code and configuration', async () => {
    const names: string[] = [];
    for await (const page of paginateListFunctions({ client, pageSize: 1 }, {})) {
      expect(page.Functions?.length).toBeLessThanOrEqual(1);
      names.push(...(page.Functions ?? []).map((f) => f.FunctionName ?? ''));
    }
    expect(names.sort()).toEqual(['Seed', 'node-fn', 'shell-fn']);
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'node-fn' }));
    expect(got.Configuration).toMatchObject({ Runtime: 'nodejs20.x', Handler: 'index.handler', State: 'Active', PackageType: 'Zip', Environment: { Variables: { STAGE: 'e2e' } } });
    expect(got.Code?.RepositoryType).toBe('S3');
  });

  it('DeleteFunction, then an invoke is ResourceNotFoundException', async () => {
    await client.send(new DeleteFunctionCommand({ FunctionName: 'node-fn' }));
    await expect(client.send(new InvokeCommand({ FunctionName: 'node-fn' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('bad input', () => {
  const refusedAs = async (input: CreateFunctionCommandInput): Promise<string> => client.send(new CreateFunctionCommand(input)).then(() => 'accepted', (e: Error) => `${e.name}: ${e.message}`);

  it('refuses a corrupt zip, a zip-slip, a bad name and a duplicate, and creates nothing', async () => {
    const good = await shellZip('echo ok');
    expect(await refusedAs(shellInput('corrupt', good.subarray(0, good.length - 30)))).toMatch(/^InvalidParameterValueException: Could not unzip/);
    expect(await refusedAs(shellInput('slip', rawZip([{ name: '../../outside', data: Buffer.from('x') }])))).toMatch(/^InvalidParameterValueException/);
    expect(await refusedAs(shellInput('bad/name', good))).toMatch(/^ValidationException: 1 validation error detected/);
    expect(await refusedAs(shellInput('shell-fn', good))).toBe('ResourceConflictException: Function already exist: shell-fn');
    for (const name of ['corrupt', 'slip']) await expect(client.send(new GetFunctionCommand({ FunctionName: name }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

const cli = detectAwsCli();

describe.skipIf(cli.cli === undefined)('deploy with the AWS CLI', () => {
  it('create-function --zip-file fileb://, wait function-active-v2, invoke', async () => {
    const home = makeAwsCliHome();
    try {
      writeFileSync(join(home.dir, 'fn.zip'), await shellZip('echo "{\\"cli\\":true}"'));
      const common = ['--endpoint-url', endpoint, '--region', 'us-east-1'];
      const created = await runAwsCli(['lambda', 'create-function', ...common, '--function-name', 'cli-fn', '--runtime', 'provided.al2023', '--handler', 'x', '--role', ROLE, '--zip-file', 'fileb://fn.zip'], home, 60_000);
      expect(created.code, created.stderr).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ FunctionName: 'cli-fn', State: 'Pending' });
      const waited = await runAwsCli(['lambda', 'wait', 'function-active-v2', ...common, '--function-name', 'cli-fn'], home, 60_000);
      expect(waited.code, waited.stderr).toBe(0);
      const invoked = await runAwsCli(['lambda', 'invoke', ...common, '--function-name', 'cli-fn', ...payloadArgs(cli.cli!, '{}'), 'out.json'], home, 60_000);
      expect(invoked.code, invoked.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(home.dir, 'out.json'), 'utf8'))).toEqual({ cli: true });
    } finally {
      home.remove();
    }
  }, 120_000);
});
