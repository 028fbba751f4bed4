/**
 * Layers and template zips end to end, with @aws-sdk/client-lambda against `lamina serve`: a
 * function whose `CodeUri` is a zip answers through the Invoke API; a layer published from a zip
 * built here is listed, found by ARN, used by a function created through the API (its bootstrap
 * runs the function), deleted (the function keeps working, the number is not reused), and bad
 * input gets Lambda's errors.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  InvokeCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { codeSha256 } from '../../src/control/package-limits.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { serveProject } from '../helpers/serve-process.js';
import { shellBootstrap } from '../helpers/shell-bootstrap.js';
import { yazlZip } from '../control/yazl-zip.js';

const project = serveProject('lamina-layers-e2e-');
const ROLE = 'arn:aws:iam::123456789012:role/lamina';

async function errorOf(sent: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error: unknown = await sent.then(() => undefined, (err: unknown) => err);
  if (!(error instanceof Error)) throw new Error('expected a refusal');
  return { name: error.name, message: error.message };
}

const invoke = async (client: LambdaClient, name: string, payload: unknown): Promise<unknown> => {
  const answer = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)) }));
  expect(answer.FunctionError).toBeUndefined();
  return JSON.parse(Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8')) as unknown;
};

describe('layers and zip packages through lamina serve', () => {
  it('serves a zip CodeUri function, and publishes, lists, uses and deletes layers', async () => {
    writeFileSync(join(project.dir, 'fn.zip'), await yazlZip([{ name: 'index.js', data: 'exports.handler = async (e) => ({ sum: e.a + e.b });\n' }]));
    const serve = await project.start(
      `Resources:
  ZipFn:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: fn.zip }
  Artifacts:
    Type: AWS::S3::Bucket
    Properties: { BucketName: artifacts }
`,
      ['--port', '0', '--s3-port', '0', '--no-limits', '--host-node'],
      /Event invokes are queued durably/,
    );
    const endpoint = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.output())?.[1] ?? '';
    const client = localLambdaClient(endpoint);
    expect(await invoke(client, 'ZipFn', { a: 2, b: 3 })).toEqual({ sum: 5 });

    const layerZip = await yazlZip([{ name: 'bootstrap', data: shellBootstrap(`printf '{"from":"layer"}'`), mode: 0o100755 }]);
    const first = await client.send(new PublishLayerVersionCommand({ LayerName: 'runtime', Content: { ZipFile: layerZip }, CompatibleRuntimes: ['provided.al2023'], Description: 'a shell runtime' }));
    expect([first.Version, first.Content?.CodeSha256, first.Content?.CodeSize]).toEqual([1, codeSha256(layerZip), layerZip.length]);
    expect(first.LayerVersionArn).toMatch(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:runtime:1$/);
    const second = await client.send(new PublishLayerVersionCommand({ LayerName: 'runtime', Content: { ZipFile: layerZip } }));
    expect(second.Version).toBe(2);
    const listed = await client.send(new ListLayersCommand({ CompatibleRuntime: 'provided.al2023' }));
    expect(listed.Layers?.map((l) => [l.LayerName, l.LatestMatchingVersion?.Version])).toEqual([['runtime', 1]]);
    expect((await client.send(new ListLayerVersionsCommand({ LayerName: 'runtime' }))).LayerVersions?.map((v) => v.Version)).toEqual([2, 1]);
    // Content from the embedded S3: uploaded with the S3 SDK, published by bucket and key.
    const s3Endpoint = /aws s3 --endpoint-url (http:\/\/\S+)\)/.exec(serve.output())?.[1] ?? '';
    const s3 = new S3Client({ endpoint: s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const s3Zip = await yazlZip([{ name: 'python/shared.py', data: 'X = 1\n' }]);
    await s3.send(new PutObjectCommand({ Bucket: 'artifacts', Key: 'layers/shared.zip', Body: s3Zip }));
    const fromS3 = await client.send(new PublishLayerVersionCommand({ LayerName: 'shared', Content: { S3Bucket: 'artifacts', S3Key: 'layers/shared.zip' } }));
    expect([fromS3.Version, fromS3.Content?.CodeSha256]).toEqual([1, codeSha256(s3Zip)]);
    const noKey = await errorOf(client.send(new PublishLayerVersionCommand({ LayerName: 'shared', Content: { S3Bucket: 'artifacts', S3Key: 'missing.zip' } })));
    expect(noKey.message).toContain('S3 Error Code: NoSuchKey');
    const byArn = await client.send(new GetLayerVersionByArnCommand({ Arn: first.LayerVersionArn }));
    expect([byArn.Version, byArn.Description, byArn.CreatedDate]).toEqual([1, 'a shell runtime', first.CreatedDate]);

    // A function of the management API running the layer's bootstrap.
    const code = await yazlZip([{ name: 'README', data: 'the runtime is in the layer\n' }]);
    await client.send(new CreateFunctionCommand({ FunctionName: 'LayerFn', Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: code }, Layers: [second.LayerVersionArn ?? ''] }));
    await expect.poll(() => invoke(client, 'LayerFn', {}), { timeout: 20_000 }).toEqual({ from: 'layer' });

    await client.send(new DeleteLayerVersionCommand({ LayerName: 'runtime', VersionNumber: 2 }));
    expect((await errorOf(client.send(new GetLayerVersionCommand({ LayerName: 'runtime', VersionNumber: 2 })))).name).toBe('ResourceNotFoundException');
    expect(await invoke(client, 'LayerFn', {})).toEqual({ from: 'layer' });
    // New code for a function whose layer version is gone: it keeps the layer (as on Lambda).
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'LayerFn', ZipFile: await yazlZip([{ name: 'README', data: 'new code\n' }]) }));
    await expect.poll(() => invoke(client, 'LayerFn', {}), { timeout: 20_000 }).toEqual({ from: 'layer' });
    expect((await client.send(new PublishLayerVersionCommand({ LayerName: 'runtime', Content: { ZipFile: layerZip } }))).Version).toBe(3);

    // Bad input.
    const corrupt = await errorOf(client.send(new PublishLayerVersionCommand({ LayerName: 'runtime', Content: { ZipFile: Buffer.from('PK\u0003\u0004 this is not a zip') } })));
    expect(corrupt).toEqual({ name: 'InvalidParameterValueException', message: 'Could not unzip uploaded file. Please check your file, then try to upload again.' });
    const badName = await errorOf(client.send(new PublishLayerVersionCommand({ LayerName: 'no/slashes', Content: { ZipFile: layerZip } })));
    expect(badName.name).toBe('ValidationException');
    const tooMany = await errorOf(client.send(new CreateFunctionCommand({ FunctionName: 'Six', Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: code }, Layers: Array.from({ length: 6 }, () => first.LayerVersionArn ?? '') })));
    expect(tooMany.name).toBe('InvalidParameterValueException');
    expect(tooMany.message).toMatch(/more than 5 layers/);
    const unknownArn = (first.LayerVersionArn ?? '').replace(/:1$/, ':99');
    const unknown = await errorOf(client.send(new CreateFunctionCommand({ FunctionName: 'Ghost', Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: code }, Layers: [unknownArn] })));
    expect(unknown).toEqual({ name: 'InvalidParameterValueException', message: `Layer version ${unknownArn} does not exist.` });
    expect(serve.output()).not.toMatch(/ServiceException|internal error/i);
  }, 120_000);
});
