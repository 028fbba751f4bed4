import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../src/errors.js';
import { ControlPlane } from '../../../src/control/api/control-plane.js';
import { statesOf } from '../../../src/control/api/function-states.js';
import { lambdaTime } from '../../../src/control/api/function-output.js';
import { MemorySettingsStore } from '../../../src/control/settings-store.js';
import { FunctionRegistry } from '../../../src/registry/function-registry.js';
import { S3Store } from '../../../src/services/s3/s3-store.js';
import { s3CodeObjects } from '../../../src/async/serve-s3.js';
import type { ManagementCall } from '../../../src/management/management-port.js';
import type { ManagementOperation } from '../../../src/management/management-routes.js';
import { rawZip } from '../raw-zip.js';
import { yazlZip } from '../yazl-zip.js';

const ROLE = 'arn:aws:iam::123456789012:role/lambda-role';
let stateDir: string;
let registry: FunctionRegistry;
let control: ControlPlane;
let s3: S3Store | undefined;

function call(operation: ManagementOperation, parts: { labels?: Record<string, string>; query?: Record<string, string>; body?: Record<string, unknown> } = {}): Promise<{ status: number; body?: unknown }> {
  const request: ManagementCall = { operation, labels: parts.labels ?? {}, query: parts.query ?? {}, queryAll: {}, body: parts.body ?? {}, successStatus: operation === 'CreateFunction' ? 201 : operation === 'DeleteFunction' ? 204 : 200 };
  return control.handle(request);
}

async function refusal(pending: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = await pending.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ServiceError);
  return { name: (error as ServiceError).name, message: (error as ServiceError).message };
}

const bootstrapZip = (text: string): Promise<Buffer> => yazlZip([{ name: 'bootstrap', data: `#!/bin/sh\necho ${text}\n`, mode: 0o100755 }]);

function createBody(name: string, zip: Buffer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { FunctionName: name, Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: zip.toString('base64') }, ...extra };
}

async function codeDirs(): Promise<string[]> {
  return (await readdir(join(stateDir, 'code')).catch(() => [] as string[])).sort();
}

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lamina-fnops-'));
  registry = new FunctionRegistry({ region: 'us-east-1', accountId: '123456789012' });
  s3 = undefined;
  control = new ControlPlane({ registry, region: 'us-east-1', accountId: '123456789012', stateDir, now: () => new Date(), settings: new MemorySettingsStore(), codeObjects: () => (s3 === undefined ? undefined : s3CodeObjects(s3)) });
});

afterEach(async () => {
  await statesOf(registry).settled();
  await rm(stateDir, { recursive: true, force: true });
});

