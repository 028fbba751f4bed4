/**
 * Lamina's runtime interface client shipped to functions (issue 3): the bundled client plus its sh
 * launcher as a function's own `bootstrap` (`lamina package bootstrap`), and as a Lambda layer zip
 * (`lamina package layer`) used through SAM `Layers`, each run end to end by the real platform.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/config/sam-template.js';
import { packageCommand, ricArtefacts } from '../../src/cli/package-command.js';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { customRuntimeFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { readZipEntries } from './zip-reader.js';

const OPTIONS = { region: 'us-east-1', accountId: '000000000000' };
const HANDLER_SOURCE = `exports.handler = async (event, context) => {
  console.log('hello from', context.functionName);
  return { echo: event, fn: context.functionName, node: process.version };
};
`;

const hasUnzip = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;
if (!hasUnzip) console.warn('[ric-package] the layer end-to-end test is skipped: no unzip command on PATH to extract the layer zip');

let work: string;
const quiet = { stdout: () => undefined };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lamina-package-test-'));
  await ricArtefacts(); // built by `npm run build` (pretest); built here when missing
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

async function invokeOnce(functions: FunctionConfig[], name: string, event: unknown): Promise<{ body: unknown; logs: string; output: string }> {
  let lamina: RunningLamina | undefined;
  try {
    lamina = await startLamina(functions);
    const outcome = await lamina.platform.invoke(invokeRequest(name, event));
    const result = outcome.result;
    if (result.kind !== 'response') throw new Error(`expected a response, got ${JSON.stringify(result)}\n${outcome.logs()}`);
    return { body: JSON.parse(result.payload.toString()), logs: outcome.logs(), output: lamina.output.join('') };
  } finally {
    await lamina?.stop();
  }
}

describe('lamina package bootstrap', () => {
  it('drops an executable bootstrap and the bundle into a code dir, and a provided.al2023 function runs on them', async () => {
    const code = join(work, 'own-bootstrap');
    mkdirSync(code);
    writeFileSync(join(code, 'function.js'), HANDLER_SOURCE);
    expect(await packageCommand(['bootstrap', '--out', code], quiet)).toBe(0);
    expect(statSync(join(code, 'bootstrap')).mode & 0o777).toBe(0o755);
    expect(statSync(join(code, 'lamina-ric.cjs')).isFile()).toBe(true);

    const fn = customRuntimeFunction('OwnBootstrap', code, { handler: 'function.handler' });
    const { body, logs } = await invokeOnce([fn], 'OwnBootstrap', { n: 1 });
    expect(body).toEqual({ echo: { n: 1 }, fn: 'OwnBootstrap', node: process.version });
    expect(logs).toMatch(/\tINFO\thello from OwnBootstrap/);
  });

  it('refuses to run without --out', async () => {
    await expect(packageCommand(['bootstrap'], quiet)).rejects.toThrow(/--out/);
  });
});

describe('lamina package layer', () => {
  let zip: string;

  beforeAll(async () => {
    zip = join(work, 'out', 'lamina-ric-layer.zip');
    expect(await packageCommand(['layer', '--out', zip], quiet)).toBe(0);
  });

  it('holds /opt/bootstrap (0755), the bundle, its loader and code cache (0644), nothing else', () => {
    const entries = readZipEntries(readFileSync(zip));
    expect(entries.map((e) => e.name).sort()).toEqual(['bootstrap', 'lamina-ric-start.cjs', 'lamina-ric.cjs', 'lamina-ric.v8cache']);
    const modes = Object.fromEntries(entries.map((e) => [e.name, e.unixMode?.toString(8)]));
    expect(modes).toEqual({ bootstrap: '100755', 'lamina-ric.cjs': '100644', 'lamina-ric-start.cjs': '100644', 'lamina-ric.v8cache': '100644' });
    expect(entries.every((e) => e.madeByUnix)).toBe(true);
  });

  it.skipIf(!hasUnzip)('runs a provided.al2023 function whose bootstrap comes from the layer (SAM Layers: [!Ref RicLayer])', async () => {
    const project = join(work, 'sam');
    mkdirSync(join(project, 'code'), { recursive: true });
    writeFileSync(join(project, 'code', 'function.js'), HANDLER_SOURCE);
    const unzip = spawnSync('unzip', ['-q', zip, '-d', join(project, 'layer')], { encoding: 'utf8' });
    expect(unzip.status, unzip.stderr).toBe(0);
    expect(statSync(join(project, 'layer', 'bootstrap')).mode & 0o777).toBe(0o755);
    writeFileSync(
      join(project, 'template.yaml'),
      `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  RicLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
  Layered:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: function.handler
      CodeUri: code/
      Layers: [!Ref RicLayer]
`,
    );
    const { functions, warnings } = loadTemplate(join(project, 'template.yaml'), OPTIONS);
    expect(warnings).toEqual([]);
    const [fn] = functions;
    expect(fn?.layers).toEqual([join(project, 'layer')]);
    expect(fn?.launch).toEqual({ kind: 'bootstrap', command: join(project, 'layer', 'bootstrap'), args: [] });

    const { body, logs } = await invokeOnce(functions, 'Layered', 'hi');
    expect(body).toEqual({ echo: 'hi', fn: 'Layered', node: process.version });
    expect(logs).toMatch(/\tINFO\thello from Layered/);
  });
});
