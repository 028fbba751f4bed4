import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TreeWatcher, isUnder } from '../../src/hot-reload/tree-watcher.js';

const dirs: string[] = [];
const watchers: TreeWatcher[] = [];
afterEach(() => {
  for (const watcher of watchers.splice(0)) watcher.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-tree-watch-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'src', 'app.js'), 'v0');
  return dir;
}

function watching(options: { ignore?: (path: string) => boolean } = {}): { watcher: TreeWatcher; seen: string[]; until(path: string): Promise<void> } {
  const seen: string[] = [];
  const watcher = new TreeWatcher({ onPath: (path) => seen.push(path), ...options });
  watchers.push(watcher);
  return {
    watcher,
    seen,
    // Events arrive when the kernel delivers them: wait for the one expected (the test's timeout bounds it).
    until: async (path) => {
      while (!seen.includes(path)) await new Promise((resolve) => setTimeout(resolve, 5));
      seen.length = 0;
    },
  };
}

/** An editor's save: the new content in a temporary file renamed over the old one. */
function atomicSave(path: string, content: string): void {
  writeFileSync(`${path}.tmp~`, content);
  renameSync(`${path}.tmp~`, path);
}

describe('TreeWatcher', () => {
  it('sees every one of repeated atomic saves of one file (Node 20 recursive fs.watch sees only the first)', async () => {
    const dir = project();
    const { watcher, until } = watching();
    watcher.setRoots([{ dir: join(dir, 'src'), deep: true }]);
    for (let i = 1; i <= 4; i += 1) {
      atomicSave(join(dir, 'src', 'app.js'), `v${i}`);
      await until(join(dir, 'src', 'app.js'));
    }
    writeFileSync(join(dir, 'src', 'app.js'), 'in place');
    await until(join(dir, 'src', 'app.js'));
  });

  it('watches subdirectories, and directories created after the start with what is written into them', async () => {
    const dir = project();
    const { watcher, until } = watching();
    watcher.setRoots([{ dir: join(dir, 'src'), deep: true }]);
    expect(watcher.size).toBe(2);
    writeFileSync(join(dir, 'src', 'lib', 'util.js'), 'x');
    await until(join(dir, 'src', 'lib', 'util.js'));
    mkdirSync(join(dir, 'src', 'node_modules'));
    await until(join(dir, 'src', 'node_modules'));
    expect(watcher.size).toBe(3);
    mkdirSync(join(dir, 'src', 'node_modules', 'pkg'));
    await until(join(dir, 'src', 'node_modules', 'pkg'));
    writeFileSync(join(dir, 'src', 'node_modules', 'pkg', 'index.js'), 'y');
    await until(join(dir, 'src', 'node_modules', 'pkg', 'index.js'));
    rmSync(join(dir, 'src', 'node_modules'), { recursive: true });
    await until(join(dir, 'src', 'node_modules'));
    expect(watcher.size).toBe(2);
  });

  it('watches a shallow root without its subdirectories, and drops roots no longer wanted', async () => {
    const dir = project();
    const { watcher, seen, until } = watching();
    watcher.setRoots([{ dir, deep: false }]);
    expect(watcher.size).toBe(1);
    writeFileSync(join(dir, 'src', 'lib', 'deep.js'), 'x');
    writeFileSync(join(dir, 'template.yaml'), 'Resources: {}');
    await until(join(dir, 'template.yaml'));
    expect(seen.filter((path) => path.endsWith('deep.js'))).toEqual([]);
    watcher.setRoots([{ dir: join(dir, 'src'), deep: true }]);
    expect(watcher.size).toBe(2);
    watcher.setRoots([]);
    expect(watcher.size).toBe(0);
  });

  it('neither reports nor descends into ignored paths (the state directory inside a code tree)', async () => {
    const dir = project();
    const state = join(dir, 'src', '.lamina');
    mkdirSync(join(state, 'code'), { recursive: true });
    const { watcher, seen, until } = watching({ ignore: (path) => isUnder(path, state) });
    watcher.setRoots([{ dir: join(dir, 'src'), deep: true }]);
    expect(watcher.size).toBe(2);
    writeFileSync(join(state, 'control.sqlite'), 'x');
    writeFileSync(join(dir, 'src', 'app.js'), 'v1');
    await until(join(dir, 'src', 'app.js'));
    expect(seen.filter((path) => isUnder(path, state))).toEqual([]);
  });

  it('reports nothing once closed', async () => {
    const dir = project();
    const { watcher, seen } = watching();
    watcher.setRoots([{ dir: join(dir, 'src'), deep: true }]);
    watcher.close();
    expect(watcher.size).toBe(0);
    writeFileSync(join(dir, 'src', 'app.js'), 'v1');
    // A second watcher that does see the write: once it has, the closed one would have too.
    const { watcher: other, until } = watching();
    other.setRoots([{ dir: join(dir, 'src'), deep: true }]);
    writeFileSync(join(dir, 'src', 'app.js'), 'v2');
    await until(join(dir, 'src', 'app.js'));
    expect(seen).toEqual([]);
  });
});