describe('CreateFunction', () => {
  it('answers the FunctionConfiguration shape with State Pending, then the function becomes Active', async () => {
    const zip = await bootstrapZip('one');
    const created = await call('CreateFunction', { body: createBody('shell', zip, { Description: 'd', MemorySize: 256, Timeout: 10, Environment: { Variables: { STAGE: 'test' } }, Tags: { team: 'a' } }) });
    expect(created.status).toBe(201);
    const body = created.body as Record<string, unknown>;
    expect(body).toMatchObject({
      FunctionName: 'shell',
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:shell',
      Runtime: 'provided.al2023',
      Role: ROLE,
      Handler: 'x',
      CodeSize: zip.length,
      Description: 'd',
      Timeout: 10,
      MemorySize: 256,
      Version: '$LATEST',
      Environment: { Variables: { STAGE: 'test' } },
      TracingConfig: { Mode: 'PassThrough' },
      State: 'Pending',
      LastUpdateStatus: 'InProgress',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      EphemeralStorage: { Size: 512 },
      LoggingConfig: { LogFormat: 'Text', LogGroup: '/aws/lambda/shell' },
    });
    expect(body.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(typeof body.RevisionId).toBe('string');
    await statesOf(registry).settled();
    const got = (await call('GetFunction', { labels: { FunctionName: 'shell' } })).body as Record<string, Record<string, unknown>>;
    expect(got.Configuration).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful', CodeSha256: body.CodeSha256 });
    expect(got.Tags).toEqual({ team: 'a' });
    expect(got.Code?.RepositoryType).toBe('S3');
    const codeDir = registry.version('shell', '$LATEST')?.config.codeDir ?? '';
    expect((await stat(join(codeDir, 'bootstrap'))).mode & 0o111).not.toBe(0);
  });

  it('Publish: true answers version 1', async () => {
    const created = (await call('CreateFunction', { body: createBody('pub', await bootstrapZip('p'), { Publish: true }) })).body as Record<string, unknown>;
    expect(created.Version).toBe('1');
    expect(created.FunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:pub:1');
  });

  it('refuses a duplicate with "Function already exist" and keeps the first code', async () => {
    await call('CreateFunction', { body: createBody('dup', await bootstrapZip('a')) });
    const before = await codeDirs();
    expect(await refusal(call('CreateFunction', { body: createBody('dup', await bootstrapZip('b')) }))).toEqual({ name: 'ResourceConflictException', message: 'Function already exist: dup' });
    expect(await codeDirs()).toEqual(before);
  });

  it('a corrupt zip and a zip-slip change nothing', async () => {
    const corrupt = (await bootstrapZip('x')).subarray(0, 40);
    expect((await refusal(call('CreateFunction', { body: createBody('bad', corrupt) }))).name).toBe('InvalidParameterValueException');
    const slip = rawZip([{ name: '../escape', data: Buffer.from('x') }]);
    expect((await refusal(call('CreateFunction', { body: createBody('bad', slip) }))).name).toBe('InvalidParameterValueException');
    expect(registry.entry('bad')).toBeUndefined();
    expect(await codeDirs()).toEqual([]);
    await expect(stat(join(stateDir, 'escape'))).rejects.toThrow();
  });

  it('validates names, role, memory, timeout, runtime and environment as Lambda does', async () => {
    const zip = await bootstrapZip('v');
    expect(await refusal(call('CreateFunction', { body: createBody('bad name!', zip) }))).toMatchObject({ name: 'ValidationException', message: expect.stringContaining("1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint") });
    expect(await refusal(call('CreateFunction', { body: createBody('a'.repeat(65), zip) }))).toMatchObject({ name: 'ValidationException' });
    expect(await refusal(call('CreateFunction', { body: createBody('f', zip, { Role: 'not-an-arn' }) }))).toMatchObject({ name: 'ValidationException', message: expect.stringContaining("at 'role'") });
    expect(await refusal(call('CreateFunction', { body: createBody('f', zip, { MemorySize: 127 }) }))).toMatchObject({ message: "1 validation error detected: Value '127' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128" });
    expect(await refusal(call('CreateFunction', { body: createBody('f', zip, { Timeout: 901 }) }))).toMatchObject({ message: "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900" });
    expect(await refusal(call('CreateFunction', { body: createBody('f', zip, { Runtime: 'cobol1' }) }))).toMatchObject({ name: 'ValidationException', message: expect.stringContaining("at 'runtime'") });
    expect(await refusal(call('CreateFunction', { body: createBody('f', zip, { Runtime: 'nodejs12.x' }) }))).toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('no longer supported') });
    expect(await refusal(call('CreateFunction', { body: createBody('f', zip, { Environment: { Variables: { AWS_REGION: 'x' } } }) }))).toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('Reserved keys used in this request: AWS_REGION') });
    expect(await refusal(call('CreateFunction', { body: createBody('f', zip, { Environment: { Variables: { BIG: 'x'.repeat(4100) } } }) }))).toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('exceeded the 4KB limit') });
    expect(await refusal(call('CreateFunction', { body: createBody('f', zip, { Layers: ['arn:aws:lambda:us-east-1:123456789012:layer:l:1'] }) }))).toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('Layers are not available') });
    expect(await refusal(call('CreateFunction', { body: createBody('f', zip, { Architectures: ['x86_64', 'arm64'] }) }))).toMatchObject({ name: 'ValidationException' });
    expect(registry.names).toEqual([]);
    expect(await codeDirs()).toEqual([]);
  });

  it('refuses a zip over 50 MB with RequestEntityTooLargeException before extracting it', async () => {
    const big = Buffer.alloc(52_428_801);
    expect(await refusal(call('CreateFunction', { body: createBody('big', big) }))).toMatchObject({ name: 'RequestEntityTooLargeException', message: expect.stringContaining('Request must be smaller than') });
    expect(await codeDirs()).toEqual([]);
  });

  it('refuses a package that would pass the account code storage with CodeStorageExceededException', async () => {
    const zip = await bootstrapZip('s');
    control = new ControlPlane({ ...control.context, codeStorageLimit: zip.length + 10 });
    await call('CreateFunction', { body: createBody('first', zip) });
    expect(await refusal(call('CreateFunction', { body: createBody('second', zip) }))).toEqual({ name: 'CodeStorageExceededException', message: 'Code storage limit exceeded.' });
  });

  it('reads S3Bucket/S3Key from the embedded S3, and answers Lambda\'s errors when bucket or key is missing', async () => {
    const zip = await bootstrapZip('s3');
    expect((await refusal(call('CreateFunction', { body: { ...createBody('s3fn', zip), Code: { S3Bucket: 'deploy', S3Key: 'fn.zip' } } }))).message).toContain('NoSuchBucket');
    s3 = new S3Store(join(stateDir, 's3'));
    s3.createBucket('deploy');
    expect((await refusal(call('CreateFunction', { body: { ...createBody('s3fn', zip), Code: { S3Bucket: 'deploy', S3Key: 'fn.zip' } } }))).message).toContain('NoSuchKey');
    await s3.putObject('deploy', 'fn.zip', Readable.from([zip]), zip.length + 1, (bytes) => ({ size: bytes, etag: '"x"', lastModified: Date.now(), contentType: 'application/zip', metadata: {} }) as never);
    const created = (await call('CreateFunction', { body: { ...createBody('s3fn', zip), Code: { S3Bucket: 'deploy', S3Key: 'fn.zip' } } })).body as Record<string, unknown>;
    expect(created.CodeSize).toBe(zip.length);
  });
});

