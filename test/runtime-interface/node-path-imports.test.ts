/**
 * ES module handlers import packages from NODE_PATH folders (a layer's nodejs/node_modules, the
 * runtime's /var/runtime/node_modules), as on Lambda's Node.js 18+ runtimes: the shipped client
 * (dist/ric, as environments run it) on each Node major at hand, and the lookup's unit rules.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RIC_ENTRY } from '../../src/platform/paths.js';
import { isBareSpecifier, nodePathParents } from '../../runtime-interface/runtime/node-path-imports.js';
import { installTestNodes, nodeBinaryFor, nodeBinaryMissing } from '../helpers/node-binaries.js';
import { FakeRuntimeApi, spawnRic, useRicHarness } from './harness.js';

const MAJORS = [20, 22, 24];
await installTestNodes(MAJORS);

const root = mkdtempSync(join(tmpdir(), 'lamina-node-path-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** A package of ES modules only (no `require` condition), with an `exports` subpath. */
function esmPackage(dir: string, name: string, value: string): void {
  write(join(dir, name, 'package.json'), JSON.stringify({ name, type: 'module', exports: { '.': './main.js', './sub': './sub.js' } }));
  write(join(dir, name, 'main.js'), `export const where = ${JSON.stringify(value)};\n`);
  write(join(dir, name, 'sub.js'), `export const sub = 'sub of ' + ${JSON.stringify(value)};\n`);
}

const layer = join(root, 'opt', 'nodejs', 'node_modules');
const runtime = join(root, 'runtime', 'node_modules');
esmPackage(layer, 'layer-pkg', 'layer');
esmPackage(layer, 'both-pkg', 'layer');
esmPackage(runtime, 'both-pkg', 'runtime');
esmPackage(runtime, '@scope/runtime-pkg', 'runtime');
esmPackage(runtime, '@aws-sdk/lamina-test-client', 'the runtime\'s SDK');
const NODE_PATH = [join(root, 'missing', 'node_modules'), layer, runtime, join(root, 'runtime'), '/var/task'].join(':');

const task = join(root, 'task');
// The SDK-like import sits in a module the handler imports, not in the handler itself.
write(join(task, 'lib.mjs'), "export { where as scoped } from '@scope/runtime-pkg';\nexport { sub } from '@scope/runtime-pkg/sub';\n");
write(
  join(task, 'index.mjs'),
  "import { where as layer } from 'layer-pkg';\nimport { where as both } from 'both-pkg';\nimport { scoped, sub } from './lib.mjs';\nimport { where as sdk } from '@aws-sdk/lamina-test-client';\n" +
    'export const handler = async () => ({ layer, both, scoped, sub, sdk, dynamic: (await import(\'layer-pkg\')).where });\n',
);
// Names no SDK package: on Node 20 nothing is registered for folders outside /opt (the worker's cost).
write(join(task, 'plain.mjs'), "import { where } from 'layer-pkg';\nexport const handler = async () => ({ where });\n");
write(join(task, 'missing.mjs'), "import 'not-in-any-folder';\nexport const handler = async () => 1;\n");

const track = useRicHarness();

async function firstPost(handler: string, node: string, env: Record<string, string>): Promise<string> {
  const api = await FakeRuntimeApi.start();
  const ric = spawnRic({ api, taskRoot: task, handler, env, entry: RIC_ENTRY, node });
  track({ api, ric });
  api.enqueue({ requestId: 'req-1', body: '{}' });
  return (await api.nextPost()).body;
}

describe.each(MAJORS)('an ES module handler on Node %i', (major) => {
  const node = nodeBinaryFor(major);
  const missing = nodeBinaryMissing(major);
  if (missing !== undefined) console.warn(`[node-path-imports] Node ${major} skipped: ${missing}`);

  it.skipIf(node === undefined)('imports from NODE_PATH folders in order (static, nested, scoped, subpath, dynamic)', async () => {
    const body = await firstPost('index.handler', node ?? '', { NODE_PATH });
    expect(JSON.parse(body)).toEqual({ layer: 'layer', both: 'layer', scoped: 'runtime', sub: 'sub of runtime', sdk: "the runtime's SDK", dynamic: 'layer' });
  });

  it.skipIf(node === undefined)(major === 20 ? 'Node 20: a handler naming no SDK package gets no lookup for folders outside /opt (Node\'s error)' : 'a handler naming no SDK package still finds NODE_PATH packages', async () => {
    const body = JSON.parse(await firstPost('plain.handler', node ?? '', { NODE_PATH })) as { where?: string; errorMessage?: string };
    if (major === 20) expect(body.errorMessage).toMatch(/^Cannot find package 'layer-pkg' imported from .*plain\.mjs/);
    else expect(body).toEqual({ where: 'layer' });
  });

  it.skipIf(node === undefined)('without NODE_PATH the same imports fail as Node says, naming the package and the importer', async () => {
    const body = JSON.parse(await firstPost('index.handler', node ?? '', {})) as { errorMessage: string };
    expect(body.errorMessage).toMatch(/^Cannot find package '(layer-pkg|both-pkg|@aws-sdk\/lamina-test-client)' imported from .*index\.mjs$/);
  });

  it.skipIf(node === undefined)('a package in no folder keeps Node\'s own error', async () => {
    const body = JSON.parse(await firstPost('missing.handler', node ?? '', { NODE_PATH })) as { errorType: string; errorMessage: string };
    expect(body.errorType).toBe('Error');
    expect(body.errorMessage).toMatch(/^Cannot find package 'not-in-any-folder' imported from .*missing\.mjs$/);
  });
});

describe('the lookup', () => {
  it('searches only NODE_PATH folders named node_modules that exist, once each, in order', () => {
    expect(nodePathParents(`${layer}:${runtime}:${layer}:${join(root, 'runtime')}:relative/node_modules:${join(root, 'gone', 'node_modules')}`)).toEqual([
      `file://${layer}/lamina-node-path.js`,
      `file://${runtime}/lamina-node-path.js`,
    ]);
    expect(nodePathParents(undefined)).toEqual([]);
  });

  it('supplies package names only: never paths, URLs, built-ins or # imports', () => {
    for (const bare of ['pkg', '@aws-sdk/client-s3', 'lodash/fp', '@scope/p/sub.js', 'a.b']) expect(isBareSpecifier(bare), bare).toBe(true);
    for (const other of ['./x.mjs', '../x', '/abs/x.mjs', 'file:///x.mjs', 'node:fs', 'data:text/javascript,1', '#internal', '']) expect(isBareSpecifier(other), other).toBe(false);
  });
});
