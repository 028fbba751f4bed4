/**
 * A replaced `$LATEST`'s package directory outlives the update while an environment of it is still
 * finishing an invocation: a Node handler that imports a second module lazily, after an await that
 * spans UpdateFunctionCode, still finds it. The directory goes once that environment has exited.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, UpdateFunctionCodeCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { serveProject } from '../helpers/serve-process.js';
import { startSeeded, TEST_ROLE } from '../helpers/seeded-serve.js';
import { yazlZip } from '../control/yazl-zip.js';

const ROLE = TEST_ROLE;

/** Waits for the file the event names, then imports ./second.mjs: only then does it read the package again. */
const HANDLER = `import { existsSync } from 'node:fs';
export const handler = async (event) => {
  while (event.wait !== undefined && !existsSync(event.wait)) await new Promise((resolve) => setTimeout(resolve, 20));
  const { word } = await import('./second.mjs');
  return { word };
};
`;

const project = serveProject('lamina-code-release-');
let client: LambdaClient;

const packageOf = (word: string): Promise<Buffer> => yazlZip([{ name: 'index.mjs', data: HANDLER }, { name: 'second.mjs', data: `export const word = ${JSON.stringify(word)};\n` }]);

async function codeDirOf(name: string): Promise<string> {
  const location = (await client.send(new GetFunctionCommand({ FunctionName: name }))).Code?.Location ?? '';
  return fileURLToPath(location);
}

beforeAll(async () => {
  client = localLambdaClient(await startSeeded(project, 'echo seed'));
}, 120_000);

afterAll(() => client?.destroy());

describe('a replaced package directory', () => {
  it('stays while an environment of the old code still runs, and goes once it exited', async () => {
    await client.send(new CreateFunctionCommand({ FunctionName: 'lazy', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await packageOf('one') } }));
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { FunctionName: 'lazy' });
    const oldDir = await codeDirOf('lazy');
    const flag = join(project.dir, 'go');
    const inFlight = client.send(new InvokeCommand({ FunctionName: 'lazy', Payload: Buffer.from(JSON.stringify({ wait: flag })) }));
    // The invocation is running (its handler polls for the flag) before the update.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'lazy', ZipFile: await packageOf('two') }));
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { FunctionName: 'lazy' });
    expect(await codeDirOf('lazy')).not.toBe(oldDir);
    expect(existsSync(join(oldDir, 'second.mjs'))).toBe(true);
    writeFileSync(flag, '');
    const answer = await inFlight;
    expect(answer.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(answer.Payload ?? new Uint8Array()).toString())).toEqual({ word: 'one' });
    // The new code answers new invocations; the old directory goes once its environment exited.
    const next = await client.send(new InvokeCommand({ FunctionName: 'lazy', Payload: Buffer.from('{}') }));
    expect(JSON.parse(Buffer.from(next.Payload ?? new Uint8Array()).toString())).toEqual({ word: 'two' });
    const deadline = Date.now() + 20_000;
    while (existsSync(oldDir) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(oldDir)).toBe(false);
  }, 120_000);
});
