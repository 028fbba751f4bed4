/**
 * A V8 code cache per node (runtime-interface/package/code-cache.ts, build.ts): a cache is only
 * accepted by the V8 that recorded it, so the loader looks for `lamina-ric.<its V8>.v8cache` first,
 * `recordCodeCacheFor(node)` records one with another node (the build does it for every node in the
 * runtimes cache, src/runtimes/runtime-cache.ts `listInstalled`).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RIC_FILES, recordCodeCacheFor } from '../../../runtime-interface/package/build.js';
import { codeCacheFileFor } from '../../../runtime-interface/package/code-cache.js';
import { ricArtefacts } from '../../../src/cli/package-command.js';
import { RIC_DIR } from '../../../src/platform/paths.js';
import { installTestNodes, nodeBinaryFor, nodeBinaryMissing } from '../../helpers/node-binaries.js';

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

await installTestNodes([24]);

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
