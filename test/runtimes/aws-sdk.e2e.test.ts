/**
 * Node.js functions that import the AWS SDK without bringing it run as on Lambda, whose Node.js
 * runtimes carry it (docs/runtimes.md, "The AWS SDK"): `lamina serve` installs the packages they
 * import into the shared store at start, and environments find them at /var/runtime/node_modules
 * (isolated) or through NODE_PATH (--no-limits). An ES module handler on Node 22 and on Node 20
 * (the two ways node-path-imports.ts turns lookups on), a CommonJS one and a TypeScript one bundled
 * by esbuild with SAM's `External: ["@aws-sdk/*"]` each send a signed
 * request with `@aws-sdk/client-lambda` and parse its answer. The project lives under /tmp, with no
 * node_modules anywhere above it.
 */
import { mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RIC_DIR } from '../../src/platform/paths.js';
import { sdkStoreRoot, sdkVersion } from '../../src/runtimes/aws-sdk-store.js';
import { installTestNodes } from '../helpers/node-binaries.js';
import { freePort, serveProject } from '../helpers/serve-process.js';

await installTestNodes([22]);

/**
 * A client whose requests are answered in the process (environments reach no Lamina port on the
 * host's loopback): the SDK still builds, signs and parses them. Returns what it sent.
 */
const CLIENT = `const sent = [];
const answer = (body) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: Readable.from([Buffer.from(body)]) });
const client = new LambdaClient({
  region: process.env.AWS_REGION,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  requestHandler: { handle: async (request) => {
    sent.push({ line: request.method + ' ' + request.path, signed: String(request.headers.authorization).startsWith('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/') });
    return { response: answer(request.path.endsWith('/invocations') ? '{"from":"invoke"}' : '{"Functions":[{"FunctionName":"listed"}]}') };
  } },
});
`;

const ESM = `import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { Readable } from 'node:stream';
${CLIENT}
export const handler = async () => {
  const listed = await client.send(new ListFunctionsCommand({}));
  return { node: process.versions.node.split('.')[0], names: listed.Functions.map((f) => f.FunctionName), sent };
};
`;

/** TypeScript bundled by esbuild with `External: ["@aws-sdk/*"]`: the bundle requires the SDK at run time. */
const TS = `import { LambdaClient, GetAccountSettingsCommand } from '@aws-sdk/client-lambda';
import { Readable } from 'node:stream';
${CLIENT}
export const handler = async (): Promise<unknown> => {
  const settings = await client.send(new GetAccountSettingsCommand({}));
  return { bundled: true, settings: settings.AccountLimit ?? null, sent };
};
`;

const CJS = `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const { Readable } = require('node:stream');
${CLIENT}
exports.handler = async () => {
  const answer = await client.send(new InvokeCommand({ FunctionName: 'other', Payload: '{}' }));
  return { node: process.versions.node.split('.')[0], payload: Buffer.from(answer.Payload).toString(), sent, where: require.resolve('@aws-sdk/client-lambda') };
};
`;

function template(): string {
  const fn = (name: string, runtime: string, codeUri: string): string => `  ${name}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: ${runtime}
      Handler: index.handler
      CodeUri: ${codeUri}
      Timeout: 20
      MemorySize: 1024
`;
  // SAM's advice for Node 18+: leave the SDK out of the bundle, the runtime has it.
  const built = `${fn('BuiltWithEsbuild', 'nodejs22.x', 'ts/')}    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        External: ["@aws-sdk/*"]
`;
  // Hostile: names a package the registry does not have; the others must still get theirs.
  const bogus = fn('NamesNoSuchPackage', 'nodejs22.x', 'bogus/');
  return `Resources:\n${bogus}${fn('EsmOnNode22', 'nodejs22.x', 'esm/')}${fn('EsmOnNode20', 'nodejs20.x', 'esm/')}${fn('CjsOnNode22', 'nodejs22.x', 'cjs/')}${built}`;
}

async function invoke(base: string, name: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${base}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: '{}' });
  return { status: response.status, body: await response.text() };
}

describe.each([
  { mode: 'isolated (the default)', args: [] as string[] },
  { mode: '--no-limits', args: ['--no-limits'] },
])('functions importing the AWS SDK they do not bring, $mode', ({ args }) => {
  const project = serveProject('lamina-aws-sdk-');
  let base = '';

  it('are served: the SDK is installed at start, and ESM (Node 22 and 20), CommonJS and esbuild-bundled (External @aws-sdk/*) handlers send signed requests with it', async () => {
    const BOGUS = "import { X } from '@aws-sdk/client-no-such-package-lamina';\nexport const handler = async () => X;\n";
    for (const [dir, file, text] of [['esm', 'index.mjs', ESM], ['cjs', 'index.js', CJS], ['ts', 'index.ts', TS], ['bogus', 'index.mjs', BOGUS]] as const) {
      mkdirSync(join(project.dir, dir), { recursive: true });
      writeFileSync(join(project.dir, dir, file), text);
    }
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // A first install downloads from the npm registry: give it time.
    await project.start(template(), ['--port', String(port), ...args], /on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(sdkVersion('@aws-sdk/client-lambda')).toMatch(/^3\.\d+\.\d+$/);
    expect(sdkVersion('@aws-sdk/client-no-such-package-lamina')).toBeUndefined();
    expect(project.serve?.output()).toMatch(/not on \S+, so not installed: @aws-sdk\/client-no-such-package-lamina/);
    expect(readlinkSync(join(RIC_DIR, 'node_modules'))).toBe(join(sdkStoreRoot(), 'node_modules'));

    for (const [name, node] of [['EsmOnNode22', '22'], ['EsmOnNode20', '20']] as const) {
      const answer = await invoke(base, name);
      expect(answer, name).toMatchObject({ status: 200 });
      expect(JSON.parse(answer.body)).toEqual({ node, names: ['listed'], sent: [{ line: 'GET /2015-03-31/functions', signed: true }] });
    }
    const cjs = await invoke(base, 'CjsOnNode22');
    expect(cjs.status).toBe(200);
    const body = JSON.parse(cjs.body) as { where: string };
    expect(body).toMatchObject({ node: '22', payload: '{"from":"invoke"}', sent: [{ line: 'POST /2015-03-31/functions/other/invocations', signed: true }] });
    expect(body.where).toMatch(/\/node_modules\/@aws-sdk\/client-lambda\/dist-cjs\/index\.js$/);
    const bundled = await invoke(base, 'BuiltWithEsbuild');
    expect(bundled.status).toBe(200);
    expect(JSON.parse(bundled.body)).toEqual({ bundled: true, settings: null, sent: [{ line: 'GET /2016-08-19/account-settings', signed: true }] });
    // The function naming a package no registry has fails to import it, as on Lambda.
    const bogus = await invoke(base, 'NamesNoSuchPackage');
    expect(JSON.parse(bogus.body)).toMatchObject({ errorMessage: expect.stringMatching(/^Cannot find package '@aws-sdk\/client-no-such-package-lamina'/) });
  }, 300_000);
});
