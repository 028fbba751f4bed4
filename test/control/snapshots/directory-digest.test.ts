/**
 * A directory's CodeSha256 changes exactly when a package of it would: content, names, modes,
 * link targets, empty directories; not times, not the order files were made in.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DigestCache, directoryIdentity } from '../../../src/control/snapshots/directory-digest.js';
import { walkDirectory } from '../../../src/control/snapshots/directory-walk.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lamina-digest-'));
  made.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
    chmodSync(join(root, path), 0o644);
  }
  return root;
}

describe('directoryIdentity', () => {
  it('gives the same digest for the same content, whatever the order files were written in, and counts the bytes', () => {
    const a = tree({ 'index.js': 'one', 'lib/util.js': 'two!' });
    const b = tree({ 'lib/util.js': 'two!', 'index.js': 'one' });
    utimesSync(join(b, 'index.js'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(directoryIdentity(a)).toEqual(directoryIdentity(b));
    expect(directoryIdentity(a).size).toBe(7);
  });

  it('changes with an edited byte, a renamed file, a mode, an empty directory or a link target', () => {
    const root = tree({ 'index.js': 'one', 'lib/util.js': 'two' });
    const seen = new Set([directoryIdentity(root).sha256]);
    const changes: (() => void)[] = [
      () => writeFileSync(join(root, 'index.js'), 'onf'),
      () => chmodSync(join(root, 'index.js'), 0o755),
      () => mkdirSync(join(root, 'empty')),
      () => symlinkSync('index.js', join(root, 'link')),
      () => {
        rmSync(join(root, 'link'));
        symlinkSync('lib/util.js', join(root, 'link'));
      },
      () => {
        rmSync(join(root, 'lib/util.js'));
        writeFileSync(join(root, 'lib/utils.js'), 'two');
      },
    ];
    for (const change of changes) {
      change();
      const digest = directoryIdentity(root).sha256;
      expect(seen.has(digest)).toBe(false);
      seen.add(digest);
    }
  });

  it('does not confuse a file\'s name and its content across the field boundary', () => {
    expect(directoryIdentity(tree({ ab: 'c' })).sha256).not.toBe(directoryIdentity(tree({ a: 'bc' })).sha256);
  });

  it('keeps a link inside the directory as a link and follows one that leaves it, as a package would hold them', () => {
    const outside = tree({ 'shared.js': 'shared code' });
    const root = tree({ 'index.js': 'x' });
    symlinkSync('index.js', join(root, 'alias.js'));
    symlinkSync(join(outside, 'shared.js'), join(root, 'shared.js'));
    symlinkSync('../../nowhere', join(root, 'dangling'));
    const entries = walkDirectory(root).map((entry) => [entry.path, entry.kind]);
    expect(entries).toEqual([['alias.js', 'symlink'], ['index.js', 'file'], ['shared.js', 'file']]);
    const before = directoryIdentity(root).sha256;
    writeFileSync(join(outside, 'shared.js'), 'shared code, edited');
    expect(directoryIdentity(root).sha256).not.toBe(before);
  });

  it('reads a file again when its stat changed, and answers from the cache file when it did not', () => {
    const state = mkdtempSync(join(tmpdir(), 'lamina-digest-state-'));
    made.push(state);
    const root = tree({ 'index.js': 'one' });
    const cache = DigestCache.load(join(state, 'cache.json'));
    const first = directoryIdentity(root, cache);
    cache.save();
    writeFileSync(join(root, 'index.js'), 'two');
    const reloaded = DigestCache.load(join(state, 'cache.json'));
    expect(directoryIdentity(root, reloaded)).toEqual(directoryIdentity(root));
    expect(directoryIdentity(root, reloaded)).not.toEqual(first);
    // An unchanged stat is answered from the file without reading the content: a doctored digest shows through.
    reloaded.save();
    const saved = JSON.parse(readFileSync(join(state, 'cache.json'), 'utf8')) as Record<string, { sha256: string }>;
    for (const entry of Object.values(saved)) entry.sha256 = '00';
    writeFileSync(join(state, 'cache.json'), JSON.stringify(saved));
    expect(directoryIdentity(root, DigestCache.load(join(state, 'cache.json')))).not.toEqual(directoryIdentity(root));
    // A cache file that is not JSON is no cache.
    writeFileSync(join(state, 'cache.json'), '{not json');
    expect(directoryIdentity(root, DigestCache.load(join(state, 'cache.json')))).toEqual(directoryIdentity(root));
  });
});
