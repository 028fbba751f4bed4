/** The test helper that finds a node of a given major (test/helpers/node-binaries.ts). */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { METADATA_FILE } from '../../src/runtimes/runtime-cache.js';
import { HOST_NODE_MAJOR, installTestNodes, nodeBinaryFor, nodeBinaryMissing, nodeOrSkip } from './node-binaries.js';

const root = mkdtempSync(join(tmpdir(), 'lamina-node-binaries-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A node at `dir`; `version` makes it a complete install (with the installer's metadata file). */
function fakeNode(dir: string, version?: string): string {
  const path = join(root, dir, 'bin', 'node');
  mkdirSync(join(root, dir, 'bin'), { recursive: true });
  writeFileSync(path, '');
  chmodSync(path, 0o755);
  if (version !== undefined) writeFileSync(join(root, dir, METADATA_FILE), JSON.stringify({ version, integrity: 'sha512-x' }));
  return path;
}

describe('nodeBinaryFor', () => {
  it('takes the newest of the major under the runtimes cache root, before LAMINA_TEST_NODE_<major>', () => {
    fakeNode('node-v31.2.0', '31.2.0');
    const newest = fakeNode('node-v31.10.0', '31.10.0');
    fakeNode('node-v31.11.0'); // no metadata: an interrupted install, not used
    const named = fakeNode('elsewhere');
    expect(nodeBinaryFor(31, { LAMINA_RUNTIMES_DIR: root, LAMINA_TEST_NODE_31: named })).toBe(newest);
  });

  it('falls back to LAMINA_TEST_NODE_<major> when it exists, then to the host node for its own major', () => {
    const named = fakeNode('node-for-33');
    const env = { LAMINA_RUNTIMES_DIR: join(root, 'none') };
    expect(nodeBinaryFor(33, { ...env, LAMINA_TEST_NODE_33: named })).toBe(named);
    expect(nodeBinaryFor(33, { ...env, LAMINA_TEST_NODE_33: join(root, 'missing') })).toBeUndefined();
    expect(nodeBinaryFor(HOST_NODE_MAJOR, env)).toBe(process.execPath);
  });

  it('says why a major is missing', () => {
    expect(nodeBinaryMissing(35, { LAMINA_RUNTIMES_DIR: join(root, 'none') })).toMatch(/no Node 35 binary.*LAMINA_TEST_NODE_35/);
    expect(nodeBinaryMissing(HOST_NODE_MAJOR, { LAMINA_RUNTIMES_DIR: join(root, 'none') })).toBeUndefined();
  });
});

describe('installTestNodes', () => {
  it('prints and remembers why a major could not be installed, and the tests of that major skip with it', async () => {
    // Major 37 is no Node.js runtime Lamina installs: the registry has none, whatever the network.
    const saved = { dir: process.env.LAMINA_RUNTIMES_DIR, registry: process.env.npm_config_registry };
    process.env.LAMINA_RUNTIMES_DIR = join(root, 'empty-cache');
    process.env.npm_config_registry = 'http://127.0.0.1:9/';
    const printed: string[] = [];
    const log = console.log;
    console.log = (line: string) => void printed.push(line);
    try {
      await installTestNodes([37, HOST_NODE_MAJOR]);
      expect(printed[0]).toMatch(/installing Node 37 into .*empty-cache/);
      expect(printed[1]).toMatch(/Node 37 not installed; its tests skip: nodejs37\.x needs Node\.js 37/);
      expect(printed).toHaveLength(2); // the host's major needs nothing
      expect(nodeBinaryMissing(37)).toMatch(/installing it failed: nodejs37\.x needs Node\.js 37/);
      let skipped = false;
      expect(nodeOrSkip(37, { skip: () => void (skipped = true) })).toBeUndefined();
      expect(skipped).toBe(true);
      expect(nodeOrSkip(HOST_NODE_MAJOR, { skip: () => undefined })).toEqual({ path: process.execPath, version: process.versions.node, source: 'host' });
    } finally {
      console.log = log;
      for (const [name, value] of [['LAMINA_RUNTIMES_DIR', saved.dir], ['npm_config_registry', saved.registry]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
