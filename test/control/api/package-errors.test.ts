/**
 * The package-size refusals as Lambda answers them on the wire: a direct upload over 50 MB is
 * RequestEntityTooLargeException (413); a zip read from S3 may be larger than 50 MB, and what
 * bounds it is the unzipped size, InvalidParameterValueException "Unzipped size must be smaller
 * than 262144000 bytes" (400). Neither refusal leaves a code directory behind.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wireError } from '../../../src/control/api/code-store.js';
import { ControlPlane } from '../../../src/control/api/control-plane.js';
import { CONTROL_ERRORS, controlError, type ControlErrorCode } from '../../../src/control/control-errors.js';
import { statesOf } from '../../../src/control/api/function-states.js';
import { MemorySettingsStore } from '../../../src/control/settings-store.js';
import { ServiceError } from '../../../src/errors.js';
import { s3CodeObjects } from '../../../src/async/serve-s3.js';
import { FunctionRegistry } from '../../../src/registry/function-registry.js';
import { S3Store } from '../../../src/services/s3/s3-store.js';
import { yazlZip } from '../yazl-zip.js';

const ROLE = 'arn:aws:iam::123456789012:role/lambda-role';
let stateDir: string;
let registry: FunctionRegistry;
let control: ControlPlane;
let s3: S3Store;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lamina-pkgerr-'));
  registry = new FunctionRegistry({ region: 'us-east-1', accountId: '123456789012' });
  s3 = new S3Store(join(stateDir, 's3'));
  s3.createBucket('deploy');
  control = new ControlPlane({ registry, region: 'us-east-1', accountId: '123456789012', stateDir, now: () => new Date(), settings: new MemorySettingsStore(), codeObjects: () => s3CodeObjects(s3) });
});

afterEach(async () => {
  await statesOf(registry).settled();
  await rm(stateDir, { recursive: true, force: true });
});

async function put(key: string, zip: Buffer): Promise<void> {
  await s3.putObject('deploy', key, Readable.from([zip]), zip.length + 1, (bytes) => ({ size: bytes, etag: '"x"', lastModified: Date.now(), contentType: 'application/zip', metadata: {} }) as never);
}

function create(name: string, code: Record<string, unknown>): Promise<{ status: number; body?: unknown }> {
  return control.handle({ operation: 'CreateFunction', labels: {}, query: {}, queryAll: {}, successStatus: 201, body: { FunctionName: name, Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: code } });
}

async function refused(pending: Promise<unknown>): Promise<{ name: string; status: number; message: string }> {
  const error = await pending.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ServiceError);
  const service = error as ServiceError;
  return { name: service.spec.name, status: service.spec.status, message: service.message };
}

const codeDirs = async (): Promise<string[]> => readdir(join(stateDir, 'code')).catch(() => []);

describe('package size refusals', () => {
  it('a direct upload over 50 MB is RequestEntityTooLargeException 413 with the request limit', async () => {
    const big = await yazlZip([{ name: 'bootstrap', data: '#!/bin/sh\n', mode: 0o100755 }, { name: 'blob', data: Buffer.alloc(52_428_800, 7) }], false);
    expect(await refused(create('direct', { ZipFile: big.toString('base64') }))).toEqual({ name: 'RequestEntityTooLargeException', status: 413, message: 'Request must be smaller than 69905067 bytes for the CreateFunction operation' });
    expect(await codeDirs()).toEqual([]);
  });

  it('the same zip from S3 is accepted: the 50 MB limit is the direct upload\'s', async () => {
    const big = await yazlZip([{ name: 'bootstrap', data: '#!/bin/sh\n', mode: 0o100755 }, { name: 'blob', data: Buffer.alloc(52_428_800, 7) }], false);
    expect(big.length).toBeGreaterThan(52_428_800);
    await put('big.zip', big);
    const created = (await create('from-s3', { S3Bucket: 'deploy', S3Key: 'big.zip' })).body as Record<string, unknown>;
    expect(created.CodeSize).toBe(big.length);
    expect(await codeDirs()).toHaveLength(1);
  });

  it('a zip from S3 over 250 MB unzipped is InvalidParameterValueException 400', async () => {
    const bomb = await yazlZip([{ name: 'bootstrap', data: '#!/bin/sh\n', mode: 0o100755 }, { name: 'zeros', data: Buffer.alloc(262_144_001) }]);
    await put('bomb.zip', bomb);
    expect(await refused(create('bomb', { S3Bucket: 'deploy', S3Key: 'bomb.zip' }))).toEqual({ name: 'InvalidParameterValueException', status: 400, message: 'Unzipped size must be smaller than 262144000 bytes' });
    expect(await codeDirs()).toEqual([]);
  });
});

describe('the two catalogues agree', () => {
  it('every package refusal goes on the management wire under the name and status CONTROL_ERRORS gives it', () => {
    for (const code of Object.keys(CONTROL_ERRORS) as ControlErrorCode[]) {
      // Reserved for Invoke: never raised by the management API (a stored package is always readable).
      if (code === 'LAMINA_ERR_LAMBDA_INVALID_ZIP_FILE') continue;
      const wire = wireError(controlError(code, 'm'));
      expect({ code, name: wire.spec.name, status: wire.spec.status }).toEqual({ code, name: CONTROL_ERRORS[code].name, status: CONTROL_ERRORS[code].status });
    }
  });
});
