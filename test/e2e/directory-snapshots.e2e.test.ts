/**
 * `lamina serve` twice on one project whose function's `CodeUri` is a directory, under
 * AutoPublishAlias: a file edited between the starts is a code change (a new CodeSha256 and
 * version 2), and version 1 keeps answering what it was published with, from its snapshot
 * (docs/control-plane.md, "Snapshots of directory code").
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetFunctionConfigurationCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { type ServeProcess, serveProject } from '../helpers/serve-process.js';

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: api
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: src/
      AutoPublishAlias: live
`;

const ARGS = ['--port', '0', '--host-node', '--no-limits', '--quiet', '--sqs-port', '0', '--events-port', '0', '--s3-port', '0', '--kinesis-port', '0', '--codedeploy-port', '0'];
const READY = /Functions, versions, aliases and settings are kept in/;

function endpointOf(serve: ServeProcess): string {
  return /serving \d+ function\(s\) from \S+ on (http:\S+)/.exec(serve.output())?.[1] ?? '';
}

async function invoke(endpoint: string, qualifier: string): Promise<{ version: string; body: string }> {
  const response = await fetch(`${endpoint}/2015-03-31/functions/api/invocations?Qualifier=${encodeURIComponent(qualifier)}`, { method: 'POST', body: '{}' });
  return { version: response.headers.get('x-amz-executed-version') ?? '', body: await response.text() };
}

/** The answer lives in a file beside the handler, read on each invoke: the code is the whole directory. */
function writeCode(dir: string, answer: string): void {
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'src', 'index.mjs'), `import { readFileSync } from 'node:fs';\nexport const handler = async () => readFileSync(new URL('./lib/answer.txt', import.meta.url), 'utf8');\n`);
  writeFileSync(join(dir, 'src', 'lib', 'answer.txt'), answer);
}

describe('lamina serve: a file under CodeUri edited between two starts', () => {
  const project = serveProject('lamina-snapshots-');

  it('publishes version 2, keeps version 1 on the old code, and moves $LATEST and the alias to the new', async () => {
    writeCode(project.dir, 'first');
    const first = await project.start(TEMPLATE, ARGS, READY);
    const firstClient = localLambdaClient(endpointOf(first));
    let firstSha: string | undefined;
    try {
      expect(await invoke(endpointOf(first), 'live')).toEqual({ version: '1', body: '"first"' });
      firstSha = (await firstClient.send(new GetFunctionConfigurationCommand({ FunctionName: 'api' }))).CodeSha256;
    } finally {
      firstClient.destroy();
    }
    expect(await first.stop()).toBe(0);

    // Only a file's content changes: the template is the same text.
    writeFileSync(join(project.dir, 'src', 'lib', 'answer.txt'), 'second');
    const second = await project.start(TEMPLATE, ARGS, READY);
    const endpoint = endpointOf(second);
    const client = localLambdaClient(endpoint);
    try {
      expect(await invoke(endpoint, '1')).toEqual({ version: '1', body: '"first"' });
      expect(await invoke(endpoint, '2')).toEqual({ version: '2', body: '"second"' });
      expect(await invoke(endpoint, 'live')).toEqual({ version: '2', body: '"second"' });
      expect(await invoke(endpoint, '$LATEST')).toEqual({ version: '$LATEST', body: '"second"' });
      const versions = (await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'api' }))).Versions ?? [];
      const sha = Object.fromEntries(versions.map((version) => [version.Version, version.CodeSha256]));
      expect(sha['1']).toBe(firstSha);
      expect(sha['2']).toBe(sha['$LATEST']);
      expect(sha['2']).not.toBe(firstSha);
      // CodeSize is the files' bytes: 'second' is one byte longer than 'first'.
      const size = Object.fromEntries(versions.map((version) => [version.Version, version.CodeSize ?? 0]));
      expect((size['2'] ?? 0) - (size['1'] ?? 0)).toBe(1);
    } finally {
      client.destroy();
    }
    expect(await second.stop()).toBe(0);
    // One snapshot per published content.
    expect(readdirSync(join(project.dir, 'state', 'code', 'snapshots'))).toHaveLength(2);
  });
});
