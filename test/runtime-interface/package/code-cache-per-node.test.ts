/**
 * A V8 code cache per node (runtime-interface/package/code-cache.ts, build.ts): a cache is only
 * accepted by the V8 that recorded it, so the loader looks for `lamina-ric.<its V8>.v8cache` first,
 * `recordCodeCacheFor(node)` records one with another node, and the build finds the installed nodes
 * under the runtimes cache root (cached-nodes.ts).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RIC_FILES, recordCodeCacheFor } from '../../../runtime-interface/package/build.js';
import { cachedNodes, runtimesCacheRoot } from '../../../runtime-interface/package/cached-nodes.js';
import { codeCacheFileFor } from '../../../runtime-interface/package/code-cache.js';
import { ricArtefacts } from '../../../src/cli/package-command.js';
import { RIC_DIR } from '../../../src/platform/paths.js';
import { nodeBinaryFor, nodeBinaryMissing } from '../../helpers/node-binaries.js';

let out: string;

beforeAll(async () => {
  await ricArtefacts(); // built by `npm run build` (pretest); built here when missing
  out = mkdtempSync(join(tmpdir(), 'lamina-cache-per-node-'));
  // A copy of the built client without any cache: what an installer finds after `npm run build`.
  for (const file of [RIC_FILES.bundle, RIC_FILES.loader]) copyFileSync(join(RIC_DIR, file), join(out, file));
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

const check = (node: string, dir = out): string => {
  const run = spawnSync(node, [join(dir, RIC_FILES.loader), '--check-code-cache'], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.trim();
};

const v8Of = (node: string): string => spawnSync(node, ['-p', 'process.versions.v8'], { encoding: 'utf8' }).stdout.trim();

describe('recordCodeCacheFor', () => {
  it('records a cache named after the V8 of the node it ran, which that node accepts', async () => {
    expect(check(process.execPath)).toBe('missing');
    const recorded = await recordCodeCacheFor(process.execPath, out);
    expect(recorded.problem).toBeUndefined();
    expect(recorded.file).toBe(join(out, codeCacheFileFor(process.versions.v8)));
    expect(existsSync(recorded.file!)).toBe(true);
    expect(check(process.execPath)).toBe('accepted');
  });

  it('says why when the node cannot run or the client is not built', async () => {
    const missingNode = await recordCodeCacheFor(join(out, 'no-such-node'), out);
    expect(missingNode.problem).toMatch(/cannot run .*no-such-node/);
    const empty = mkdtempSync(join(tmpdir(), 'lamina-cache-empty-'));
    try {
      expect((await recordCodeCacheFor(process.execPath, empty)).problem).toMatch(/is missing: run npm run build first/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  const other = nodeBinaryFor(24);
  if (other === undefined) console.warn(`[code-cache] another node's cache skipped: ${nodeBinaryMissing(24)}`);
  it.skipIf(other === undefined)("gives Node 24 its own cache: it rejects the build node's, accepts its own", async () => {
    const node = other!;
    // Only the build node's cache under the old name: Node 24's V8 rejects it.
    copyFileSync(join(out, codeCacheFileFor(process.versions.v8)), join(out, RIC_FILES.cache));
    expect(check(node)).toBe('rejected');
    const recorded = await recordCodeCacheFor(node, out);
    expect(recorded.file).toBe(join(out, codeCacheFileFor(v8Of(node))));
    expect(check(node)).toBe('accepted');
    // The build node still picks its own.
    expect(check(process.execPath)).toBe('accepted');
  });
});

describe('cachedNodes', () => {
  it('lists node-v<x.y.z>/bin/node under the root, newest first, and nothing else', () => {
    const root = mkdtempSync(join(tmpdir(), 'lamina-runtimes-'));
    try {
      for (const dir of ['node-v22.9.0', 'node-v22.10.1', 'node-v24.1.0', 'node-v20.19.0', 'node-v23.0.0-nightly', 'python-3.12']) {
        mkdirSync(join(root, dir, 'bin'), { recursive: true });
        writeFileSync(join(root, dir, 'bin', 'node'), '');
        chmodSync(join(root, dir, 'bin', 'node'), 0o755);
      }
      mkdirSync(join(root, 'node-v26.0.0')); // no bin/node: not installed
      expect(cachedNodes(root).map((node) => `${node.major}:${node.version}`)).toEqual(['24:24.1.0', '22:22.10.1', '22:22.9.0', '20:20.19.0']);
      expect(cachedNodes(root)[0]!.path).toBe(join(root, 'node-v24.1.0', 'bin', 'node'));
      expect(cachedNodes(join(root, 'absent'))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('has its root in LAMINA_RUNTIMES_DIR, else ~/.cache/lamina/runtimes', () => {
    expect(runtimesCacheRoot({ LAMINA_RUNTIMES_DIR: '/opt/rt' })).toBe('/opt/rt');
    expect(runtimesCacheRoot({ HOME: '/h' })).toMatch(/\.cache\/lamina\/runtimes$/);
  });
});
