/**
 * A half-uploaded package changes nothing: a client that stops in the middle of a CreateFunction
 * or UpdateFunctionCode body (a dropped connection) leaves no function, no new code and no
 * unpacked directory behind, and the server keeps serving.
 */
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { GetFunctionCommand, InvokeCommand, ListFunctionsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { serveProject } from '../helpers/serve-process.js';
import { startSeeded } from '../helpers/seeded-serve.js';
import { shellBootstrap } from '../helpers/shell-bootstrap.js';
import { yazlZip } from '../control/yazl-zip.js';


const project = serveProject('lamina-half-upload-');
let endpoint: URL;
let client: LambdaClient;

/** Send the head and half of a JSON body that says it is whole, then drop the connection. */
async function halfSend(method: string, path: string, body: Buffer): Promise<void> {
  const socket = connect(Number(endpoint.port), endpoint.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${endpoint.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
  await new Promise<void>((resolve) => socket.write(body.subarray(0, body.length >> 1), () => resolve()));
  // Let the server read what came before the connection drops.
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.destroy();
}

function codeDirs(): string[] {
  const root = join(project.dir, 'state', 'code');
  return existsSync(root) ? readdirSync(root).sort() : [];
}

async function invokeText(name: string): Promise<string> {
  const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
  return Buffer.from(out.Payload ?? new Uint8Array()).toString();
}

beforeAll(async () => {
  endpoint = new URL(await startSeeded(project, 'echo \'"seed"\''));
  client = localLambdaClient(endpoint.origin);
}, 120_000);

afterAll(() => client?.destroy());

describe('a package upload cut in the middle', () => {
  it('CreateFunction: no function, no unpacked code, and the next request is served', async () => {
    const zip = await yazlZip([{ name: 'bootstrap', data: shellBootstrap('echo \'"new"\''), mode: 0o100755 }, { name: 'filler', data: Buffer.alloc(2 << 20, 7) }]);
    const body = Buffer.from(JSON.stringify({ FunctionName: 'half', Runtime: 'provided.al2023', Handler: 'x', Role: 'arn:aws:iam::123456789012:role/r', Code: { ZipFile: zip.toString('base64') } }));
    const before = codeDirs();
    await halfSend('POST', '/2015-03-31/functions', body);
    const listed = await client.send(new ListFunctionsCommand({}));
    expect((listed.Functions ?? []).map((f) => f.FunctionName)).toEqual(['Seed']);
    expect(codeDirs()).toEqual(before);
  });

  it('UpdateFunctionCode: the function keeps its code, digest and RevisionId', async () => {
    const before = await client.send(new GetFunctionCommand({ FunctionName: 'Seed' }));
    const zip = await yazlZip([{ name: 'bootstrap', data: shellBootstrap('echo \'"replaced"\''), mode: 0o100755 }, { name: 'filler', data: Buffer.alloc(2 << 20, 9) }]);
    await halfSend('PUT', '/2015-03-31/functions/Seed/code', Buffer.from(JSON.stringify({ ZipFile: zip.toString('base64') })));
    const after = await client.send(new GetFunctionCommand({ FunctionName: 'Seed' }));
    expect(after.Configuration?.CodeSha256).toBe(before.Configuration?.CodeSha256);
    expect(after.Configuration?.RevisionId).toBe(before.Configuration?.RevisionId);
    expect(JSON.parse(await invokeText('Seed'))).toBe('seed');
  });
});
