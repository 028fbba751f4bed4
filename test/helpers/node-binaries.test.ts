/** The test helper that finds a node of a given major (test/helpers/node-binaries.ts). */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST_NODE_MAJOR, nodeBinaryFor, nodeBinaryMissing } from './node-binaries.js';

const root = mkdtempSync(join(tmpdir(), 'lamina-node-binaries-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeNode(dir: string): string {
  const path = join(root, dir, 'bin', 'node');
  mkdirSync(join(root, dir, 'bin'), { recursive: true });
  writeFileSync(path, '');
  chmodSync(path, 0o755);
  return path;
}

describe('nodeBinaryFor', () => {
  it('takes the newest of the major under the runtimes cache root, before LAMINA_TEST_NODE_<major>', () => {
    fakeNode('node-v31.2.0');
    const newest = fakeNode('node-v31.10.0');
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