describe('updates', () => {
  it('UpdateFunctionCode answers InProgress, refuses a second update meanwhile, and removes the replaced code', async () => {
    await call('CreateFunction', { body: createBody('up', await bootstrapZip('one')) });
    await statesOf(registry).settled();
    const [oldDir] = await codeDirs();
    const labels = { FunctionName: 'up' };
    const first = call('UpdateFunctionCode', { labels, body: { ZipFile: (await bootstrapZip('two')).toString('base64') } });
    const second = refusal(call('UpdateFunctionConfiguration', { labels, body: { Timeout: 5 } }));
    expect(((await first).body as Record<string, unknown>).LastUpdateStatus).toBe('InProgress');
    expect(await second).toEqual({ name: 'ResourceConflictException', message: 'The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:up' });
    await statesOf(registry).settled();
    const dirs = await codeDirs();
    expect(dirs).toHaveLength(1);
    expect(dirs).not.toContain(oldDir);
    const after = (await call('UpdateFunctionConfiguration', { labels, body: { Timeout: 5, Environment: { Variables: { AB: 'b' } } } })).body as Record<string, unknown>;
    expect(after).toMatchObject({ Timeout: 5, Environment: { Variables: { AB: 'b' } }, LastUpdateStatus: 'InProgress' });
  });

  it('a stale RevisionId is PreconditionFailed and a refused update leaves the function as it was', async () => {
    const created = (await call('CreateFunction', { body: createBody('rev', await bootstrapZip('one')) })).body as Record<string, unknown>;
    await statesOf(registry).settled();
    const labels = { FunctionName: 'rev' };
    await call('UpdateFunctionConfiguration', { labels, body: { MemorySize: 512 } });
    await statesOf(registry).settled();
    expect((await refusal(call('UpdateFunctionCode', { labels, body: { ZipFile: (await bootstrapZip('two')).toString('base64'), RevisionId: created.RevisionId } }))).name).toBe('PreconditionFailedException');
    expect((await refusal(call('UpdateFunctionCode', { labels, body: { ZipFile: 'UEsDBA==' } }))).name).toBe('InvalidParameterValueException');
    const now = (await call('GetFunctionConfiguration', { labels })).body as Record<string, unknown>;
    expect(now).toMatchObject({ MemorySize: 512, LastUpdateStatus: 'Successful', CodeSha256: created.CodeSha256 });
    expect(await codeDirs()).toHaveLength(1);
  });
});

describe('ListFunctions, GetFunctionConfiguration, DeleteFunction', () => {
  it('pages with Marker/MaxItems, lists versions with FunctionVersion=ALL, deletes versions and functions with their code and tags', async () => {
    for (const name of ['c', 'a', 'b']) await call('CreateFunction', { body: createBody(name, await bootstrapZip(name), { Publish: name === 'a', Tags: { n: name } }) });
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = (await call('ListFunctions', { query: { MaxItems: '2', ...(marker === undefined ? {} : { Marker: marker }) } })).body as { Functions: { FunctionName: string }[]; NextMarker?: string };
      expect(page.Functions.length).toBeLessThanOrEqual(2);
      seen.push(...page.Functions.map((f) => f.FunctionName));
      marker = page.NextMarker;
    } while (marker !== undefined);
    expect(seen).toEqual(['a', 'b', 'c']);
    const all = (await call('ListFunctions', { query: { FunctionVersion: 'ALL' } })).body as { Functions: { FunctionName: string; Version: string }[] };
    expect(all.Functions.map((f) => `${f.FunctionName}:${f.Version}`)).toEqual(['a:$LATEST', 'a:1', 'b:$LATEST', 'c:$LATEST']);
    expect((await refusal(call('ListFunctions', { query: { MaxItems: '0' } }))).name).toBe('ValidationException');
    expect(((await call('GetFunctionConfiguration', { labels: { FunctionName: 'a' }, query: { Qualifier: '1' } })).body as Record<string, unknown>).Version).toBe('1');
    expect((await refusal(call('GetFunctionConfiguration', { labels: { FunctionName: 'a' }, query: { Qualifier: '7' } }))).message).toBe('Function not found: arn:aws:lambda:us-east-1:123456789012:function:a:7');
    await statesOf(registry).settled();
    await call('DeleteFunction', { labels: { FunctionName: 'a' }, query: { Qualifier: '1' } });
    expect(registry.version('a', '1')).toBeUndefined();
    await call('DeleteFunction', { labels: { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:b' } });
    expect(registry.entry('b')).toBeUndefined();
    expect(control.context.settings.get('tags', 'arn:aws:lambda:us-east-1:123456789012:function:b')).toBeUndefined();
    expect(await codeDirs()).toHaveLength(2);
    expect((await refusal(call('GetFunction', { labels: { FunctionName: 'b' } }))).name).toBe('ResourceNotFoundException');
  });
});

describe('lambdaTime', () => {
  it('writes +0000 instead of Z', () => {
    expect(lambdaTime('2026-11-30T10:00:00.000Z')).toBe('2026-11-30T10:00:00.000+0000');
  });
});
